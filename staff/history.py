"""Readable history of a person's record, from the audit trail (lib/audit.py)."""

import dataclasses
import datetime

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from cases.models import (
    CustodyStay,
    Detention,
    DetentionCharge,
    Event,
    Release,
    ReleaseCondition,
    Source,
)
from lib.privacy import Tier, field_tier
from registry.models import Person

ACTIONS = {"insert": _("created"), "update": _("changed"), "delete": _("deleted")}
NOT_SHOWN = frozenset({"id", "updated_at", "version", "search_name", "search_vector"})


@dataclasses.dataclass
class Change:
    field: str
    label: str
    before: object
    after: object
    private: bool


@dataclasses.dataclass
class HistoryEntry:
    at: datetime.datetime
    model_label: str
    object_id: int
    action: str  # insert / update / delete
    user_id: int | None
    reason: str
    changes: list[Change]


def _audit_model(model: type[Model]):
    return model.audit_rows.field.model  # the generated <Model>Audit


def _tracked_fields(model: type[Model]) -> list:
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in NOT_SHOWN and not getattr(field, "generated", False)
    ]


def _entries(model: type[Model], rows) -> list[HistoryEntry]:
    entries = []
    fields = _tracked_fields(model)
    # Values of private fields (lib/privacy.py) are shown only to staff allowed to see them.
    private = {field.name for field in fields if field_tier(model, field.name) is Tier.PRIVATE}
    previous_by_object: dict[int, Model] = {}
    for row in rows:
        previous = previous_by_object.get(row.pgh_obj_id)
        changes = []
        for field in fields:
            after = getattr(row, field.attname, None)
            before = getattr(previous, field.attname, None) if previous else None
            if row.pgh_label == "delete" or (previous is not None and before == after):
                continue
            if previous is None and after in (None, "", [], False):
                continue
            changes.append(
                Change(
                    field=field.name,
                    label=str(field.verbose_name),
                    before=before,
                    after=after,
                    private=field.name in private,
                )
            )
        previous_by_object[row.pgh_obj_id] = row
        if row.pgh_label == "update" and not changes:
            continue
        metadata = row.pgh_context.metadata if row.pgh_context_id else {}
        entries.append(
            HistoryEntry(
                at=row.pgh_created_at,
                model_label=str(model._meta.verbose_name),
                object_id=row.pgh_obj_id,
                action=str(ACTIONS.get(row.pgh_label, row.pgh_label)),
                user_id=metadata.get("user"),
                reason=metadata.get("reason", ""),
                changes=changes,
            )
        )
    return entries


def person_history(person: Person, *, since: datetime.datetime | None = None) -> list:
    """Every audited change of the record and of its case data, oldest first."""
    audit = {
        model: _audit_model(model)
        for model in (
            Person,
            Detention,
            CustodyStay,
            DetentionCharge,
            Release,
            ReleaseCondition,
            Event,
            Source,
        )
    }
    detention_ids = set(
        audit[Detention].objects.filter(person_id=person.pk).values_list("pgh_obj_id", flat=True)
    )
    release_ids = set(
        audit[Release]
        .objects.filter(detention_id__in=detention_ids)
        .values_list("pgh_obj_id", flat=True)
    )
    scopes = {
        Person: {"pgh_obj_id": person.pk},
        Detention: {"pgh_obj_id__in": detention_ids},
        CustodyStay: {"detention_id__in": detention_ids},
        DetentionCharge: {"detention_id__in": detention_ids},
        Release: {"pgh_obj_id__in": release_ids},
        ReleaseCondition: {"release_id__in": release_ids},
        Event: {"person_id": person.pk},
        Source: {"person_id": person.pk},
    }
    entries = []
    for model, scope in scopes.items():
        rows = audit[model].objects.filter(**scope).select_related("pgh_context")
        entries += _entries(model, rows.order_by("pgh_id"))
    if since is not None:
        entries = [entry for entry in entries if entry.at > since]
    return sorted(entries, key=lambda entry: entry.at)


def changed_since_verification(person: Person) -> list:
    """What changed after the record was last verified (everything, if it never was)."""
    return person_history(person, since=person.last_verified_at)
