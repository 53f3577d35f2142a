"""Optimistic locking (DESIGN §8: no silent lost updates) for records edited in forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def fields_changed_since(instance, version: int) -> list[str]:
    """Labels of the fields whose value differs from the record as it was at `version`."""
    snapshot = instance.audit_rows.filter(version=version).order_by("-pgh_id").first()
    current = type(instance).objects.get(pk=instance.pk)
    if snapshot is None:
        return []
    changed = []
    for field in type(instance)._meta.concrete_fields:
        if field.name in {"version", "updated_at", "search_name", "search_vector", "id"}:
            continue
        if getattr(snapshot, field.attname, None) != getattr(current, field.attname, None):
            changed.append(str(field.verbose_name))
    return changed


class OptimisticLockForm(forms.ModelForm):
    """Carries the version the editor started from; refuses the save if it moved since."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        expected = cleaned.get("expected_version")
        # Locked until the admin's transaction ends, so two saves cannot both pass this check.
        current = (
            type(self.instance)
            .objects.select_for_update()
            .values_list("version", flat=True)
            .get(pk=self.instance.pk)
        )
        if expected is None or expected != current:
            changed = fields_changed_since(self.instance, expected) if expected else []
            message = _(
                "Someone else saved this record while you were editing it, so your changes "
                "were not saved. Reload the page to see the record as it is now, then make "
                "your changes again."
            )
            if changed:
                message += " " + _("Fields they changed: %(fields)s.") % {
                    "fields": ", ".join(changed)
                }
            raise ValidationError(message, code="stale")
        return cleaned
