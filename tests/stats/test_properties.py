"""Random histories, built through the case services, against the statistics' promises:

* today's count of people in custody, reconstructed from the episodes, is the number of
  published people whose current status is detained or whereabouts unknown (and every other
  status matches the current statuses too);
* the stored series never goes negative, its last day equals today's count, and on any day it
  agrees with the count on that date;
* breakdowns that are exclusive add up to the total in custody.
"""

import dataclasses
import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import services
from cases.models import ConditionKind, Detention, Release
from cases.services import ConditionSpec
from lib.vocabulary import IN_CUSTODY_STATUSES, DatePrecision
from registry.models import Person
from stats import queries
from stats import services as stats_services
from tests import factories
from tests.stats.helpers import release

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

DAYS = 3 * 365  # histories start up to three years ago


@dataclasses.dataclass(frozen=True)
class Episode:
    gap: int  # days after the previous episode's end (negative: overlapping it)
    month_precision: bool
    place: int | None  # index of a facility; None: whereabouts unknown
    transfers: tuple[tuple[int, int | None], ...]  # (days after the previous move, place)
    duration: int
    ending: str  # open, released, claimed (unverified release), died
    conditions: tuple[tuple[str, int | None], ...]  # (kind, lasts days or None)


episodes = st.builds(
    Episode,
    gap=st.integers(-40, 400),
    month_precision=st.booleans(),
    place=st.one_of(st.none(), st.integers(0, 2)),
    transfers=st.lists(
        st.tuples(st.integers(0, 120), st.one_of(st.none(), st.integers(0, 2))), max_size=2
    ).map(tuple),
    duration=st.integers(0, 500),
    ending=st.sampled_from(["open", "released", "released", "claimed", "died"]),
    conditions=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    ConditionKind.HOUSE_ARREST,
                    ConditionKind.TRAVEL_BAN,
                    ConditionKind.PERIODIC_PRESENTATION,
                ]
            ),
            st.one_of(st.none(), st.integers(0, 400)),
        ),
        max_size=2,
    ).map(tuple),
)
people = st.lists(
    st.tuples(
        st.booleans(),  # published
        st.integers(0, DAYS),  # first arrest, days after the start
        st.lists(episodes, min_size=1, max_size=3),
    ),
    min_size=1,
    max_size=4,
)


def build(history, places, *, today: datetime.date) -> None:
    """Create the people and their episodes through the services, as staff would."""
    start = today - datetime.timedelta(days=DAYS)
    for published, first, plan in history:
        person = factories.published_person() if published else factories.person()
        cursor = start + datetime.timedelta(days=first)
        previous: Detention | None = None
        for episode in plan:
            if previous is not None:
                if previous.ended_on is None:
                    break  # still open (or only claimed released): no re-arrest possible
                cursor = max(
                    previous.arrested_on, previous.ended_on + datetime.timedelta(days=episode.gap)
                )
            if cursor > today:
                break
            precision = DatePrecision.MONTH if episode.month_precision else DatePrecision.DAY
            detention = services.detention_open(
                person=person,
                arrested_on=cursor,
                arrested_on_precision=precision,
                facility=places[episode.place] if episode.place is not None else None,
                whereabouts_unknown=episode.place is None,
            )
            moved = detention.arrested_on
            for after, place in episode.transfers:
                moved += datetime.timedelta(days=after)
                if moved > today:
                    break
                services.custody_transfer(
                    detention=detention,
                    facility=places[place] if place is not None else None,
                    on=moved,
                )
            ends = max(moved, detention.arrested_on + datetime.timedelta(days=episode.duration))
            if episode.ending == "open" or ends > today:
                break
            if episode.ending == "died":
                services.detention_record_death(detention=detention, died_on=ends)
                break
            conditions = tuple(
                ConditionSpec(
                    kind,
                    starts_on=ends,
                    ends_on=ends + datetime.timedelta(days=lasts) if lasts is not None else None,
                    interval_days=15 if kind == ConditionKind.PERIODIC_PRESENTATION else None,
                )
                for kind, lasts in episode.conditions
            )
            release(detention, ends, conditions=conditions, verified=episode.ending == "released")
            detention.refresh_from_db()
            previous = detention


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=people, probe=st.integers(0, DAYS))
def test_random_histories_keep_the_promises(history, probe):
    today = timezone.localdate()
    with transaction.atomic():
        places = [factories.facility() for _ in range(3)]
        build(history, places, today=today)
        # The stored series counts approved versions (stats/services.py): approve them all, so
        # that it and the live queries over the working rows speak of the same data.
        for person in Person.objects.published():
            factories.approved(person)

        counts = queries.status_counts_on(today)
        published = Person.objects.published()
        assert queries.in_custody(counts) == published.in_custody().count()
        current = published.status_counts()
        assert {status: n for status, n in counts.items() if n} == {
            status: n for status, n in current.items() if status
        }

        stats_services.daily_figures_refresh(today=today)
        state = queries.series_state()
        points = queries.series(state.first_day, today, queries.DAY)
        assert all(point.in_custody >= 0 for point in points)
        assert points[-1].in_custody == queries.in_custody(counts)
        assert (
            sum(point.arrests for point in points)
            == Detention.objects.filter(person__in=published).count()
        )
        assert (
            sum(point.releases for point in points)
            == Release.objects.filter(verified=True, detention__person__in=published).count()
        )

        day = today - datetime.timedelta(days=probe)
        on_day = queries.status_counts_on(day)
        stored = {point.starts_on: point.in_custody for point in points}
        assert stored.get(day, 0) == queries.in_custody(on_day)
        ever_arrested = published.filter(detentions__arrested_on__lte=day).distinct().count()
        assert sum(on_day.values()) == ever_arrested
        custody = queries.status_counts_on(day, custody_only=True)
        assert {s: n for s, n in custody.items() if n} == {
            s: n for s, n in on_day.items() if n and s in IN_CUSTODY_STATUSES
        }

        for name, breakdown in queries.breakdowns_on(day).items():
            if breakdown.adds_up:
                assert breakdown.total == queries.in_custody(on_day), name
            else:
                assert all(row.count <= queries.in_custody(on_day) for row in breakdown.rows)
        transaction.set_rollback(True)
