"""Private data shown to staff: who may see it, and a log of every time it is shown."""

from lib.privacy import Tier, fields_of
from registry.models import Person, PrivateDataAccess

PRIVATE_DATA_PERMISSION = "registry.view_private_data"


def can_see_private_data(request) -> bool:
    return request.user.has_perm(PRIVATE_DATA_PERMISSION)


def log_private_read(request, obj, *, fields) -> None:
    """Staff were shown private fields of `obj`: keep who, what, when and where (append-only)."""
    person_id = obj.pk if isinstance(obj, Person) else getattr(obj, "person_id", None)
    PrivateDataAccess.objects.create(
        user=request.user,
        model=obj._meta.label_lower,
        object_id=obj.pk,
        person_id=person_id,
        fields=list(fields),
        path=request.path[:500],
    )


def private_form_fields(model) -> list[str]:
    """The model's private fields (lib/privacy.py) that a form can show."""
    editable = {field.name for field in model._meta.concrete_fields if field.editable}
    return [name for name in fields_of(model, Tier.PRIVATE) if name in editable]


class PrivateFieldsMixin:
    """Leaves the model's private fields out of forms for staff without the permission, and
    logs every time they are shown to staff who have it."""

    @property
    def private_fields(self) -> list[str]:
        return private_form_fields(self.model)

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
