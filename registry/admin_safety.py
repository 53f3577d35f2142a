"""Admin plumbing shared by the apps: privacy of sensitive fields and safe saves."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

PRIVATE_DATA_PERMISSION = "registry.view_private_data"


def can_see_private_data(request) -> bool:
    return request.user.has_perm(PRIVATE_DATA_PERMISSION)


def log_private_read(request, obj, *, fields) -> None:
    """Staff were shown private fields of `obj`: keep who, what, when and where (append-only)."""
    from registry.models import Person, PrivateDataAccess

    person_id = obj.pk if isinstance(obj, Person) else getattr(obj, "person_id", None)
    PrivateDataAccess.objects.create(
        user=request.user,
        model=obj._meta.label_lower,
        object_id=obj.pk,
        person_id=person_id,
        fields=list(fields),
        path=request.path[:500],
    )


class PrivateFieldsMixin:
    """Leaves the model's `private_fields` out of forms for staff without the permission, and
    logs every time they are shown to staff who have it."""

    private_fields: tuple[str, ...] = ()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if (
            request.method == "GET"
            and response.status_code == 200
            and self.private_fields
            and can_see_private_data(request)
        ):
            obj = self.get_object(request, object_id)
            if obj is not None:
                log_private_read(request, obj, fields=self.private_fields_shown(obj))
        return response

    def private_fields_shown(self, obj) -> list[str]:
        return list(self.private_fields)

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not can_see_private_data(request):
            exclude += [field for field in self.private_fields if field not in exclude]
        return exclude

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if can_see_private_data(request):
            return fieldsets
        visible = []
        for title, options in fieldsets:
            fields = [field for field in options["fields"] if field not in self.private_fields]
            if fields:
                visible.append((title, {**options, "fields": fields}))
        return visible


class SafeSaveAdmin(admin.ModelAdmin):
    """Turns a database refusal that form validation could not foresee into a message.

    The admin saves inside one transaction, so a refused save writes nothing; the person gets
    a translated explanation instead of a server error.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            messages.error(request, _("Nothing was saved: %s") % " ".join(error.messages))
        except IntegrityError:
            messages.error(
                request,
                _(
                    "Nothing was saved: the data contradicts itself (for example overlapping "
                    "stays or two open detentions). Check the dates and try again."
                ),
            )
        return HttpResponseRedirect(request.get_full_path())


def _overlaps(start_a, end_a, start_b, end_b) -> bool:
    """Half-open [start, end) date ranges; an empty end is open."""
    return (end_b is None or start_a < end_b) and (end_a is None or start_b < end_a)


class PeriodsFormSet(BaseInlineFormSet):
    """Checks the [start_field, end_field) periods of the rows saved together.

    Database constraints check a row against rows already saved; rows saved in the same form are
    checked here, so the person sees a message rather than a refused transaction.
    """

    start_field = ""
    end_field = ""

    def periods(self) -> list[tuple]:
        periods = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            start = data.get(self.start_field, getattr(form.instance, self.start_field))
            end = data.get(self.end_field, getattr(form.instance, self.end_field))
            if start:
                periods.append((start, end))
        return periods


class NoOverlapFormSet(PeriodsFormSet):
    overlap_message = ""

    def clean(self) -> None:
        super().clean()
        seen: list[tuple] = []
        for start, end in self.periods():
            if any(_overlaps(start, end, *other) for other in seen):
                raise ValidationError(self.overlap_message)
            seen.append((start, end))


class OneOpenFormSet(PeriodsFormSet):
    too_many_open_message = ""

    def clean(self) -> None:
        super().clean()
        if sum(end is None for _start, end in self.periods()) > 1:
            raise ValidationError(self.too_many_open_message)
