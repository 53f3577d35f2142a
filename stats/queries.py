"""Public statistics, reconstructed in SQL from detention episodes, custody stays and releases.

Every figure counts PUBLISHED people only (the public list's `Person.objects.published()`; in
SQL its twin `registry.models.published_sql`, as PUBLISHED below), so that a count for today
equals the count of the public list with the same filters. The counting rules are written out
in docs/statistics.md and on the statistics page. The status on a day is the one the rules of
`cases.status` give (its set-based SQL, STATUS_ON_DAY_SQL, is what these queries run); in
short, on a day D:

* a person is in custody if one of their episodes has arrested_on <= D and (ended_on is null or
  ended_on > D) (counted at the end of the day, so a release on D ends custody on D);
* in custody, whereabouts unknown if the custody stay in force on D (the latest one begun by D)
  has no facility; otherwise detained, at that facility (or at a place not recorded);
* not in custody: the latest episode begun by D decides: died in custody, house arrest or
  released under conditions while a condition of its verified release is in force on D,
  released otherwise;
* a date known only to the month or the year is stored as the first day of that period
  (docs/domain.md), so it counts from that first day.

Arrests are episodes by arrest date; releases are VERIFIED releases by release date. A release
claim is never a release.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from cases.models import MatchStatus, ReleaseClaim
from cases.status import CUSTODY_ON_DAY_SQL, STATUS_ON_DAY_SQL
from facilities.models import Facility
from lib.vocabulary import IN_CUSTODY_STATUSES, PersonStatus, VenezuelanState
from registry.models import Category, Sex, published_sql
from stats.models import DailyFigure, ExternalTotal

DAY, WEEK, MONTH = "day", "week", "month"
INTERVALS = (DAY, WEEK, MONTH)
# A claim without names is compared with the releases verified in the days up to and
# including its announcement ("released in recent hours" / "this week").
CLAIM_WINDOW_DAYS = 7

WHEREABOUTS_UNKNOWN = "whereabouts_unknown"
NOT_RECORDED = "not_recorded"
NO_CATEGORY = "none"
MILITARY, CIVILIAN = "military", "civilian"
VENEZUELAN_ONLY, FOREIGN = "venezuelan", "foreign"

# The published scope of every query below, on the person row `p`.
PUBLISHED = published_sql("p")


@dataclasses.dataclass(frozen=True)
class Filters:
    """The public list's filters (cases.filters.PublishedPersonFilter), by the same rules:
    facility and state are those of the place of custody on the day."""

    facility_id: int | None = None
    state: str = ""
    category: str = ""
    sex: str = ""
    nationality: str = ""

    def person_sql(self) -> tuple[str, dict]:
        clauses, params = [], {}
        if self.sex:
            clauses.append("p.sex = %(sex)s")
            params["sex"] = self.sex
        if self.category:
            clauses.append("%(category)s = ANY(p.categories)")
            params["category"] = self.category
        if self.nationality:
            clauses.append("%(nationality)s = ANY(p.nationalities)")
            params["nationality"] = self.nationality
        return "".join(f" AND {clause}" for clause in clauses), params

    def place_sql(self) -> tuple[str, dict]:
        clauses, params = [], {}
        if self.facility_id is not None:
            clauses.append("s.facility_id = %(facility)s")
            params["facility"] = self.facility_id
        if self.state:
            clauses.append("f.state = %(state)s")
            params["state"] = self.state
        return "".join(f" AND {clause}" for clause in clauses), params


NO_FILTERS = Filters()

# The status of every person on a day, and the people in custody on it, come from the rules'
# SQL (cases.status), for a relation of people: here the published ones, with the list's
# filters, and what the breakdowns count by. Counting only people in custody needs only the
# episodes covering the day.
PEOPLE_SQL = (
    "SELECT p.id, p.sex, p.categories, p.nationalities "  # noqa: S608 - constants
    f"FROM registry_person p WHERE {PUBLISHED}{{person_filters}}"
)
CUSTODY_STATUSES_SQL = (
    CUSTODY_ON_DAY_SQL  # noqa: S608 - fixed SQL text
    + ", statuses AS (SELECT person_id, facility_id, status FROM custody)"
)

STATUS_COUNTS_SQL = """
SELECT s.status, count(*)
FROM statuses s
LEFT JOIN facilities_facility f ON f.id = s.facility_id
WHERE true{place_filters}
GROUP BY s.status
"""

BREAKDOWNS_SQL = """,
described AS MATERIALIZED (
    SELECT s.status, s.facility_id, f.state, s.sex, s.categories,
        s.nationalities::text[] AS nationalities
    FROM custody s
    LEFT JOIN facilities_facility f ON f.id = s.facility_id
    WHERE true{place_filters}
)
SELECT 'facility', CASE
        WHEN facility_id IS NOT NULL THEN facility_id::text
        WHEN status = 'whereabouts_unknown' THEN 'whereabouts_unknown'
        ELSE 'not_recorded' END, count(*)
FROM described GROUP BY 2
UNION ALL
SELECT 'state', CASE
        WHEN state IS NOT NULL THEN state
        WHEN status = 'whereabouts_unknown' THEN 'whereabouts_unknown'
        ELSE 'not_recorded' END, count(*)
FROM described GROUP BY 2
UNION ALL
SELECT 'sex', sex, count(*) FROM described GROUP BY 2
UNION ALL
SELECT 'service', CASE WHEN 'military' = ANY(categories) THEN 'military' ELSE 'civilian' END,
    count(*)
FROM described GROUP BY 2
UNION ALL
SELECT 'nationality', CASE
        WHEN cardinality(nationalities) = 0 THEN 'not_recorded'
        WHEN nationalities <@ ARRAY['VE'] THEN 'venezuelan'
        ELSE 'foreign' END, count(*)
FROM described GROUP BY 2
UNION ALL
SELECT 'country', code, count(*)
FROM described, unnest(nationalities) AS code
WHERE code <> 'VE' GROUP BY 2
UNION ALL
SELECT 'category', coalesce(category, 'none'), count(*)
FROM described LEFT JOIN LATERAL unnest(categories) AS category ON true
GROUP BY 2
"""


# Sorting and hashing a million episodes in memory rather than on disk.
WORK_MEM = "64MB"


def _run(sql: str, params: dict) -> list[tuple]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _day_sql(template: str, day: datetime.date, filters: Filters) -> tuple[str, dict]:
    person_filters, params = filters.person_sql()
    people = PEOPLE_SQL.format(person_filters=person_filters)
    return template.format(people=people), {"day": day, **params}


def status_counts_on(
    day: datetime.date, filters: Filters = NO_FILTERS, *, custody_only: bool = False
) -> dict[str, int]:
    """Published people in each status at the end of `day` (every status present, 0 if none).

    With `custody_only`, only detained and whereabouts unknown are counted (the others stay 0):
    that needs only the episodes covering the day, not every person's latest one.
    """
    template = CUSTODY_STATUSES_SQL if custody_only else STATUS_ON_DAY_SQL
    sql, params = _day_sql(template, day, filters)
    place_filters, place_params = filters.place_sql()
    rows = _run(sql + STATUS_COUNTS_SQL.format(place_filters=place_filters), params | place_params)
    counts = dict.fromkeys(PersonStatus.values, 0)
    counts.update(dict(rows))
    return counts


def in_custody(counts: dict[str, int]) -> int:
    """Political prisoners (DESIGN §2): detained + whereabouts unknown; house arrest apart."""
    return sum(counts[status] for status in IN_CUSTODY_STATUSES)


@dataclasses.dataclass(frozen=True)
class Row:
    key: str
    label: str
    count: int


@dataclasses.dataclass(frozen=True)
class Breakdown:
    dimension: str
    rows: list[Row]
    # Exclusive buckets add up to the total in custody; a person may be in several categories
    # or hold several foreign nationalities, so those breakdowns do not.
    adds_up: bool

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)


BREAKDOWN_DIMENSIONS = ("facility", "state", "sex", "service", "nationality", "country", "category")
NON_ADDITIVE = {"country", "category"}


def labels_for(dimension: str, keys: Iterable[str]) -> dict[str, str]:
    """The label, in the active language, of each key of a breakdown (facility ids, codes)."""
    special = {
        WHEREABOUTS_UNKNOWN: _("Whereabouts unknown"),
        NOT_RECORDED: _("Not recorded"),
        NO_CATEGORY: _("No category recorded"),
        MILITARY: _("Military"),
        CIVILIAN: _("Civilian"),
        VENEZUELAN_ONLY: _("Venezuelan only"),
        FOREIGN: _("Foreign or dual nationality"),
    }
    if dimension == "facility":
        ids = [int(key) for key in keys if key.isdigit()]
        names = dict(Facility.objects.filter(pk__in=ids).values_list("pk", "name"))
        named = {str(pk): name for pk, name in names.items()}
    else:
        choices = {
            "state": VenezuelanState.choices,
            "sex": Sex.choices,
            "category": Category.choices,
            "country": list(countries),
        }.get(dimension, [])
        named = {code: str(label) for code, label in choices}
    return {key: str(named.get(key) or special.get(key) or key) for key in keys}


def breakdowns_on(day: datetime.date, filters: Filters = NO_FILTERS) -> dict[str, Breakdown]:
    """People in custody at the end of `day`, by place, state, sex, service, nationality and
    category (largest first; buckets of place and state say where none is known)."""
    sql, params = _day_sql(CUSTODY_ON_DAY_SQL, day, filters)
    place_filters, place_params = filters.place_sql()
    rows = _run(sql + BREAKDOWNS_SQL.format(place_filters=place_filters), params | place_params)
    by_dimension: dict[str, list[tuple[str, int]]] = {name: [] for name in BREAKDOWN_DIMENSIONS}
    for dimension, key, count in rows:
        by_dimension[dimension].append((key, count))
    result = {}
    for dimension, pairs in by_dimension.items():
        labels = labels_for(dimension, [key for key, _count in pairs])
        ordered = sorted(pairs, key=lambda pair: (-pair[1], labels[pair[0]]))
        result[dimension] = Breakdown(
            dimension,
            [Row(key, labels[key], count) for key, count in ordered],
            adds_up=dimension not in NON_ADDITIVE,
        )
    return result


# ---------------------------------------------------------------------------------------------
# Time series.

# The daily series straight from the episodes: what `daily_figures_refresh` stores. Overlapping
# episodes of one person (a re-arrest known only to the month, stored as the 1st, before the
# release on the 15th) are merged, so each person counts once a day.
LIVE_DAILY_SERIES_SQL = f"""
WITH episodes AS (
    SELECT d.person_id, d.id, d.arrested_on, d.ended_on
    FROM cases_detention d
    JOIN registry_person p ON p.id = d.person_id
    WHERE {PUBLISHED} AND d.arrested_on <= %(end)s
),
covered AS (
    SELECT arrested_on, ended_on,
        max(coalesce(ended_on, 'infinity'::date)) OVER (
            PARTITION BY person_id ORDER BY arrested_on, id
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS covered_until
    FROM episodes
),
changes AS (
    -- +1 the day a person's time in custody begins, -1 the day it ends.
    SELECT change.day, sum(change.delta) AS delta
    FROM covered,
        LATERAL (VALUES (greatest(arrested_on, covered_until), 1), (ended_on, -1))
            AS change(day, delta)
    WHERE (covered_until IS NULL OR covered_until < coalesce(ended_on, 'infinity'::date))
        AND change.day IS NOT NULL
    GROUP BY change.day
),
arrests AS (
    SELECT arrested_on AS day, count(*) AS n
    FROM episodes WHERE arrested_on >= %(start)s
    GROUP BY arrested_on
),
releases AS (
    SELECT r.released_on AS day, count(*) AS n
    FROM cases_release r
    JOIN cases_detention d ON d.id = r.detention_id
    JOIN registry_person p ON p.id = d.person_id
    WHERE r.verified AND {PUBLISHED}
        AND r.released_on BETWEEN %(start)s AND %(end)s
    GROUP BY r.released_on
)
SELECT g.day::date,
    (SELECT coalesce(sum(delta), 0) FROM changes WHERE changes.day < %(start)s)
        + sum(coalesce(c.delta, 0)) OVER (ORDER BY g.day) AS in_custody,
    coalesce(a.n, 0) AS arrests,
    coalesce(r.n, 0) AS releases
FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS g(day)
LEFT JOIN changes c ON c.day = g.day
LEFT JOIN arrests a ON a.day = g.day
LEFT JOIN releases r ON r.day = g.day
ORDER BY g.day
"""  # noqa: S608 - fixed SQL text, values are query parameters

FIRST_ARREST_SQL = f"""
SELECT min(d.arrested_on)
FROM cases_detention d
JOIN registry_person p ON p.id = d.person_id
WHERE {PUBLISHED}
"""  # noqa: S608 - fixed SQL text, values are query parameters


@dataclasses.dataclass(frozen=True)
class Point:
    starts_on: datetime.date
    ends_on: datetime.date
    in_custody: int  # at the end of the period's last day
    arrests: int
    releases: int


def live_daily_series(start: datetime.date, end: datetime.date) -> list[Point]:
    """The daily series computed from the episodes themselves (slow at a million episodes:
    pages read the stored `DailyFigure` rows through `series`)."""
    rows = _run(LIVE_DAILY_SERIES_SQL, {"start": start, "end": end})
    return [
        Point(day, day, int(custody), arrests, releases) for day, custody, arrests, releases in rows
    ]


def first_arrest() -> datetime.date | None:
    return _run(FIRST_ARREST_SQL, {})[0][0]


STORED_SERIES_SQL = """
SELECT date_trunc(%(interval)s, g.day)::date AS period,
    min(g.day)::date,
    max(g.day)::date,
    (array_agg(coalesce(f.in_custody, 0) ORDER BY g.day DESC))[1],
    sum(coalesce(f.arrests, 0)),
    sum(coalesce(f.releases, 0))
FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS g(day)
LEFT JOIN stats_dailyfigure f ON f.day = g.day
GROUP BY 1
ORDER BY 1
"""

STORED_DAILY_SQL = """
SELECT g.day::date, coalesce(f.in_custody, 0), coalesce(f.arrests, 0), coalesce(f.releases, 0)
FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS g(day)
LEFT JOIN stats_dailyfigure f ON f.day = g.day
ORDER BY g.day
"""


@dataclasses.dataclass(frozen=True)
class SeriesState:
    first_day: datetime.date | None
    last_day: datetime.date | None
    computed_at: datetime.datetime | None


def series_state() -> SeriesState:
    """Which days the stored series covers, and when it was computed."""
    row = _run("SELECT min(day), max(day), max(computed_at) FROM stats_dailyfigure", {})[0]
    return SeriesState(*row)


def series(start: datetime.date, end: datetime.date, interval: str = DAY) -> list[Point]:
    """The stored series from `start` to `end` (clipped to the last day computed), per day,
    week (from Monday) or month: people in custody at the end of each period, arrests and
    verified releases during it. Days before the first arrest count zero."""
    if interval not in INTERVALS:
        raise ValueError(f"Unknown interval {interval!r}")
    last = DailyFigure.objects.order_by("-day").values_list("day", flat=True).first()
    if last is None:
        return []
    end = min(end, last)
    if end < start:
        return []
    params = {"start": start, "end": end, "interval": interval}
    if interval == DAY:
        rows = _run(STORED_DAILY_SQL, params)
        return [Point(day, day, *values) for day, *values in rows]
    rows = _run(STORED_SERIES_SQL, params)
    return [Point(first, last_day, *values) for _period, first, last_day, *values in rows]


# ---------------------------------------------------------------------------------------------
# Claims ledger.

CLAIM_FIGURES_SQL = f"""
SELECT c.id,
    (SELECT count(*) FROM cases_releaseclaimname n WHERE n.claim_id = c.id) AS names,
    (SELECT count(*)
        FROM cases_releaseclaimname n
        JOIN registry_person p ON p.id = n.person_id
        WHERE n.claim_id = c.id AND n.match_status = %(matched)s AND n.verified_released
            AND {PUBLISHED}) AS names_verified,
    (SELECT count(*)
        FROM cases_release r
        JOIN cases_detention d ON d.id = r.detention_id
        JOIN registry_person p ON p.id = d.person_id
        WHERE r.verified AND {PUBLISHED}
            AND r.released_on BETWEEN c.announced_on - %(before)s AND c.announced_on
    ) AS window_verified
FROM cases_releaseclaim c
"""  # noqa: S608 - fixed SQL text, values are query parameters

VERIFIED_RELEASES_UP_TO_SQL = f"""
SELECT upto.day, count(r.id)
FROM unnest(%(days)s::date[]) AS upto(day)
LEFT JOIN (
    cases_release r
    JOIN cases_detention d ON d.id = r.detention_id
    JOIN registry_person p ON p.id = d.person_id AND {PUBLISHED}
) ON r.verified AND r.released_on BETWEEN %(since)s AND upto.day
GROUP BY upto.day
ORDER BY upto.day
"""  # noqa: S608 - fixed SQL text, values are query parameters


@dataclasses.dataclass(frozen=True)
class ClaimLine:
    claim: ReleaseClaim
    names: int  # names published with the claim, as recorded
    verified: int
    by_names: bool  # verified through its names; otherwise releases verified in the window
    window_starts_on: datetime.date

    @property
    def gap(self) -> int:
        return self.claim.claimed_count - self.verified


@dataclasses.dataclass(frozen=True)
class CumulativeLine:
    day: datetime.date
    claimed: int
    verified: int

    @property
    def gap(self) -> int:
        return self.claimed - self.verified


def claims_ledger() -> list[ClaimLine]:
    """Every release claim, oldest first, beside what the registry verified.

    A claim that published names is checked name by name: the named people matched to a
    published record whose release was verified. A claim without names is compared with the
    verified releases of published people on the CLAIM_WINDOW_DAYS days ending on its date.
    """
    claims = list(ReleaseClaim.objects.select_related("source").order_by("announced_on", "id"))
    figures = {
        row[0]: row[1:]
        for row in _run(
            CLAIM_FIGURES_SQL,
            {"matched": MatchStatus.MATCHED, "before": CLAIM_WINDOW_DAYS - 1},
        )
    }
    lines = []
    for claim in claims:
        names, names_verified, window_verified = figures[claim.pk]
        by_names = claim.names_published and names > 0
        lines.append(
            ClaimLine(
                claim=claim,
                names=names,
                verified=names_verified if by_names else window_verified,
                by_names=by_names,
                window_starts_on=claim.announced_on
                - datetime.timedelta(days=CLAIM_WINDOW_DAYS - 1),
            )
        )
    return lines


def claims_cumulative(lines: Sequence[ClaimLine], *, today: datetime.date) -> list[CumulativeLine]:
    """Claimed releases added up claim by claim, beside every verified release of a published
    person since the first claim's window began (each release counted once), up to each claim
    date and to today."""
    if not lines:
        return []
    since = lines[0].window_starts_on
    claimed_by_day: dict[datetime.date, int] = {}
    for line in lines:
        day = line.claim.announced_on
        claimed_by_day[day] = claimed_by_day.get(day, 0) + line.claim.claimed_count
    days = sorted(claimed_by_day)
    if today > days[-1]:
        days.append(today)
    verified = dict(_run(VERIFIED_RELEASES_UP_TO_SQL, {"days": days, "since": since}))
    result, claimed = [], 0
    for day in days:
        claimed += claimed_by_day.get(day, 0)
        result.append(CumulativeLine(day, claimed, verified[day]))
    return result


# ---------------------------------------------------------------------------------------------
# Other organisations' totals.


@dataclasses.dataclass(frozen=True)
class Coverage:
    total: ExternalTotal
    ours: int

    @property
    def share(self) -> float | None:
        return self.ours / self.total.count if self.total.count else None


def coverage(totals: Iterable[ExternalTotal]) -> list[Coverage]:
    """Each external total beside our count, on its date, of the statuses it covers."""
    counts_by_day: dict[tuple[datetime.date, bool], dict[str, int]] = {}
    result = []
    for total in totals:
        custody_only = set(total.statuses) <= set(IN_CUSTODY_STATUSES)
        key = (total.counted_on, custody_only)
        if key not in counts_by_day:
            counts_by_day[key] = status_counts_on(total.counted_on, custody_only=custody_only)
        counts = counts_by_day[key]
        result.append(Coverage(total, sum(counts.get(status, 0) for status in total.statuses)))
    return result
