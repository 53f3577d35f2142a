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
import functools
import json
from collections.abc import Iterable, Sequence

from django.conf import settings
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
from cases.status import DERIVED_FIELDS, DERIVED_SQL, derived_update_sql
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
    # How to find the approved rows of the people `%(ids)s`, in SQL over the approved tables.
    approved_rows_sql: str = ""
    # The approved table's name when a view of the working table's name stands in front of it.
    storage: str = ""

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def working_table(self) -> str:
        return self.model._meta.db_table

    @property
    def table(self) -> str:
        """The approved table the projection writes."""
        return self.storage or self.working_table


def _in_detentions(column: str) -> str:
    return f"{column} IN (SELECT id FROM {SCHEMA}.cases_detention WHERE person_id = ANY(%(ids)s))"  # noqa: S608


PROJECTED: tuple[Projected, ...] = (
    Projected(
        Person,
        "pk__in",
        structural=("id", "record_state", "national_id_hash"),
        approved_rows_sql="id = ANY(%(ids)s)",
    ),
    Projected(Detention, "person__in", approved_rows_sql="person_id = ANY(%(ids)s)"),
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
            "WHERE d.person_id = ANY(%(ids)s))"
        ),
    ),
    Projected(
        Event,
        "person__in",
        only={"is_public": True},
        structural=("id", "is_public"),
        approved_rows_sql="person_id = ANY(%(ids)s)",
    ),
    Projected(
        Source,
        "person__in",
        only={"is_confidential": False},
        structural=("id", "is_confidential"),
        approved_rows_sql="person_id = ANY(%(ids)s)",
        # Sources of no person (those of release claims, statistics' totals) are not part of
        # anyone's version: the view `approved.cases_source` shows the approved sources of
        # people and, live, the non-confidential sources of no one (SOURCES_VIEW_SQL).
        storage="cases_source_of_people",
    ),
)
PROJECTED_TABLES = tuple(projected.table for projected in PROJECTED)

# Set on the approved person row, not taken from the document: computed on the approved rows,
# or the version's own facts.
PERSON_SET_ON_APPROVAL = frozenset({*DERIVED_FIELDS, "updated_at", "version", "state_changed_at"})


def _stored_fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not field.generated]


def projected_columns(projected: Projected) -> list[str]:
    """The columns of the document's rows of this table (attnames: `detention_id`)."""
    return _projected_columns(projected.label)


@functools.cache
def _projected_columns(label: str) -> list[str]:
    projected = next(p for p in PROJECTED if p.label == label)
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
    # One statement: every part sees the rows as they were when it began, so the case rows
    # are still found through the detentions deleted beside them.
    deletes = [
        f"DELETE FROM {approved_table(projected.table)} WHERE {projected.approved_rows_sql}"  # noqa: S608
        for projected in PROJECTED
    ]
    parts = ", ".join(f"d{number} AS ({sql})" for number, sql in enumerate(deletes[1:]))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {parts} {deletes[0]}", {"ids": ids})


# The versions to write: given by id, or the latest of every published person.
VERSIONS_BY_ID_SQL = (
    "SELECT id, person_id, number, approved_at, document FROM cases_publicversion "
    "WHERE id = ANY(%(version_ids)s)"
)
LATEST_PUBLISHED_VERSIONS_SQL = (
    "SELECT DISTINCT ON (v.person_id) v.id, v.person_id, v.number, v.approved_at, v.document "  # noqa: S608
    "FROM cases_publicversion v JOIN public.registry_person p ON p.id = v.person_id "
    f"WHERE p.record_state = '{RecordState.PUBLISHED.value}' "
    "ORDER BY v.person_id, v.number DESC"
)


def _value_sql(projected: Projected, field: models.Field, alias: str = "r") -> str:
    """What an approved row holds in this column: the document's value (`r`, the document's
    rows as records of the approved table), or, in a column the document does not hold, its
    blank value as a literal of the column's type."""
    if field.attname in projected_columns(projected):
        return f"{alias}.{connection.ops.quote_name(field.column)}"
    blank = _blank(field)
    db_type = field.db_type(connection)
    if blank is None:
        return f"NULL::{db_type}"
    if isinstance(field, ArrayField):
        return f"'{{}}'::{db_type}"
    return f"{_literal(blank)}::{db_type}"


def _literal(value) -> str:
    """A blank value (a constant of this module, never input) as an SQL literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"No literal for {value!r}")


@functools.cache
def _insert_sql_of(label: str, versions_sql: str) -> str:
    return _insert_sql(next(p for p in PROJECTED if p.label == label), versions_sql)


def _insert_sql(projected: Projected, versions_sql: str) -> str:
    """Write the rows of `projected`'s table held by the versions, in one statement. A person
    row gets its derived fields from its approved episodes, written before it (cases/status.py:
    the same derivation as the working rows'; no birth data is approved, so no minor is)."""
    fields = _stored_fields(projected.model)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = approved_table(projected.table)
    label = _literal(projected.label)
    rows = f"jsonb_populate_recordset(NULL::{table}, v.document -> {label}) AS r"
    if projected.model is not Person:
        values = ", ".join(_value_sql(projected, field) for field in fields)
        return (
            f"INSERT INTO {table} ({columns}) SELECT {values} FROM ({versions_sql}) v "  # noqa: S608
            f"CROSS JOIN LATERAL {rows}"
        )
    # The row's version is its version's number; its last change, the approval.
    set_here = {
        "record_state": f"'{RecordState.PUBLISHED.value}'",
        "version": "v.number",
        "state_changed_at": "v.approved_at",
        "updated_at": "v.approved_at",
        **{column: f"derived.{column}" for column in DERIVED_FIELDS},
    }
    values = ", ".join(
        set_here.get(field.column) or _value_sql(projected, field) for field in fields
    )
    people = (
        "SELECT person_id AS id, NULL::date AS birth_date, NULL::integer AS birth_year "  # noqa: S608
        f"FROM ({versions_sql}) AS people_versions"
    )
    insert = (
        f"INSERT INTO {table} ({columns}) SELECT {values} FROM ({versions_sql}) v "  # noqa: S608
        f"CROSS JOIN LATERAL {rows} JOIN derived ON derived.person_id = v.person_id"
    )
    return DERIVED_SQL.format(people=people) + insert


def _write_versions(
    versions_sql: str, params: dict, *, today: datetime.date | None, before_people=None
) -> None:
    """Write the versions' rows into the approved tables: the case rows, then `before_people`
    (if given), then the people."""
    params = {**params, "day": today or timezone.localdate()}
    # The derivation reads the approved episodes (unqualified names: the search path).
    with reading_approved(), connection.cursor() as cursor:
        cursor.execute(_case_rows_sql(versions_sql), params)
        if before_people is not None:
            before_people(cursor)
        cursor.execute(_insert_sql_of(PROJECTED[0].label, versions_sql), params)


@functools.cache
def _case_rows_sql(versions_sql: str) -> str:
    """The case rows of the versions (every table but the people's), in one statement."""
    inserts = [_insert_sql(projected, versions_sql) for projected in PROJECTED[1:]]
    parts = ", ".join(f"i{number} AS ({sql})" for number, sql in enumerate(inserts))
    return f"WITH {parts} SELECT 1"


def materialize(
    version_ids: Sequence[int], *, today: datetime.date | None = None, replace: bool = True
) -> None:
    """Replace the approved rows of these versions' people by the versions' documents, then
    compute the derived fields on the approved rows. Call inside a transaction."""
    from cases.models import PublicVersion

    version_ids = list(version_ids)
    if not version_ids:
        return
    person_ids = list(
        PublicVersion.objects.filter(pk__in=version_ids).values_list("person_id", flat=True)
    )
    if replace:
        withdraw(person_ids)
    _write_versions(VERSIONS_BY_ID_SQL, {"version_ids": version_ids}, today=today)


# The derived fields of approved people, by the working tables' own derivation (cases/status.py)
# read from the approved tables. Calendar changes mark the row updated (partners sync on it).
APPROVED_PEOPLE_SQL = f"SELECT id, birth_date, birth_year FROM {SCHEMA}.registry_person"  # noqa: S608
APPROVED_REFRESH_SQL = DERIVED_SQL.format(  # noqa: S608 - fixed names; values are parameters
    people=f"{APPROVED_PEOPLE_SQL} WHERE id = ANY(%(person_ids)s) OR %(everyone)s"
) + derived_update_sql(
    f"{SCHEMA}.registry_person",
    "updated_at = CASE WHEN %(touch)s THEN %(now)s ELSE t.updated_at END",
)


def approved_refresh_derived(
    *,
    person_ids: Iterable[int] = (),
    everyone: bool = False,
    today: datetime.date | None = None,
    touch: bool = False,
) -> int:
    """Recompute the approved people's status, facility and dates on `today`; returns how many
    changed. `touch` marks the changed rows updated now (a change the calendar made: partners
    syncing by `updated_after` and HTTP validators see it; the approval time stays in
    `state_changed_at`)."""
    ids = list(person_ids)
    if not ids and not everyone:
        return 0
    params = {
        "person_ids": ids,
        "everyone": everyone,
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


def _index_definitions(schema: str, table: str) -> list[str]:
    """The table's indexes, as CREATE INDEX statements without the schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s "
            "ORDER BY indexname",
            [schema, table],
        )
        return [row[0].replace(f" ON {schema}.", " ON ", 1) for row in cursor.fetchall()]


def _create_table(cursor, projected: Projected) -> None:
    """The approved copy of a working table, empty and without indexes: its columns, generated
    columns included; no constraints, defaults or triggers (audit, vocabulary): the working
    tables enforce the rules, and nothing writes here but the projection."""
    for name in {projected.working_table, projected.table}:
        _drop(cursor, name)
    working = connection.ops.quote_name(projected.working_table)
    cursor.execute(
        f"CREATE TABLE {approved_table(projected.table)} (LIKE public.{working} "
        "INCLUDING GENERATED INCLUDING STATISTICS)"
    )
    if projected.model is Source:
        cursor.execute(sources_view_sql())


def _drop(cursor, name: str) -> None:
    """Drop the approved table or view of this name, if there is one."""
    cursor.execute(
        "SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s",
        [SCHEMA, name],
    )
    row = cursor.fetchone()
    if row is not None:
        kind = "VIEW" if row[0] == "v" else "TABLE"
        cursor.execute(f"DROP {kind} {approved_table(name)} CASCADE")


def sources_view_sql() -> str:
    """`approved.cases_source`: the approved sources of people, and the non-confidential
    sources of no one as they are (their private column blank, as in every approved row)."""
    projected = next(p for p in PROJECTED if p.model is Source)
    fields = list(_stored_fields(Source))
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    live = ", ".join(
        f"{_value_sql(projected, field, 's')} AS {connection.ops.quote_name(field.column)}"
        for field in fields
    )
    return (
        f"CREATE VIEW {approved_table(projected.working_table)} AS "  # noqa: S608 - fixed names
        f"SELECT {columns} FROM {approved_table(projected.table)} UNION ALL "
        f"SELECT {live} FROM public.{projected.working_table} s "
        "WHERE s.person_id IS NULL AND NOT s.is_confidential"
    )


def _create_indexes(cursor, projected: Projected) -> None:
    """The working table's indexes (the search's trigram indexes, the partial ones), by the
    same names, on the approved copy."""
    for definition in _index_definitions("public", projected.working_table):
        cursor.execute(
            definition.replace(
                f" ON {projected.working_table} ", f" ON {approved_table(projected.table)} ", 1
            )
        )


def _in_shape(projected: Projected) -> bool:
    working = projected.working_table
    return _columns(SCHEMA, projected.table) == _columns("public", working) and [
        definition.replace(f" ON {projected.table} ", f" ON {working} ", 1)
        for definition in _index_definitions(SCHEMA, projected.table)
    ] == _index_definitions("public", working)


def ensure_approved_tables() -> bool:
    """Create the approved schema and its tables where missing or shaped unlike the working
    tables (after a migration: columns or indexes); returns True when a table was (re)created,
    which leaves it empty: the caller then writes the latest versions again (`rebuild`)."""
    created = False
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {connection.ops.quote_name(SCHEMA)}")
        for projected in PROJECTED:
            if not _in_shape(projected):
                _create_table(cursor, projected)
                _create_indexes(cursor, projected)
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

EMPTY = (None, "", [])
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
        # A translated field's own column mirrors one of its languages' (modeltranslation):
        # the changes name the languages' columns.
        translated = {
            column
            for column in columns
            if any(f"{column}_{code}" in columns for code, _name in settings.LANGUAGES)
        }
        before = {row["id"]: row for row in old.get(projected.label, [])}
        after = {row["id"]: row for row in new.get(projected.label, [])}
        for row_id in sorted(after.keys() - before.keys()):
            found.append({"model": projected.label, "action": "added", "row": row_id})
        for row_id in sorted(before.keys() - after.keys()):
            found.append({"model": projected.label, "action": "removed", "row": row_id})
        for row_id in sorted(before.keys() & after.keys()):
            for column in columns:
                was, now = before[row_id].get(column), after[row_id].get(column)
                if was in EMPTY and now in EMPTY or column in translated:
                    continue
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
    """Write the latest version of every published person into new approved tables,
    set-based (rows first, then indexes and statistics, then the derived fields); returns how
    many people. One transaction: the public never sees them half-written."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {connection.ops.quote_name(SCHEMA)}")
        for projected in PROJECTED:
            _create_table(cursor, projected)

        def index(cursor, tables=PROJECTED[1:]) -> None:
            for projected in tables:
                _create_indexes(cursor, projected)
                cursor.execute(f"ANALYZE {approved_table(projected.table)}")

        # The case rows are indexed before the people are written, whose derived fields are
        # looked up in them; the people's own indexes (trigram GIN) are built after.
        _write_versions(LATEST_PUBLISHED_VERSIONS_SQL, {}, today=today, before_people=index)
        index(cursor, PROJECTED[:1])
        cursor.execute(f"SELECT count(*) FROM {approved_table('registry_person')}")  # noqa: S608
        return cursor.fetchone()[0]


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
