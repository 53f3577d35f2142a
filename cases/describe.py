"""What changed between two versions of a person's public data, in words (labels, not codes).

The public version history and the staff's review of pending changes show the changes found by
`cases.projection.changes` through `describe`: one sentence each, translated when rendered.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Charge
from facilities.models import Facility
from lib.vocabulary import PersonStatus

ADDED = {
    "cases.detention": gettext_lazy("New detention recorded"),
    "cases.custodystay": gettext_lazy("New place of custody recorded"),
    "cases.detentioncharge": gettext_lazy("New charge recorded"),
    "cases.release": gettext_lazy("Release recorded"),
    "cases.releasecondition": gettext_lazy("New release condition"),
    "cases.event": gettext_lazy("New event in the timeline"),
    "cases.source": gettext_lazy("New source"),
}
REMOVED = {
    "cases.detention": gettext_lazy("A detention was removed"),
    "cases.custodystay": gettext_lazy("A place of custody was removed"),
    "cases.detentioncharge": gettext_lazy("A charge was removed"),
    "cases.release": gettext_lazy("A release was removed"),
    "cases.releasecondition": gettext_lazy("A release condition was removed"),
    "cases.event": gettext_lazy("An event was removed from the timeline"),
    "cases.source": gettext_lazy("A source was removed"),
}
# Free text: the public history says that it changed; the staff review shows both texts.
LONG_TEXT_LENGTH = 80


def _field(change: dict):
    model = apps.get_model(change["model"])
    for field in model._meta.concrete_fields:
        if field.attname == change["field"]:
            return field
    return None


def value_in_words(field, value) -> str:
    """A stored value as a person reads it: a label, a name, a date; "—" when empty."""
    if value in (None, "", []):
        return "—"
    if getattr(field, "related_model", None) is Facility:
        facility = Facility.objects.filter(pk=value).only("name").first()
        return facility.name if facility else "—"
    if field is not None and getattr(field, "related_model", None) is Charge:
        charge = Charge.objects.filter(pk=value).first()
        return str(charge) if charge else "—"
    choices = dict(getattr(getattr(field, "base_field", None), "flatchoices", None) or ())
    if isinstance(value, list):
        return ", ".join(str(choices.get(item, item)) for item in value)
    if field is not None and field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str) and field is not None and field.get_internal_type() == "DateField":
        return date_format(datetime.date.fromisoformat(value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def describe(change: dict, *, full: bool = False) -> str:
    """One sentence for one change. `full` (the staff review) shows long texts too."""
    if change["action"] == "added":
        return str(ADDED.get(change["model"], _("New entry")))
    if change["action"] == "removed":
        return str(REMOVED.get(change["model"], _("An entry was removed")))
    name = change["field"]
    before, after = change.get("before"), change.get("after")
    if name == "current_status":
        labels = dict(PersonStatus.choices)
        return _("Status changed from “%(before)s” to “%(after)s”.") % {
            "before": labels.get(before, before or "—"),
            "after": labels.get(after, after or "—"),
        }
    if name == "current_facility_id":
        field = _field(change)
        return _("Place of custody changed from %(before)s to %(after)s.") % {
            "before": value_in_words(field, before),
            "after": value_in_words(field, after),
        }
    if change["model"] == "cases.release" and name == "verified":
        return _("The release was verified.") if after else _("The release is no longer verified.")
    field = _field(change)
    label = _capitalised(str(field.verbose_name) if field is not None else name)
    if change["model"] != "registry.person":
        # Which part of the case: "Detención · Fecha de finalización".
        label = f"{_capitalised(str(apps.get_model(change['model'])._meta.verbose_name))} · {label}"
    long_text = any(
        isinstance(value, str) and len(value) > LONG_TEXT_LENGTH for value in (before, after)
    )
    if long_text and not full:
        return _("%(field)s changed.") % {"field": label}
    return _("%(field)s: %(before)s → %(after)s") % {
        "field": label,
        "before": value_in_words(field, before),
        "after": value_in_words(field, after),
    }
