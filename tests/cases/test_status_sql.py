"""The status rules in Python and in SQL (cases.status) agree, on random histories.

Histories are written straight to the tables (the services could not make some of them: stays
with gaps, conditions starting before or long after the release), within what the database's
constraints and the services' bookkeeping allow: an episode closed by a verified release ends
on its date, one with an unverified release (a claim) stays open unless it ended by death or
otherwise, stays end by the end of their episode. Then, for each person:

* on random days, and on the days around every date of the history (where `<` and `<=` part),
  `derive_status` and the set-based `STATUS_ON_DAY_SQL` give the same status, place and
  detained-since date;
* for today, the set-based refresh `people_refresh_status` writes what `person_refresh_status`
  writes, and nothing when run again; and the bulk writers' forms for new people,
  `new_people_derived_fields` and `people_insert_staged`, give the same values.
"""

import dataclasses
import datetime
import random

import pytest
from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import services, status
from cases.models import (
    ConditionKind,
    CustodyStay,
    Detention,
    EndReason,
    Release,
    ReleaseCondition,
    ReleaseKind,
)
from lib.vocabulary import DatePrecision, normalise_to_precision
from registry.models import Person
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

D = datetime.timedelta
DAYS = 4 * 365  # first arrests up to four years ago; later episodes may run into the future
PLACES = 3


@dataclasses.dataclass(frozen=True)
class StayPlan:
    gap: int  # days after the previous stay ended (the first: after the arrest)
    place: int | None  # index of a facility; None: whereabouts unknown
    length: int | None  # None: runs on, if it is the last stay of an open episode


@dataclasses.dataclass(frozen=True)
class EpisodePlan:
    gap: int  # days after the previous episode ended (negative: overlapping it)
    precision: str  # of the arrest date
    stays: tuple[StayPlan, ...]
    length: int
    ending: str  # open, released (verified), claimed (unverified release: still open), died, other
    # Died or ended otherwise after a release was reported and never verified (staff may close
    # an episode so; the release stays a claim, its conditions count for nothing).
    claim_before_end: bool
    release_precision: str
    conditions: tuple[tuple[str, int, int | None], ...]  # kind, from (days after), lasts or None


@dataclasses.dataclass(frozen=True)
class PersonPlan:
    birth: tuple[str, int]  # none / date / year, and how far from 18 at the first arrest
    first_arrest: int  # days before today
    episodes: tuple[EpisodePlan, ...]


precisions = st.sampled_from([DatePrecision.DAY, DatePrecision.DAY, *DatePrecision.values])
stays = st.builds(
    StayPlan,
    gap=st.one_of(st.just(0), st.integers(0, 60)),
    place=st.one_of(st.none(), st.integers(0, PLACES - 1)),
    length=st.one_of(st.none(), st.integers(0, 300)),
)
episodes = st.builds(
    EpisodePlan,
    gap=st.integers(-40, 500),
    precision=precisions,
    stays=st.lists(stays, max_size=3).map(tuple),
    length=st.integers(0, 700),
    ending=st.sampled_from(["open", "released", "released", "claimed", "died", "other"]),
    claim_before_end=st.booleans(),
    release_precision=precisions,
    conditions=st.lists(
        st.tuples(
            st.sampled_from(
                [ConditionKind.HOUSE_ARREST, ConditionKind.HOUSE_ARREST, *ConditionKind.values]
            ),
            st.integers(-5, 60),
            st.one_of(st.none(), st.integers(0, 400)),
        ),
        max_size=3,
    ).map(tuple),
)
people = st.lists(
    st.builds(
        PersonPlan,
        birth=st.tuples(st.sampled_from(["none", "date", "year"]), st.integers(-400, 400)),
        first_arrest=st.integers(0, DAYS),
        episodes=st.lists(episodes, max_size=3).map(tuple),
    ),
    min_size=1,
    max_size=4,
)


def _birth(plan: PersonPlan, today: datetime.date) -> dict:
    kind, offset = plan.birth
    first = today - D(days=plan.first_arrest)
    eighteenth = first - D(days=round(18 * 365.25)) + D(days=offset)
    if kind == "date":
        return {"birth_date": eighteenth}
    if kind == "year":
        return {"birth_year": eighteenth.year}
    return {}


def _precise(day: datetime.date, precision: str, *, not_before: datetime.date) -> tuple:
    """The date in normal form for its precision, unless that falls before `not_before`."""
    normal = normalise_to_precision(day, precision)
    return (normal, precision) if normal >= not_before else (day, DatePrecision.DAY)


def _release(detention, on, precision, *, verified: bool, conditions, now) -> None:
    release = Release.objects.create(
        detention=detention,
        released_on=on,
        released_on_precision=precision,
        kind=ReleaseKind.PRECAUTIONARY_MEASURES if conditions else ReleaseKind.UNCONDITIONAL,
        verified=verified,
        verified_at=now if verified else None,
    )
    for kind, after, lasts in conditions:
        starts = on + D(days=after)
        ReleaseCondition.objects.create(
            release=release,
            kind=kind,
            interval_days=15 if kind == ConditionKind.PERIODIC_PRESENTATION else None,
            starts_on=starts,
            ends_on=starts + D(days=lasts) if lasts is not None else None,
        )


def build(plans: list[PersonPlan], places, *, today: datetime.date) -> list[Person]:
    now = timezone.now()
    built = []
    for plan in plans:
        person = factories.person(**_birth(plan, today))
        built.append(person)
        arrested = today - D(days=plan.first_arrest)
        previous: Detention | None = None
        for episode in plan.episodes:
            if previous is not None:
                arrested = previous.ended_on + D(days=episode.gap)
            arrested_on = normalise_to_precision(arrested, episode.precision)
            ended = episode.ending in ("released", "died", "other")
            end, end_precision, reason = None, DatePrecision.DAY, ""
            if ended:
                end, end_precision = arrested_on + D(days=episode.length), DatePrecision.DAY
                if episode.ending == "released":
                    end, end_precision = _precise(
                        end, episode.release_precision, not_before=arrested_on
                    )
                reason = {
                    "released": EndReason.RELEASED,
                    "died": EndReason.DIED_IN_CUSTODY,
                    "other": EndReason.OTHER,
                }[episode.ending]
            detention = Detention.objects.create(
                person=person,
                arrested_on=arrested_on,
                arrested_on_precision=episode.precision,
                ended_on=end,
                ended_on_precision=end_precision,
                end_reason=reason,
            )
            cursor = arrested_on
            for index, stay in enumerate(episode.stays):
                starts = cursor + D(days=stay.gap)
                if end is not None and starts > end:
                    break
                runs_on = stay.length is None and end is None and index == len(episode.stays) - 1
                stops = None if runs_on else starts + D(days=stay.length or 0)
                if end is not None:
                    stops = min(stops, end)
                CustodyStay.objects.create(
                    detention=detention,
                    facility=places[stay.place] if stay.place is not None else None,
                    started_on=starts,
                    ended_on=stops,
                )
                if stops is None:
                    break
                cursor = stops
            if episode.ending == "released":
                _release(
                    detention,
                    end,
                    end_precision,
                    verified=True,
                    conditions=episode.conditions,
                    now=now,
                )
            elif episode.ending == "claimed" or episode.claim_before_end:
                claimed = arrested_on + D(days=episode.length)
                _release(
                    detention,
                    claimed,
                    DatePrecision.DAY,
                    verified=False,
                    conditions=episode.conditions,
                    now=now,
                )
            if not ended:
                break  # an open episode is the person's last: at most one is open
            previous = detention
    return built


def edge_days(ids: list[int]) -> set[datetime.date]:
    """Every date in these people's histories, with the day before and after."""
    dates = set()
    for detention in Detention.objects.filter(person_id__in=ids):
        dates |= {detention.arrested_on, detention.ended_on}
    for stay in CustodyStay.objects.filter(detention__person_id__in=ids):
        dates |= {stay.started_on, stay.ended_on}
    for release in Release.objects.filter(detention__person_id__in=ids):
        dates.add(release.released_on)
    for condition in ReleaseCondition.objects.filter(release__detention__person_id__in=ids):
        dates |= {condition.starts_on, condition.ends_on}
    return {day + D(days=shift) for day in dates - {None} for shift in (-1, 0, 1)}


def python_on(ids: list[int], day: datetime.date) -> dict[int, tuple]:
    detentions = Detention.objects.filter(person_id__in=ids).prefetch_related(
        Prefetch("stays", queryset=CustodyStay.objects.select_related("facility")),
        "release__conditions",
    )
    by_person: dict[int, list[Detention]] = {pk: [] for pk in ids}
    for detention in detentions.select_related("release"):
        by_person[detention.person_id].append(detention)
    result = {}
    for pk, theirs in by_person.items():
        derived = status.derive_status(theirs, today=day)
        if derived != status.NO_STATUS:
            result[pk] = (
                derived.status,
                derived.facility.pk if derived.facility else None,
                derived.detained_since,
                derived.detained_since_precision if derived.detained_since else None,
            )
    return result


PEOPLE_SQL = "SELECT id FROM registry_person WHERE id = ANY(%(person_ids)s)"
STATUSES_ON_DAY_SQL = status.STATUS_ON_DAY_SQL.format(people=PEOPLE_SQL) + (  # noqa: S608
    "SELECT person_id, status, facility_id, detained_since, detained_since_precision FROM statuses"
)


def sql_on(ids: list[int], day: datetime.date) -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(STATUSES_ON_DAY_SQL, {"person_ids": ids, "day": day})
        return {pk: tuple(values) for pk, *values in cursor.fetchall()}


def derived_fields(ids: list[int]) -> dict[int, tuple]:
    rows = Person.objects.filter(pk__in=ids).values_list("pk", *status.DERIVED_FIELDS)
    return {pk: tuple(values) for pk, *values in rows}


def derived_before_insert(ids: list[int], today: datetime.date) -> dict[int, tuple]:
    """What the import's path, `new_people_derived_fields`, gives from the birth data alone."""
    births = Person.objects.filter(pk__in=ids).values_list("pk", "birth_date", "birth_year")
    derived = status.new_people_derived_fields(
        [status.NewPerson(*birth) for birth in births], today=today
    )
    return {pk: tuple(fields[f] for f in status.DERIVED_FIELDS) for pk, fields in derived.items()}


def inserted_again(ids: list[int], today: datetime.date) -> dict[int, tuple]:
    """The same people written again as the bulk writers write new people: staged with their
    derived fields blank, then inserted by `people_insert_staged` (their episodes stay; the
    foreign keys to them are checked at commit, and the test rolls back)."""
    staging = status.people_staging_create()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {staging} SELECT * FROM registry_person WHERE id = ANY(%s)",  # noqa: S608
            [ids],
        )
        cursor.execute(
            f"UPDATE {staging} SET current_status = '', current_facility_id = NULL, "  # noqa: S608
            "detained_since = NULL, minor_at_detention = NOT minor_at_detention"
        )
        cursor.execute("DELETE FROM registry_person WHERE id = ANY(%s)", [ids])
    assert status.people_insert_staged(today=today) == len(ids)
    return derived_fields(ids)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plans=people, probes=st.lists(st.integers(-400, DAYS + 30), max_size=5), seed=st.randoms())
def test_python_and_sql_give_the_same_status(plans, probes, seed: random.Random):
    today = timezone.localdate()
    with transaction.atomic():
        places = [factories.facility() for _ in range(PLACES)]
        ids = [person.pk for person in build(plans, places, today=today)]

        edges = sorted(edge_days(ids))
        days = {today - D(days=probe) for probe in probes}
        days |= set(seed.sample(edges, min(len(edges), 30)))
        for day in sorted(days):
            assert sql_on(ids, day) == python_on(ids, day), day

        status.people_refresh_status(person_ids=ids, today=today)
        by_sql = derived_fields(ids)
        assert status.people_refresh_status(person_ids=ids, today=today) == 0
        assert derived_before_insert(ids, today) == by_sql
        assert inserted_again(ids, today) == by_sql
        for pk in ids:
            services.person_refresh_status(person=Person(pk=pk), today=today)
        assert derived_fields(ids) == by_sql
        transaction.set_rollback(True)
