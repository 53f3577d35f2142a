"""Hand-built histories with known answers: counts on a date and the daily series."""

import datetime

import pytest

from cases import services
from cases.models import ConditionKind, ReleaseClaim, ReleaseClaimName
from cases.services import ConditionSpec
from lib.vocabulary import DatePrecision, PersonStatus
from registry.models import RecordState
from stats import queries
from tests import factories
from tests.stats.helpers import custody_on, release, series_by_day, statuses_on

pytestmark = pytest.mark.django_db

D = datetime.date
DETAINED, UNKNOWN = PersonStatus.DETAINED, PersonStatus.WHEREABOUTS_UNKNOWN


def facility_on(day: datetime.date) -> dict[str, int]:
    """Facility name (or the code of "whereabouts unknown" / "not recorded") -> people."""
    rows = queries.breakdowns_on(day)["facility"].rows
    return {row.label if row.key.isdigit() else row.key: row.count for row in rows}


def test_a_transfer_moves_the_person_on_the_day_of_the_transfer():
    helicoide = factories.facility(name="El Helicoide")
    rodeo = factories.facility(name="Rodeo I", state="miranda")
    detention = factories.detained(factories.published_person(), on=D(2025, 1, 1), place=helicoide)
    services.custody_transfer(detention=detention, facility=rodeo, on=D(2025, 3, 1))

    assert statuses_on(D(2024, 12, 31)) == {}
    assert facility_on(D(2025, 1, 1)) == {"El Helicoide": 1}
    assert facility_on(D(2025, 2, 28)) == {"El Helicoide": 1}
    assert facility_on(D(2025, 3, 1)) == {"Rodeo I": 1}
    assert statuses_on(D(2025, 3, 1), facility_id=helicoide.pk) == {}
    assert statuses_on(D(2025, 3, 1), facility_id=rodeo.pk) == {DETAINED: 1}
    assert statuses_on(D(2025, 2, 1), facility_id=helicoide.pk) == {DETAINED: 1}


def test_disappearance_then_location(refresh):
    rodeo = factories.facility(name="Rodeo I")
    person = factories.published_person()
    detention = services.detention_open(
        person=person, arrested_on=D(2025, 1, 1), whereabouts_unknown=True
    )
    services.custody_transfer(detention=detention, facility=rodeo, on=D(2025, 1, 20))
    services.custody_transfer(detention=detention, facility=None, on=D(2025, 4, 1))
    factories.approved(person)  # the series counts what the public sees

    assert statuses_on(D(2025, 1, 19)) == {UNKNOWN: 1}
    assert facility_on(D(2025, 1, 19)) == {"whereabouts_unknown": 1}
    assert statuses_on(D(2025, 1, 20)) == {DETAINED: 1}
    assert facility_on(D(2025, 1, 20)) == {"Rodeo I": 1}
    assert statuses_on(D(2025, 4, 1)) == {UNKNOWN: 1}
    refresh()
    # Disappeared or located, a person in custody is counted in the series all along.
    assert {v[0] for v in series_by_day(D(2025, 1, 1), D(2025, 5, 1)).values()} == {1}


def test_re_arrest_counts_again_as_an_arrest_and_in_custody_again(refresh):
    person = factories.published_person()
    first = factories.detained(person, on=D(2025, 1, 1))
    release(first, D(2025, 3, 1))
    factories.detained(person, on=D(2025, 5, 1))
    factories.approved(person)  # the series counts what the public sees

    assert statuses_on(D(2025, 2, 28)) == {DETAINED: 1}
    assert statuses_on(D(2025, 3, 1)) == {PersonStatus.RELEASED: 1}  # released on the 1st
    assert statuses_on(D(2025, 4, 30)) == {PersonStatus.RELEASED: 1}
    assert statuses_on(D(2025, 5, 1)) == {DETAINED: 1}
    refresh()
    days = series_by_day(D(2024, 12, 31), D(2025, 5, 2))
    assert days[D(2024, 12, 31)] == (0, 0, 0)
    assert days[D(2025, 1, 1)] == (1, 1, 0)
    assert days[D(2025, 2, 28)] == (1, 0, 0)
    assert days[D(2025, 3, 1)] == (0, 0, 1)
    assert days[D(2025, 4, 30)] == (0, 0, 0)
    assert days[D(2025, 5, 1)] == (1, 1, 0)


def test_release_with_conditions_counts_while_the_conditions_are_in_force():
    house = factories.published_person()
    release(
        factories.detained(house, on=D(2025, 1, 1)),
        D(2025, 3, 1),
        conditions=(
            ConditionSpec(
                ConditionKind.HOUSE_ARREST, starts_on=D(2025, 3, 1), ends_on=D(2025, 4, 30)
            ),
            ConditionSpec(
                ConditionKind.TRAVEL_BAN, starts_on=D(2025, 3, 1), ends_on=D(2025, 6, 30)
            ),
        ),
    )
    presented = factories.published_person()
    release(
        factories.detained(presented, on=D(2025, 1, 1)),
        D(2025, 3, 1),
        conditions=(
            ConditionSpec(
                ConditionKind.PERIODIC_PRESENTATION, starts_on=D(2025, 3, 1), interval_days=30
            ),
        ),
    )
    assert statuses_on(D(2025, 2, 1)) == {DETAINED: 2}
    assert statuses_on(D(2025, 4, 30)) == {
        PersonStatus.HOUSE_ARREST: 1,
        PersonStatus.RELEASED_CONDITIONAL: 1,
    }
    assert statuses_on(D(2025, 5, 1)) == {PersonStatus.RELEASED_CONDITIONAL: 2}
    assert statuses_on(D(2025, 6, 30)) == {PersonStatus.RELEASED_CONDITIONAL: 2}
    assert statuses_on(D(2025, 7, 1)) == {
        PersonStatus.RELEASED: 1,
        PersonStatus.RELEASED_CONDITIONAL: 1,
    }
    assert custody_on(D(2025, 4, 1)) == 0  # house arrest is never "in custody"


def test_an_unverified_release_is_a_claim_and_changes_no_figure(refresh):
    person = factories.published_person()
    release(factories.detained(person, on=D(2025, 1, 1)), D(2025, 3, 1), verified=False)
    factories.approved(person)  # the series counts what the public sees
    assert statuses_on(D(2025, 6, 1)) == {DETAINED: 1}
    refresh()
    days = series_by_day(D(2025, 3, 1), D(2025, 3, 1))
    assert days[D(2025, 3, 1)] == (1, 0, 0)


def test_death_in_custody():
    person = factories.published_person()
    detention = factories.detained(person, on=D(2025, 1, 1))
    services.detention_record_death(detention=detention, died_on=D(2025, 2, 10))
    assert statuses_on(D(2025, 2, 9)) == {DETAINED: 1}
    assert statuses_on(D(2025, 2, 10)) == {PersonStatus.DECEASED_IN_CUSTODY: 1}
    assert statuses_on(D(2026, 1, 1)) == {PersonStatus.DECEASED_IN_CUSTODY: 1}


def test_dates_known_to_the_month_or_year_count_from_the_first_day(refresh):
    month = factories.published_person()
    detention = services.detention_open(
        person=month,
        arrested_on=D(2025, 3, 17),
        arrested_on_precision=DatePrecision.MONTH,
        facility=factories.facility(),
    )
    release(detention, D(2025, 6, 20), precision=DatePrecision.MONTH)
    year = factories.published_person()
    services.detention_open(
        person=year,
        arrested_on=D(2024, 8, 9),
        arrested_on_precision=DatePrecision.YEAR,
        facility=factories.facility(),
    )
    for person in (month, year):
        factories.approved(person)  # the series counts what the public sees
    assert statuses_on(D(2023, 12, 31)) == {}
    assert statuses_on(D(2024, 1, 1)) == {DETAINED: 1}  # known to the year: from 1 January
    assert statuses_on(D(2025, 2, 28)) == {DETAINED: 1}
    assert statuses_on(D(2025, 3, 1)) == {DETAINED: 2}  # known to the month: from the 1st
    assert statuses_on(D(2025, 5, 31)) == {DETAINED: 2}
    assert statuses_on(D(2025, 6, 1)) == {DETAINED: 1, PersonStatus.RELEASED: 1}
    refresh()
    days = series_by_day(D(2024, 1, 1), D(2025, 6, 1))
    assert days[D(2024, 1, 1)] == (1, 1, 0)
    assert days[D(2025, 3, 1)] == (2, 1, 0)
    assert days[D(2025, 6, 1)] == (1, 0, 1)


def test_overlapping_episodes_count_the_person_once(refresh):
    """Released on 15 March; re-arrested "in March" (stored as 1 March): both episodes cover
    1-14 March, and the person is still one person in custody."""
    person = factories.published_person()
    release(factories.detained(person, on=D(2025, 1, 10)), D(2025, 3, 15))
    services.detention_open(
        person=person,
        arrested_on=D(2025, 3, 1),
        arrested_on_precision=DatePrecision.MONTH,
        facility=factories.facility(),
    )
    factories.approved(person)  # the series counts what the public sees
    assert custody_on(D(2025, 3, 5)) == 1
    assert custody_on(D(2025, 3, 20)) == 1
    refresh()
    days = series_by_day(D(2025, 2, 28), D(2025, 3, 20))
    assert {v[0] for v in days.values()} == {1}
    assert days[D(2025, 3, 1)] == (1, 1, 0)
    assert days[D(2025, 3, 15)] == (1, 0, 1)


def test_only_published_people_count(refresh, coordinador):
    published = factories.published_person()
    factories.detained(published, on=D(2025, 1, 1))
    factories.approved(published)
    factories.detained(factories.person(record_state=RecordState.DRAFT), on=D(2025, 1, 1))
    # Records taken down were public once: approved, then withdrawn by the workflow.
    for take_down in (services.person_unpublish, services.person_remove):
        gone = factories.published_person()
        factories.detained(gone, on=D(2025, 1, 1))
        factories.approved(gone)
        take_down(person=gone, by=coordinador.user, reason="Pedido de la familia")
    assert statuses_on(D(2025, 2, 1)) == {DETAINED: 1}
    refresh()
    assert series_by_day(D(2025, 1, 1), D(2025, 1, 1))[D(2025, 1, 1)] == (1, 1, 0)


def test_breakdowns_add_up_and_say_where_nobody_knows():
    caracas = factories.facility(name="Sede caraqueña", state="distrito_capital")
    miranda = factories.facility(name="Penal mirandino", state="miranda")
    day = D(2025, 2, 1)
    people = [
        factories.published_person(sex="female", categories=["military"], nationalities=["VE"]),
        factories.published_person(
            sex="male", categories=["student", "protester"], nationalities=["VE", "CO"]
        ),
        factories.published_person(sex="male", categories=[], nationalities=[]),
        factories.published_person(sex="female", categories=["journalist"], nationalities=["ES"]),
    ]
    factories.detained(people[0], on=D(2025, 1, 1), place=caracas)
    factories.detained(people[1], on=D(2025, 1, 1), place=miranda)
    services.detention_open(person=people[2], arrested_on=D(2025, 1, 1), whereabouts_unknown=True)
    services.detention_open(person=people[3], arrested_on=D(2025, 1, 1))  # no place recorded

    breakdowns = queries.breakdowns_on(day)
    counted = {name: {row.key: row.count for row in b.rows} for name, b in breakdowns.items()}
    assert counted["facility"] == {
        str(caracas.pk): 1,
        str(miranda.pk): 1,
        "whereabouts_unknown": 1,
        "not_recorded": 1,
    }
    assert counted["state"] == {
        "distrito_capital": 1,
        "miranda": 1,
        "whereabouts_unknown": 1,
        "not_recorded": 1,
    }
    assert counted["sex"] == {"female": 2, "male": 2}
    assert counted["service"] == {"military": 1, "civilian": 3}
    assert counted["nationality"] == {"venezuelan": 1, "foreign": 2, "not_recorded": 1}
    assert counted["country"] == {"CO": 1, "ES": 1}
    assert counted["category"] == {
        "military": 1,
        "student": 1,
        "protester": 1,
        "journalist": 1,
        "none": 1,
    }
    for name, breakdown in breakdowns.items():
        if breakdown.adds_up:
            assert breakdown.total == 4, name
    assert not breakdowns["category"].adds_up

    # The filters of the public list narrow every figure the same way.
    assert statuses_on(day, sex="female") == {DETAINED: 2}
    assert statuses_on(day, state="miranda") == {DETAINED: 1}
    assert statuses_on(day, category="student") == {DETAINED: 1}
    assert statuses_on(day, nationality="CO") == {DETAINED: 1}
    assert queries.breakdowns_on(day, queries.Filters(sex="male"))["facility"].total == 2


def test_claims_with_and_without_names_beside_verified_releases():
    released = []
    for day in (D(2026, 1, 3), D(2026, 1, 9), D(2025, 12, 1)):  # two in the window, one before
        person = factories.published_person()
        release(factories.detained(person, on=D(2025, 6, 1)), day)
        released.append(person)
    hidden = factories.person(record_state=RecordState.DRAFT)
    release(factories.detained(hidden, on=D(2025, 6, 1)), D(2026, 1, 8))  # not public

    unnamed = ReleaseClaim.objects.create(
        announced_on=D(2026, 1, 9), claimant="Vocero", claimed_count=116
    )
    named = ReleaseClaim.objects.create(
        announced_on=D(2026, 1, 20), claimant="Ministro", claimed_count=10, names_published=True
    )
    ReleaseClaimName.objects.create(
        claim=named,
        published_name="Uno",
        match_status="matched",
        person=released[0],
        verified_released=True,
    )
    ReleaseClaimName.objects.create(
        claim=named, published_name="Dos", match_status="matched", person=released[2]
    )
    ReleaseClaimName.objects.create(claim=named, published_name="Tres", match_status="unknown")
    ReleaseClaimName.objects.create(
        claim=named,
        published_name="Cuatro",
        match_status="matched",
        person=hidden,
        verified_released=True,
    )

    lines = queries.claims_ledger()
    assert [(line.claim, line.verified, line.gap, line.by_names) for line in lines] == [
        (unnamed, 2, 114, False),  # 3 and 9 January are in the 7 days up to the 9th
        (named, 1, 9, True),  # one named person matched and verified (and published)
    ]
    assert lines[0].window_starts_on == D(2026, 1, 3)
    cumulative = queries.claims_cumulative(lines, today=D(2026, 2, 1))
    assert [(c.day, c.claimed, c.verified, c.gap) for c in cumulative] == [
        (D(2026, 1, 9), 116, 2, 114),
        (D(2026, 1, 20), 126, 2, 124),
        (D(2026, 2, 1), 126, 2, 124),
    ]
    # A claim is never a release: nobody's status changed.
    assert statuses_on(D(2026, 1, 25)) == {PersonStatus.RELEASED: 3}


def test_coverage_compares_the_same_statuses_on_the_same_date():
    from stats.models import ExternalTotal

    for _ in range(3):
        factories.detained(factories.published_person(), on=D(2025, 1, 1))
    house = factories.published_person()
    release(
        factories.detained(house, on=D(2025, 1, 1)),
        D(2025, 2, 1),
        conditions=(ConditionSpec(ConditionKind.HOUSE_ARREST, starts_on=D(2025, 2, 1)),),
    )
    narrow = ExternalTotal.objects.create(
        organisation="ONG", counted_on=D(2025, 3, 1), count=10, definition="Presos políticos"
    )
    wide = ExternalTotal.objects.create(
        organisation="Otra ONG",
        counted_on=D(2025, 3, 1),
        count=8,
        statuses=["detained", "whereabouts_unknown", "house_arrest"],
        definition="Privados de libertad",
    )
    before = ExternalTotal.objects.create(
        organisation="ONG", counted_on=D(2024, 12, 1), count=2, definition="Presos políticos"
    )
    result = {
        item.total: (item.ours, item.share) for item in queries.coverage([narrow, wide, before])
    }
    assert result == {narrow: (3, 0.3), wide: (4, 0.5), before: (0, 0.0)}
