"""Admin plumbing shared by the apps: saves that explain a refusal, formsets of periods."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _


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
