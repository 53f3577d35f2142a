"""A record's history, from the audit trail (lib/audit.py): what the history page shows, and
which changes a verification reviews, hence who may not approve them (cases/rules.py)."""

import dataclasses
import datetime
import uuid

from django.db import connection
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from cases.models import (
    CustodyStay,
    Detention,
    DetentionCharge,
    Event,
    Release,
    ReleaseClaim,
    ReleaseCondition,
    Source,
)
from lib.privacy import Tier, field_tier
from registry.models import Person

ACTIONS = {"insert": _("created"), "update": _("changed"), "delete": _("deleted")}
NOT_SHOWN = frozenset({"id", "updated_at", "version", "search_name", "search_vector"})

# A person's record and its case data: what a verification checks.
RECORD_MODELS = (
    Person,
    Detention,
    CustodyStay,
    DetentionCharge,
    Release,
    ReleaseCondition,
    Event,
    Source,
)
# Kept by the services (cases.services.person_refresh_status, the admin's bookkeeping), never
# typed: a change to these alone is nobody's edit. The change that caused it is recorded too.
DERIVED_FIELDS = {
    Person: frozenset(
        {
            "slug",
            "national_id_hash",
            "current_status",
            "current_facility",
            "detained_since",
            "detained_since_precision",
            "minor_at_detention",
            "state_changed_at",
            "created_by",
            "last_edited_by",
        }
    )
}
# The context of a verification carries, under this key, the newest audit row of each table of
# RECORD_MODELS at that moment: the changes under review are the rows written after them.
REVIEW_MARKS = "review_marks"


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
    model: type[Model]
    model_label: str
    object_id: int
    event: str  # insert / update / delete
    action: str  # the event in words
    user_id: int | None
    reason: str
    # The workflow step or fact verification that wrote the row (submit, verify,
    # verify_release…; lib.audit.audit_reason), or "" for an edit.
    transition: str
    changes: list[Change]
    audit_id: int  # the row's place in its audit table
    context_id: uuid.UUID | None

    @property
    def is_edit(self) -> bool:
        """A change someone made to the data: not a workflow step or a verification, not the
        services' bookkeeping, not the system's (the calendar's status refresh)."""
        if self.transition or self.user_id is None:
            return False
        if self.event != "update":
            return True
        derived = DERIVED_FIELDS.get(self.model, frozenset())
        return any(change.field not in derived for change in self.changes)


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
                model=model,
                model_label=str(model._meta.verbose_name),
                object_id=row.pgh_obj_id,
                event=row.pgh_label,
                action=str(ACTIONS.get(row.pgh_label, row.pgh_label)),
                user_id=metadata.get("user"),
                reason=metadata.get("reason", ""),
                transition=metadata.get("transition", ""),
                changes=changes,
                audit_id=row.pgh_id,
                context_id=row.pgh_context_id,
            )
        )
    return entries


def _rows(model: type[Model], **scope):
    return (
        _audit_model(model).objects.filter(**scope).select_related("pgh_context").order_by("pgh_id")
    )


def person_history(person: Person) -> list[HistoryEntry]:
    """Every audited change of the record and of its case data, oldest first."""
    audit = {model: _audit_model(model) for model in RECORD_MODELS}
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
        entries += _entries(model, _rows(model, **scope))
    return sorted(entries, key=lambda entry: (entry.at, entry.audit_id))


def review_marks() -> dict[str, int]:
    """The newest audit row of each table of a record's data, now. A verification stores them
    in its audit context (REVIEW_MARKS), and the changes it will have reviewed are those up to
    them: in each table's own order, which holds even inside one transaction, where every row
    carries the same time (PostgreSQL's NOW())."""
    tables = {model._meta.label: _audit_model(model)._meta.db_table for model in RECORD_MODELS}
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT %s, COALESCE(MAX(pgh_id), 0) FROM {quote(table)}"  # noqa: S608 - model tables
        for table in tables.values()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(tables))
        return dict(cursor.fetchall())


def changes_under_review(person: Person) -> list[HistoryEntry]:
    """What changed after the record's last verification (everything, if it never was)."""
    entries = person_history(person)
    last_review = (
        _audit_model(Person)
        .objects.filter(pgh_obj_id=person.pk, pgh_context__metadata__has_key=REVIEW_MARKS)
        .select_related("pgh_context")
        .order_by("-pgh_id")
        .first()
    )
    if last_review is not None:
        marks = last_review.pgh_context.metadata[REVIEW_MARKS]
        return [
            entry
            for entry in entries
            if entry.audit_id > marks.get(entry.model._meta.label, 0)
            and entry.context_id != last_review.pgh_context_id
        ]
    if person.last_verified_at is not None:  # verified before verifications were marked
        return [entry for entry in entries if entry.at > person.last_verified_at]
    return entries


def editors_under_review(person: Person) -> set[int]:
    """The users who made any of the changes under review: none of them may approve them.

    Workflow steps and fact verifications (a verifier verifying a release) are not edits, so
    verifying a fact does not bar the verifier from verifying the record."""
    return {entry.user_id for entry in changes_under_review(person) if entry.is_edit}


def release_authors(release: Release) -> set[int]:
    """Whoever created or changed the release or its conditions, at any time: none of them may
    verify it, or withdraw its verification."""
    entries = _entries(Release, _rows(Release, pgh_obj_id=release.pk)) + _entries(
        ReleaseCondition, _rows(ReleaseCondition, release_id=release.pk)
    )
    return {entry.user_id for entry in entries if entry.is_edit}


def claim_authors(claim: ReleaseClaim) -> set[int]:
    """Whoever recorded or changed the release claim, at any time: none of them may verify it."""
    return {
        entry.user_id
        for entry in _entries(ReleaseClaim, _rows(ReleaseClaim, pgh_obj_id=claim.pk))
        if entry.is_edit
    }
