"""A person's status, derived from their detention episodes (DESIGN §2): the rules, once.

The same rules in two languages, checked against each other on random histories
(tests/cases/test_status_sql.py):

* `derive_status(detentions, today=D)`, Python, over one person's episodes (loaded with their
  stays and their release's conditions): `cases.services.person_refresh_status` keeps a
  person's derived fields with it, in the transaction of every change made through services.
* `STATUS_ON_DAY_SQL`, set-based SQL: the status (and place, and detained-since date) on a day
  of every person of a relation; `CUSTODY_ON_DAY_SQL`, its first part, only the people in
  custody. The statistics (stats.queries) count with them, over the published people.
* `DERIVED_SQL`, the same with minor at detention: every field `person_refresh_status` sets,
  for many people at once, in the transaction of a bulk write, once their episodes are in:
  `people_refresh_status(person_ids=…)` updates people already in registry_person (one
  UPDATE); for new people, whose episodes a bulk writer writes first, so that each person is
  then written, and audited, once with its final values, `new_people_derived_fields(…)` gives
  the values (the import's COPY path) and `people_insert_staged()` inserts people copied into
  a staging table (`people_staging_create`; the synthetic-data generator).

The rules, at the end of day D, from the episodes as recorded now (a date known only to the
month or the year is stored as the first day of that period, so it counts from that day):

1. Only episodes begun by D count (arrested on or before D); without one there is no status.
2. A person is in custody if one of those episodes covers D: it has not ended, or ended after D
   (a release on D ends custody on D). The latest such episode (by arrest date, then id)
   decides. Its custody stay in force is the latest begun by D (by start date, then id; a
   transfer on D moves the person on D): with no facility, **whereabouts unknown**; otherwise
   **detained**, at that facility, or at a place not recorded when no stay has begun yet.
   Detained since that episode's arrest date, with its precision.
3. Otherwise the latest episode begun by D (by arrest date, then id) decides: **deceased in
   custody** if it ended by death; **house arrest** while a house-arrest condition of its
   *verified* release is in force on D (starts on or before D, ends on or after D or never);
   **released under conditions** while any other condition of it is; **released** otherwise.
   An unverified release is a claim and changes nothing.

Minor at detention is not a status of the day but is derived with it: the age at the earliest
arrest recorded is under 18, from the birth date or, with only the birth year, the youngest
age the person could have had (`registry.models.age_on`).

The set-based forms take the episodes as they are: they expect them to agree with their
releases, as the services keep them (an episode closed by a verified release ends on its
date; one with an unverified release is open). `person_refresh_status` also brings them in
line first, and refuses to make a published record a minor, which the bulk forms leave to the
database's publication constraint.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

from cases.models import ConditionKind, Detention, EndReason
from facilities.models import Facility
from lib.vocabulary import DatePrecision, PersonStatus
from registry.models import Person


@dataclasses.dataclass(frozen=True)
class DerivedStatus:
    status: str
    facility: Facility | None
    detained_since: datetime.date | None
    detained_since_precision: str


NO_STATUS = DerivedStatus("", None, None, DatePrecision.DAY)


def derive_status(detentions: Iterable[Detention], *, today: datetime.date) -> DerivedStatus:
    """The status at the end of the day `today` of a person with these episodes (rules 1-3
    of the module's docstring); `STATUS_ON_DAY_SQL` is its set-based twin."""
    begun = [d for d in detentions if d.arrested_on <= today]
    if not begun:
        return NO_STATUS

    covering = [d for d in begun if d.ended_on is None or d.ended_on > today]
    if covering:
        episode = max(covering, key=lambda d: (d.arrested_on, d.id or 0))
        stays = [s for s in episode.stays.all() if s.started_on <= today]
        stay = max(stays, key=lambda s: (s.started_on, s.id or 0), default=None)
        since = (episode.arrested_on, episode.arrested_on_precision)
        if stay is not None and stay.facility_id is None:
            return DerivedStatus(PersonStatus.WHEREABOUTS_UNKNOWN, None, *since)
        facility = stay.facility if stay is not None else None
        return DerivedStatus(PersonStatus.DETAINED, facility, *since)

    latest = max(begun, key=lambda d: (d.arrested_on, d.id or 0))
    if latest.end_reason == EndReason.DIED_IN_CUSTODY:
        return DerivedStatus(PersonStatus.DECEASED_IN_CUSTODY, None, None, DatePrecision.DAY)
    release = latest.verified_release
    conditions = [c for c in release.conditions.all() if c.is_active_on(today)] if release else []
    if any(c.kind == ConditionKind.HOUSE_ARREST for c in conditions):
        return DerivedStatus(PersonStatus.HOUSE_ARREST, None, None, DatePrecision.DAY)
    if conditions:
        return DerivedStatus(PersonStatus.RELEASED_CONDITIONAL, None, None, DatePrecision.DAY)
    return DerivedStatus(PersonStatus.RELEASED, None, None, DatePrecision.DAY)


# ---------------------------------------------------------------------------------------------
# The same rules, set-based, for the people of a relation: `{people}` is a SELECT with an `id`
# column (the person's) and any others the caller wants carried along with the people in custody
# (the statistics: sex, categories and nationalities, for their breakdowns). It is inlined
# where it is used (NOT MATERIALIZED), so a filter on registry_person plans as a plain join.
# `%(day)s` is the day. Codes come from the enumerations, so the SQL cannot spell one otherwise.


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


WHEREABOUTS_UNKNOWN = _quoted(PersonStatus.WHEREABOUTS_UNKNOWN)
DETAINED = _quoted(PersonStatus.DETAINED)
DECEASED_IN_CUSTODY = _quoted(PersonStatus.DECEASED_IN_CUSTODY)
HOUSE_ARREST = _quoted(PersonStatus.HOUSE_ARREST)
RELEASED_CONDITIONAL = _quoted(PersonStatus.RELEASED_CONDITIONAL)
RELEASED = _quoted(PersonStatus.RELEASED)

# Rule 2: the people in custody at the end of the day (`custody`: the people's columns, the
# episode, the place and the status). An episode covers the day (the GiST index on
# daterange(arrested_on, ended_on) of stats' migration 0001 finds them); the latest such
# episode gives the place: the stay in force, the latest begun by the day.
CUSTODY_ON_DAY_SQL = f"""
WITH people AS NOT MATERIALIZED (
    {{people}}
),
covering AS (
    SELECT DISTINCT ON (d.person_id)
        d.person_id, d.id AS detention_id, d.arrested_on, d.arrested_on_precision, p.*
    FROM cases_detention d
    JOIN people p ON p.id = d.person_id
    WHERE daterange(d.arrested_on, d.ended_on, '[)') @> %(day)s::date
    ORDER BY d.person_id, d.arrested_on DESC, d.id DESC
),
custody AS (
    SELECT c.*, stay.facility_id,
        CASE WHEN stay.found AND stay.facility_id IS NULL THEN {WHEREABOUTS_UNKNOWN}
            ELSE {DETAINED} END AS status
    FROM covering c
    LEFT JOIN LATERAL (
        SELECT s.facility_id, true AS found
        FROM cases_custodystay s
        WHERE s.detention_id = c.detention_id AND s.started_on <= %(day)s
        ORDER BY s.started_on DESC, s.id DESC
        LIMIT 1
    ) stay ON true
)
"""  # noqa: S608 - fixed SQL text and constants; values are query parameters

# Rules 1 and 3: everyone else with an arrest by the day. No episode covers the day, so all of
# theirs begun by then have ended: the latest decides. `statuses` has (person_id, facility_id,
# status, detained_since, detained_since_precision) for every person arrested by the day.
STATUS_ON_DAY_SQL = (
    CUSTODY_ON_DAY_SQL  # noqa: S608 - fixed SQL text and constants
    + f""",
latest AS (
    SELECT DISTINCT ON (d.person_id) d.person_id, d.id AS detention_id, d.end_reason
    FROM cases_detention d
    JOIN people p ON p.id = d.person_id
    WHERE d.arrested_on <= %(day)s
    ORDER BY d.person_id, d.arrested_on DESC, d.id DESC
),
conditions_in_force AS (
    SELECT r.detention_id, bool_or(c.kind = {_quoted(ConditionKind.HOUSE_ARREST)}) AS house_arrest
    FROM cases_release r
    JOIN cases_detention d ON d.id = r.detention_id
    JOIN people p ON p.id = d.person_id
    JOIN cases_releasecondition c ON c.release_id = r.id
    WHERE r.verified AND c.starts_on <= %(day)s AND (c.ends_on IS NULL OR c.ends_on >= %(day)s)
    GROUP BY r.detention_id
),
statuses AS (
    SELECT person_id, facility_id, status,
        arrested_on AS detained_since, arrested_on_precision AS detained_since_precision
    FROM custody
    UNION ALL
    SELECT l.person_id, NULL,
        CASE
            WHEN l.end_reason = {_quoted(EndReason.DIED_IN_CUSTODY)} THEN {DECEASED_IN_CUSTODY}
            WHEN c.house_arrest THEN {HOUSE_ARREST}
            WHEN c.detention_id IS NOT NULL THEN {RELEASED_CONDITIONAL}
            ELSE {RELEASED}
        END,
        NULL, NULL
    FROM latest l
    LEFT JOIN conditions_in_force c ON c.detention_id = l.detention_id
    WHERE NOT EXISTS (SELECT FROM custody k WHERE k.person_id = l.person_id)
)
"""  # noqa: S608 - fixed SQL text and constants; values are query parameters
)

# What person_refresh_status sets, for people whose relation also carries birth_date and
# birth_year (`derived`: one row per person). A person without episodes has no status. Minor
# at detention as registry.models.age_on has the age at the earliest arrest: whole years from
# the birth date, or with only a birth year the youngest possible age.
DERIVED_SQL = (
    STATUS_ON_DAY_SQL  # noqa: S608 - fixed SQL text and constants
    + f""",
derived AS (
    SELECT p.id AS person_id,
        coalesce(s.status, '') AS current_status,
        s.facility_id AS current_facility_id,
        s.detained_since,
        coalesce(s.detained_since_precision, {_quoted(DatePrecision.DAY)})
            AS detained_since_precision,
        coalesce(
            CASE
                WHEN p.birth_date IS NOT NULL THEN
                    extract(year FROM earliest.arrested_on) - extract(year FROM p.birth_date)
                    - CASE WHEN (extract(month FROM earliest.arrested_on),
                                 extract(day FROM earliest.arrested_on))
                            < (extract(month FROM p.birth_date), extract(day FROM p.birth_date))
                        THEN 1 ELSE 0 END
                WHEN p.birth_year IS NOT NULL THEN
                    extract(year FROM earliest.arrested_on) - p.birth_year - 1
            END < 18,
            false
        ) AS minor_at_detention
    FROM people p
    LEFT JOIN statuses s ON s.person_id = p.id
    LEFT JOIN LATERAL (
        SELECT min(d.arrested_on) AS arrested_on FROM cases_detention d
        WHERE d.person_id = p.id
    ) earliest ON true
)
"""  # noqa: S608 - fixed SQL text and constants; values are query parameters
)
DERIVED_FIELDS = (
    "current_status",
    "current_facility_id",
    "detained_since",
    "detained_since_precision",
    "minor_at_detention",
)

# The people of registry_person given by id, with what the derivation needs of them.
PEOPLE_BY_ID_SQL = (
    "SELECT id, birth_date, birth_year FROM registry_person WHERE id = ANY(%(person_ids)s)"
)


def derived_update_sql(table: str, bookkeeping: str) -> str:
    """UPDATE `table` (registry_person or its approved copy) from `derived`: only the rows whose
    derived values change, with `bookkeeping` (more SET assignments) on those rows."""
    return f"""
UPDATE {table} AS t
SET current_status = derived.current_status,
    current_facility_id = derived.current_facility_id,
    detained_since = derived.detained_since,
    detained_since_precision = derived.detained_since_precision,
    minor_at_detention = derived.minor_at_detention,
    {bookkeeping}
FROM derived
WHERE t.id = derived.person_id
    AND (t.current_status, t.current_facility_id, t.detained_since, t.detained_since_precision,
        t.minor_at_detention)
    IS DISTINCT FROM (derived.current_status, derived.current_facility_id,
        derived.detained_since, derived.detained_since_precision, derived.minor_at_detention)
"""  # noqa: S608 - fixed names; values are parameters


# Rows are written as a save writes them: a new version, updated now.
REFRESH_SQL = DERIVED_SQL.format(people=PEOPLE_BY_ID_SQL) + derived_update_sql(
    "registry_person", "version = t.version + 1, updated_at = %(now)s"
)


def people_refresh_status(*, person_ids: Iterable[int], today: datetime.date | None = None) -> int:
    """Set the derived fields (status, current facility, detained since and its precision,
    minor at detention) of these people, already in registry_person, from their episodes, as
    `person_refresh_status` would on `today`, in one statement: for a change to the episodes of
    many people at once, inside its transaction. Returns how many people changed."""
    ids = list(person_ids)
    if not ids:
        return 0
    params = {"person_ids": ids, "day": today or timezone.localdate(), "now": timezone.now()}
    with connection.cursor() as cursor:
        cursor.execute(REFRESH_SQL, params)
        return cursor.rowcount


# People about to be inserted, whose episodes are written already (under ids reserved for them:
# foreign keys are checked at commit), given by id and birth. The values go back to the writer,
# which then writes each person once, with its final values (one audited insert, no second
# version, no dead row for every person of a bulk load).
NEW_PEOPLE_SQL = (
    "SELECT * FROM unnest(%(person_ids)s::bigint[], %(birth_dates)s::date[], "
    "%(birth_years)s::integer[]) AS p(id, birth_date, birth_year)"
)
NEW_PEOPLE_DERIVED_SQL = DERIVED_SQL.format(people=NEW_PEOPLE_SQL) + (  # noqa: S608
    f"SELECT person_id, {', '.join(DERIVED_FIELDS)} FROM derived"  # noqa: S608 - constants
)


@dataclasses.dataclass(frozen=True)
class NewPerson:
    pk: int
    birth_date: datetime.date | None = None
    birth_year: int | None = None


def new_people_derived_fields(
    people: Iterable[NewPerson], *, today: datetime.date | None = None
) -> dict[int, dict]:
    """{pk: {field: value}}: the derived fields (what `person_refresh_status` would set on
    `today`) of people not written yet, from their episodes, written already in this
    transaction."""
    people = list(people)
    if not people:
        return {}
    params = {
        "person_ids": [person.pk for person in people],
        "birth_dates": [person.birth_date for person in people],
        "birth_years": [person.birth_year for person in people],
        "day": today or timezone.localdate(),
    }
    with connection.cursor() as cursor:
        cursor.execute(NEW_PEOPLE_DERIVED_SQL, params)
        return {pk: dict(zip(DERIVED_FIELDS, values, strict=True)) for pk, *values in cursor}


# Or their rows are first copied into a temporary table shaped like registry_person
# ("staged"), then moved into registry_person with their derived fields in one INSERT.
STAGING_TABLE = "staged_people"
STAGED_PEOPLE_SQL = f"SELECT id, birth_date, birth_year FROM {STAGING_TABLE}"  # noqa: S608


def people_staging_create() -> str:
    """Create the (empty) temporary table to COPY new people into, and return its name.
    `people_insert_staged` moves them into registry_person and drops it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING_TABLE} (LIKE registry_person INCLUDING DEFAULTS) "
            "ON COMMIT DROP"
        )
    return STAGING_TABLE


def _person_columns() -> list[str]:
    """The columns of registry_person a bulk insert writes (not the generated ones)."""
    return [field.column for field in Person._meta.concrete_fields if not field.generated]


def people_insert_staged(
    *, columns: Sequence[str] | None = None, today: datetime.date | None = None
) -> int:
    """Insert the staged people into registry_person with their derived fields (status, current
    facility, detained since and its precision, minor at detention: what
    `person_refresh_status` would set on `today`) from their episodes, already written in this
    transaction. `columns` are those the staged rows carry (default: all but the generated
    ones); the others take their defaults. Returns how many people were inserted."""
    names = [*(columns or _person_columns())]
    names += [field for field in DERIVED_FIELDS if field not in names]
    quoted = [connection.ops.quote_name(name) for name in names]
    values = [
        f"derived.{name}" if name in DERIVED_FIELDS else f"s.{column}"
        for name, column in zip(names, quoted, strict=True)
    ]
    insert = (
        f"INSERT INTO registry_person ({', '.join(quoted)}) "  # noqa: S608 - column names
        f"SELECT {', '.join(values)} FROM {STAGING_TABLE} s "
        "JOIN derived ON derived.person_id = s.id"
    )
    sql = DERIVED_SQL.format(people=STAGED_PEOPLE_SQL) + insert
    with connection.cursor() as cursor:
        cursor.execute(sql, {"day": today or timezone.localdate()})
        inserted = cursor.rowcount
        cursor.execute(f"DROP TABLE {STAGING_TABLE}")
    return inserted
