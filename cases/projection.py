"""The approved projection of a person's case (docs/publication.md).

`document(person)` reads from the working tables what the public may see of a person: the
public and partner fields (lib/privacy.py) of the person, their detentions, custody stays,
charges, releases and conditions, public events and public sources, plus the few structural
columns the public queries filter on (ids, the publication state, whether a release is
verified). Nothing private but the keyed hash of the national id number, kept so that a family
can still find a person by cédula (it reveals nothing without the key).

An approval stores that document as an immutable `PublicVersion` and `materialize` writes it
into the `approved` schema (lib/approved.py), whose tables every public surface reads. The
derived fields (status, current facility, detained since) are not in the document: they are
computed on the approved rows by the same SQL as on the working tables (cases/status.py), at
approval and when the calendar moves them.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Iterable, Sequence

from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from cases.models import (
    CustodyStay,
    Detention,
    DetentionCharge,
    Event,
    Release,
    ReleaseCondition,
    Source,
)
from cases.status import DERIVED_FIELDS, DERIVED_SQL
from lib.approved import SCHEMA, approved_table, reading_approved
from lib.privacy import Tier, field_tier
from registry.models import Person, RecordState


@dataclasses.dataclass(frozen=True)
class Projected:
    """One projected table: which of a person's rows, and which columns beyond the open ones."""

    model: type[models.Model]
    # The rows of the people `%(ids)s` among the working rows, as a filter of `model.objects`.
    person_filter: str
    only: dict = dataclasses.field(default_factory=dict)
    # Staff-tier columns the public queries need (not shown, only filtered or joined on).
    structural: tuple[str, ...] = ("id",)
    # How to find the approved rows of the people `%s`, in SQL over the approved tables.
    approved_rows_sql: str = ""

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def table(self) -> str:
        return self.model._meta.db_table


def _in_detentions(column: str) -> str:
    return f"{column} IN (SELECT id FROM {SCHEMA}.cases_detention WHERE person_id = ANY(%s))"  # noqa: S608


PROJECTED: tuple[Projected, ...] = (
    Projected(
        Person,
        "pk__in",
        structural=("id", "record_state", "national_id_hash"),
        approved_rows_sql="id = ANY(%s)",
    ),
    Projected(Detention, "person__in", approved_rows_sql="person_id = ANY(%s)"),
    Projected(
        CustodyStay, "detention__person__in", approved_rows_sql=_in_detentions("detention_id")
    ),
    Projected(
        DetentionCharge, "detention__person__in", approved_rows_sql=_in_detentions("detention_id")
    ),
    Projected(
        Release,
        "detention__person__in",
        structural=("id", "verified"),
        approved_rows_sql=_in_detentions("detention_id"),
    ),
    Projected(
        ReleaseCondition,
        "release__detention__person__in",
        approved_rows_sql=(
            f"release_id IN (SELECT r.id FROM {SCHEMA}.cases_release r "  # noqa: S608
            f"JOIN {SCHEMA}.cases_detention d ON d.id = r.detention_id "
            "WHERE d.person_id = ANY(%s))"
        ),
    ),
    Projected(
        Event,
        "person__in",
        only={"is_public": True},
        structural=("id", "is_public"),
        approved_rows_sql="person_id = ANY(%s)",
    ),
    Projected(
        Source,
        "person__in",
        only={"is_confidential": False},
        structural=("id", "is_confidential"),
        approved_rows_sql="person_id = ANY(%s)",
    ),
)
PROJECTED_TABLES = tuple(projected.table for projected in PROJECTED)

# Set on the approved person row, not taken from the document: computed on the approved rows,
# or the version's own facts.
PERSON_SET_ON_APPROVAL = frozenset({*DERIVED_FIELDS, "updated_at", "version"})


def _stored_fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not field.generated]


def projected_columns(projected: Projected) -> list[str]:
    """The columns of the document's rows of this table (attnames: `detention_id`)."""
    columns = []
    for field in _stored_fields(projected.model):
        if projected.model is Person and field.attname in PERSON_SET_ON_APPROVAL:
            continue
        open_field = field_tier(projected.model, field.name).shown_to(Tier.PARTNER)
        if open_field or field.name in projected.structural:
            columns.append(field.attname)
    return columns


def _blank(field: models.Field):
    """What an approved row holds in a column that is not projected."""
    if field.null:
        return None
    if field.has_default():
        return _json_value(field.get_default())
    if isinstance(field, ArrayField):
        return []
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.CharField | models.TextField):
        return ""
    return 0


def _json_value(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _rows_of(projected: Projected, person_ids: Sequence[int]) -> list[dict]:
    columns = projected_columns(projected)
    queryset = projected.model._base_manager.filter(
        **{projected.person_filter: person_ids}, **projected.only
    )
    return list(queryset.order_by("pk").values(*columns))


def documents(person_ids: Sequence[int]) -> dict[int, dict]:
    """{person id: document} of these people's working data: what approving them would make
    public. The document is plain JSON: {model label: [row, …]}, rows ordered by id."""
    person_ids = list(person_ids)
    docs: dict[int, dict] = {pk: {p.label: [] for p in PROJECTED} for pk in person_ids}
    owner_of_detention: dict[int, int] = {}
    owner_of_release: dict[int, int] = {}
    for projected in PROJECTED:
        for row in _json_value(_rows_of(projected, person_ids)):
            if projected.model is Person:
                owner = row["id"]
            elif "person_id" in row:
                owner = row["person_id"]
            elif "detention_id" in row:
                owner = owner_of_detention[row["detention_id"]]
            else:
                owner = owner_of_release[row["release_id"]]
            if projected.model is Detention:
                owner_of_detention[row["id"]] = owner
            if projected.model is Release:
                owner_of_release[row["id"]] = owner
            docs[owner][projected.label].append(row)
    return docs


def document(person: Person) -> dict:
    return documents([person.pk])[person.pk]


# ---------------------------------------------------------------------------------------------
# Writing the approved tables.


def withdraw(person_ids: Iterable[int]) -> None:
    """Delete these people's approved rows: they leave every public surface at once."""
    ids = list(person_ids)
    if not ids:
        return
    with connection.cursor() as cursor:
        # Children first: their rows are found through the detentions.
        for projected in reversed(PROJECTED):
            cursor.execute(
                f"DELETE FROM {approved_table(projected.table)} "  # noqa: S608 - fixed names
                f"WHERE {projected.approved_rows_sql}",
                [ids],
            )


@dataclasses.dataclass(frozen=True)
class Approved:
    """A version to write into the approved tables."""

    person_id: int
    number: int
    approved_at: datetime.datetime
    document: dict


def materialize(
    versions: Sequence[Approved], *, today: datetime.date | None = None, replace: bool = True
) -> None:
    """Replace these people's approved rows by their versions' documents, then compute the
    derived fields on the approved rows. Call inside a transaction."""
    if not versions:
        return
    ids = [version.person_id for version in versions]
    if replace:
        withdraw(ids)
    with connection.cursor() as cursor:
        for projected in PROJECTED:
            fields = _stored_fields(projected.model)
            blanks = {field.attname: _blank(field) for field in fields}
            rows = []
            for version in versions:
                for row in version.document.get(projected.label, []):
                    complete = {**blanks, **row}
                    if projected.model is Person:
                        complete["record_state"] = RecordState.PUBLISHED.value
                        complete["version"] = version.number
                        complete["updated_at"] = _json_value(version.approved_at)
                    rows.append(complete)
            if not rows:
                continue
            columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
            table = approved_table(projected.table)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608 - fixed names
                f"FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb)",
                [json.dumps(rows)],
            )
    approved_refresh_derived(person_ids=ids, today=today, touch=False)


# The derived fields of approved people, by the working tables' own derivation (cases/status.py)
# read from the approved tables. Calendar changes mark the row updated (partners sync on it).
APPROVED_REFRESH_SQL = DERIVED_SQL.format(  # noqa: S608 - fixed names; values are parameters
    people=(
        f"SELECT id, birth_date, birth_year FROM {SCHEMA}.registry_person "  # noqa: S608
        "WHERE id = ANY(%(person_ids)s)"
    )
) + (
    f"""
UPDATE {SCHEMA}.registry_person AS t
SET current_status = derived.current_status,
    current_facility_id = derived.current_facility_id,
    detained_since = derived.detained_since,
    detained_since_precision = derived.detained_since_precision,
    minor_at_detention = derived.minor_at_detention,
    updated_at = CASE WHEN %(touch)s THEN %(now)s ELSE t.updated_at END
FROM derived
WHERE t.id = derived.person_id
    AND (t.current_status, t.current_facility_id, t.detained_since, t.detained_since_precision,
        t.minor_at_detention)
    IS DISTINCT FROM (derived.current_status, derived.current_facility_id,
        derived.detained_since, derived.detained_since_precision, derived.minor_at_detention)
"""  # noqa: S608 - fixed names; values are parameters
)


def approved_refresh_derived(
    *, person_ids: Iterable[int], today: datetime.date | None = None, touch: bool = False
) -> int:
    """Recompute the approved people's status, facility and dates on `today`; returns how many
    changed. The row's `updated_at` stays the approval time of its version (the API's
    `approved_at`) unless `touch`."""
    ids = list(person_ids)
    if not ids:
        return 0
    params = {
        "person_ids": ids,
        "day": today or timezone.localdate(),
        "now": timezone.now(),
        "touch": touch,
    }
    with reading_approved(), connection.cursor() as cursor:
        cursor.execute(APPROVED_REFRESH_SQL, params)
        return cursor.rowcount


# ---------------------------------------------------------------------------------------------
# The approved schema's tables: copies of the working tables' shape, kept in step by
# `ensure_approved_tables` after every migration (cases/apps.py).


def _columns(schema: str, table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, is_nullable, is_generated FROM "
            "information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "ORDER BY ordinal_position",
            [schema, table],
        )
        return cursor.fetchall()


def ensure_approved_tables() -> bool:
    """Create the approved schema and its tables where missing or shaped unlike the working
    tables (after a migration); returns True when a table was (re)created, which leaves it
    empty: the caller then writes the latest versions again (`rebuild`)."""
    created = False
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {connection.ops.quote_name(SCHEMA)}")
        for table in PROJECTED_TABLES:
            if _columns(SCHEMA, table) == _columns("public", table):
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"DROP TABLE IF EXISTS {approved_table(table)}")
            # Indexes (the search's trigram indexes, the partial ones) and generated columns
            # come along; constraints, defaults and triggers (audit, vocabulary) do not: the
            # working tables enforce the rules, and nothing writes here but `materialize`.
            cursor.execute(
                f"CREATE TABLE {approved_table(table)} (LIKE public.{quoted} "
                "INCLUDING GENERATED INCLUDING INDEXES INCLUDING STATISTICS)"
            )
            created = True
    return created


def approved_status(person_id: int) -> dict | None:
    """The approved person's derived status and current facility (None when not approved)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT current_status, current_facility_id FROM {approved_table('registry_person')} "  # noqa: S608
            "WHERE id = %s",
            [person_id],
        )
        row = cursor.fetchone()
    return None if row is None else {"current_status": row[0], "current_facility_id": row[1]}


# ---------------------------------------------------------------------------------------------
# What changed between two versions, in public fields only: the public version history shows
# these in words (public/versions.py). Partner and structural columns are left out, but for a
# release's verification, which the public profile shows.

CHANGES_LEAVE_OUT = frozenset({"id", "last_verified_at", "person_id", "detention_id", "release_id"})


def _public_columns(projected: Projected) -> list[str]:
    columns = []
    for field in _stored_fields(projected.model):
        if field.attname in CHANGES_LEAVE_OUT:
            continue
        if field_tier(projected.model, field.name) is Tier.PUBLIC or (
            projected.model is Release and field.name == "verified"
        ):
            columns.append(field.attname)
    return columns


def changes(
    old: dict | None,
    new: dict,
    *,
    status_before: dict | None = None,
    status_after: dict | None = None,
) -> list[dict]:
    """[{model, action (added / removed / changed), row, field, before, after}] from `old` to
    `new` (documents); the first version has none. Status and facility changes come from the
    approved rows before and after (they are derived, not in the documents)."""
    if old is None:
        return []
    found = []
    if status_before and status_after:
        for field in ("current_status", "current_facility_id"):
            if status_before[field] != status_after[field]:
                found.append(
                    {
                        "model": Person._meta.label_lower,
                        "action": "changed",
                        "row": None,
                        "field": field,
                        "before": status_before[field],
                        "after": status_after[field],
                    }
                )
    for projected in PROJECTED:
        columns = _public_columns(projected)
        before = {row["id"]: row for row in old.get(projected.label, [])}
        after = {row["id"]: row for row in new.get(projected.label, [])}
        for row_id in sorted(after.keys() - before.keys()):
            found.append({"model": projected.label, "action": "added", "row": row_id})
        for row_id in sorted(before.keys() - after.keys()):
            found.append({"model": projected.label, "action": "removed", "row": row_id})
        for row_id in sorted(before.keys() & after.keys()):
            for column in columns:
                was, now = before[row_id].get(column), after[row_id].get(column)
                if was != now:
                    found.append(
                        {
                            "model": projected.label,
                            "action": "changed",
                            "row": row_id,
                            "field": column,
                            "before": was,
                            "after": now,
                        }
                    )
    return found


# ---------------------------------------------------------------------------------------------
# Writing every approved person again, from their latest versions: after a migration changed
# the shape of a projected table, and by `manage.py rebuild_projection`.

BATCH = 2000


def latest_versions_of_published() -> models.QuerySet:
    from cases.models import PublicVersion

    return (
        PublicVersion.objects.filter(person__record_state=RecordState.PUBLISHED)
        .order_by("person_id", "-number")
        .distinct("person_id")
    )


def rebuild(*, today: datetime.date | None = None) -> int:
    """Empty the approved tables and write the latest version of every published person into
    them; returns how many people. One transaction: the public never sees them half-written."""
    from django.db import transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE " + ", ".join(approved_table(table) for table in PROJECTED_TABLES)
            )
        count = 0
        batch: list[Approved] = []
        rows = latest_versions_of_published().values_list(
            "person_id", "number", "approved_at", "document"
        )
        for person_id, number, approved_at, doc in rows.iterator(chunk_size=BATCH):
            batch.append(Approved(person_id, number, approved_at, doc))
            if len(batch) == BATCH:
                materialize(batch, today=today, replace=False)
                count += len(batch)
                batch = []
        materialize(batch, today=today, replace=False)
        return count + len(batch)


def in_step() -> bool:
    """Whether the approved tables hold as many people as there are published people with a
    version (after a flush of the database, say, they would not)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {approved_table('registry_person')}")  # noqa: S608
        approved = cursor.fetchone()[0]
    return approved == latest_versions_of_published().count()


def keep_in_step(**kwargs) -> None:
    """After `migrate` (and a test database's flush): the approved tables exist, are shaped
    like the working tables, and hold the latest versions."""
    if ensure_approved_tables() or not in_step():
        rebuild()


def fingerprint(doc: dict) -> str:
    """A short digest of a document: a reviewer's form carries it, so that approving what
    changed after the review page was shown is refused."""
    import hashlib

    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
