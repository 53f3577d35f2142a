"""A person's status is derived from their detention episodes (DESIGN §2), never typed."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.models import ConditionKind, ReleaseClaim, ReleaseKind
from cases.services import ConditionSpec
from lib.vocabulary import DatePrecision, PersonStatus
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


def refreshed(person):
    person.refresh_from_db()
    return person


def test_a_person_without_detentions_has_no_status():
    person = factories.person()
    assert services.person_refresh_status(person=person).current_status == ""


def test_arrest_into_a_known_facility_is_detained_there_since_the_arrest():
    helicoide = factories.facility(name="El Helicoide de prueba")
    person = factories.person()
    services.detention_open(person=person, arrested_on=D(2025, 3, 4), facility=helicoide)
    person = refreshed(person)
    assert person.current_status == PersonStatus.DETAINED
    assert person.current_facility == helicoide
    assert person.detained_since == D(2025, 3, 4)


def test_arrest_with_unacknowledged_whereabouts_then_located():
    person = factories.person()
    detention = services.detention_open(
        person=person, arrested_on=D(2025, 3, 4), whereabouts_unknown=True
    )
    assert refreshed(person).current_status == PersonStatus.WHEREABOUTS_UNKNOWN
    assert refreshed(person).current_facility is None

    rodeo = factories.facility(name="Rodeo de prueba")
    services.custody_transfer(detention=detention, facility=rodeo, on=D(2025, 3, 20))
    person = refreshed(person)
    assert person.current_status == PersonStatus.DETAINED
    assert person.current_facility == rodeo
    assert person.detained_since == D(2025, 3, 4)


def test_transfer_between_facilities_moves_the_current_facility_and_closes_the_stay():
    first, second = factories.facility(), factories.facility()
    person = factories.person()
    detention = factories.detained(person, on=D(2025, 1, 1), place=first)
    services.custody_transfer(detention=detention, facility=second, on=D(2025, 6, 1))
    person = refreshed(person)
    assert person.current_facility == second
    stays = list(detention.stays.order_by("started_on"))
    assert [(s.facility, s.started_on, s.ended_on) for s in stays] == [
        (first, D(2025, 1, 1), D(2025, 6, 1)),
        (second, D(2025, 6, 1), None),
    ]


def test_disappearance_during_detention_makes_whereabouts_unknown():
    person = factories.person()
    detention = factories.detained(person, on=D(2025, 1, 1))
    services.custody_transfer(detention=detention, facility=None, on=D(2025, 2, 1))
    person = refreshed(person)
    assert person.current_status == PersonStatus.WHEREABOUTS_UNKNOWN
    assert person.current_facility is None


def test_a_reported_release_is_a_claim_and_changes_nothing_until_verified():
    person = factories.person()
    detention = factories.detained(person, on=D(2025, 1, 1))
    release = services.release_record(
        detention=detention, released_on=D(2025, 8, 1), kind=ReleaseKind.UNCONDITIONAL
    )
    assert refreshed(person).current_status == PersonStatus.DETAINED
    detention.refresh_from_db()
    assert detention.is_open

    services.release_verify(release=release, by=factories.verifier())
    person = refreshed(person)
    assert person.current_status == PersonStatus.RELEASED
    assert person.current_facility is None
    assert person.detained_since is None
    detention.refresh_from_db()
    assert (detention.ended_on, detention.end_reason) == (D(2025, 8, 1), "released")
    assert not detention.stays.filter(ended_on__isnull=True).exists()


def test_an_official_release_claim_naming_nobody_leaves_status_unchanged():
    person = factories.person()
    factories.detained(person, on=D(2025, 1, 1))
    ReleaseClaim.objects.create(
        announced_on=D(2026, 1, 10), claimant="Ministro de prueba", claimed_count=116
    )
    person.release_claim_names.create(
        claim=ReleaseClaim.objects.get(), published_name=person.name, match_status="matched"
    )
    assert services.person_refresh_status(person=person).current_status == PersonStatus.DETAINED


def _released_with(person, *conditions: ConditionSpec):
    detention = factories.detained(person, on=D(2025, 1, 1))
    release = services.release_record(
        detention=detention,
        released_on=D(2025, 8, 1),
        kind=ReleaseKind.PRECAUTIONARY_MEASURES,
        conditions=conditions,
    )
    services.release_verify(release=release, by=factories.verifier())
    return detention


def test_release_with_conditions_in_force_is_conditional_until_they_end():
    person = factories.person()
    _released_with(
        person,
        ConditionSpec(
            kind=ConditionKind.PERIODIC_PRESENTATION,
            interval_days=30,
            court="Tribunal 1° de Control",
            starts_on=D(2025, 8, 1),
            ends_on=D(2025, 12, 31),
        ),
        ConditionSpec(
            kind=ConditionKind.TRAVEL_BAN, starts_on=D(2025, 8, 1), ends_on=D(2025, 12, 31)
        ),
    )
    status_on = lambda day: services.person_refresh_status(person=person, today=day).current_status  # noqa: E731
    assert status_on(D(2025, 9, 1)) == PersonStatus.RELEASED_CONDITIONAL
    assert status_on(D(2025, 12, 31)) == PersonStatus.RELEASED_CONDITIONAL
    assert status_on(D(2026, 1, 1)) == PersonStatus.RELEASED


def test_the_daily_refresh_catches_conditions_that_lapsed_and_is_idempotent():
    person = factories.person()
    _released_with(
        person,
        ConditionSpec(
            kind=ConditionKind.GAG_ORDER, starts_on=D(2025, 8, 1), ends_on=D(2025, 9, 30)
        ),
    )
    services.person_refresh_status(person=person, today=D(2025, 9, 1))
    assert refreshed(person).current_status == PersonStatus.RELEASED_CONDITIONAL

    assert services.refresh_statuses_with_lapsed_conditions(today=D(2025, 10, 1)) == 1
    assert refreshed(person).current_status == PersonStatus.RELEASED
    assert services.refresh_statuses_with_lapsed_conditions(today=D(2025, 10, 1)) == 0


def test_a_transfer_recorded_ahead_of_its_date_moves_the_person_when_the_date_comes():
    first, second = factories.facility(), factories.facility()
    person = factories.person()
    detention = factories.detained(person, on=D(2025, 1, 1), place=first)
    services.custody_transfer(detention=detention, facility=second, on=D(2025, 6, 10))
    services.person_refresh_status(person=person, today=D(2025, 6, 1))
    assert refreshed(person).current_facility == first  # not there yet

    assert services.refresh_statuses_with_lapsed_conditions(today=D(2025, 6, 12)) == 0
    assert refreshed(person).current_facility == second  # same status, new place
    # Outside the catch-up window nothing is looked at again.
    services.person_refresh_status(person=person, today=D(2025, 6, 1))
    services.refresh_statuses_with_lapsed_conditions(today=D(2025, 7, 1))
    assert refreshed(person).current_facility == first


def test_house_arrest_condition_gives_house_arrest_status():
    person = factories.person()
    _released_with(
        person,
        ConditionSpec(kind=ConditionKind.HOUSE_ARREST, starts_on=D(2025, 8, 1)),
        ConditionSpec(kind=ConditionKind.TRAVEL_BAN, starts_on=D(2025, 8, 1)),
    )
    assert refreshed(person).current_status == PersonStatus.HOUSE_ARREST


def test_re_arrest_after_release_opens_a_new_episode_and_detains_again():
    person = factories.person()
    first = _released_with(person)
    assert refreshed(person).current_status == PersonStatus.RELEASED
    place = factories.facility()
    services.detention_open(person=person, arrested_on=D(2026, 2, 3), facility=place)
    person = refreshed(person)
    assert person.current_status == PersonStatus.DETAINED
    assert person.current_facility == place
    assert person.detained_since == D(2026, 2, 3)
    assert person.detentions.count() == 2
    first.refresh_from_db()
    assert not first.is_open


def test_death_in_custody():
    person = factories.person()
    detention = factories.detained(person, on=D(2025, 1, 1))
    services.detention_record_death(detention=detention, died_on=D(2025, 5, 5))
    person = refreshed(person)
    assert person.current_status == PersonStatus.DECEASED_IN_CUSTODY
    assert person.current_facility is None


def test_withdrawing_verification_reopens_the_detention():
    person = factories.person()
    detention = _released_with(person)
    release = detention.release
    release.verified = False
    release.verified_at = None
    release.save()
    services.person_refresh_status(person=person)
    detention.refresh_from_db()
    assert detention.is_open
    assert refreshed(person).current_status == PersonStatus.DETAINED


def test_minor_at_detention_is_derived_from_birth_date_or_year():
    child = factories.person(birth_date=D(2009, 6, 1))
    factories.detained(child, on=D(2025, 5, 31))
    assert refreshed(child).minor_at_detention

    adult = factories.person(birth_date=D(2007, 5, 31))
    factories.detained(adult, on=D(2025, 5, 31))
    assert not refreshed(adult).minor_at_detention

    # Only the year known: if the person could have been under 18, they are treated as a minor.
    maybe_minor = factories.person(birth_year=2007)
    factories.detained(maybe_minor, on=D(2025, 3, 1))
    assert refreshed(maybe_minor).minor_at_detention


def test_month_precision_dates_are_stored_in_normal_form():
    person = factories.person()
    detention = services.detention_open(
        person=person,
        arrested_on=D(2024, 8, 17),
        arrested_on_precision=DatePrecision.MONTH,
        whereabouts_unknown=True,
    )
    detention.refresh_from_db()
    assert detention.arrested_on == D(2024, 8, 1)
    assert refreshed(person).detained_since_precision == DatePrecision.MONTH


def test_the_beat_task_refreshes_statuses_through_celery():
    from cases.tasks import refresh_statuses_with_lapsed_conditions

    person = factories.person()
    _released_with(
        person,
        ConditionSpec(
            kind=ConditionKind.TRAVEL_BAN, starts_on=D(2025, 8, 1), ends_on=D(2025, 8, 31)
        ),
    )
    services.person_refresh_status(person=person, today=D(2025, 8, 15))
    assert refreshed(person).current_status == PersonStatus.RELEASED_CONDITIONAL
    # Eager in tests (no broker configured): the task runs the real service in-process, today.
    assert refresh_statuses_with_lapsed_conditions.delay().get() == 1
    assert refreshed(person).current_status == PersonStatus.RELEASED


def test_month_precision_release_after_a_transfer_in_the_same_month():
    person = factories.person()
    detention = factories.detained(person, on=D(2025, 1, 1))
    services.custody_transfer(detention=detention, facility=factories.facility(), on=D(2025, 7, 20))
    release = services.release_record(
        detention=detention,
        released_on=D(2025, 7, 25),
        released_on_precision=DatePrecision.MONTH,
        kind=ReleaseKind.UNCONDITIONAL,
    )
    services.release_verify(release=release, by=factories.verifier())
    assert refreshed(person).current_status == PersonStatus.RELEASED
    last = detention.stays.order_by("started_on").last()
    assert (last.started_on, last.ended_on) == (D(2025, 7, 20), D(2025, 7, 20))


def test_death_with_month_precision_closes_the_stays_in_normal_form():
    person = factories.person()
    detention = factories.detained(person, on=D(2025, 1, 10))
    services.detention_record_death(
        detention=detention, died_on=D(2025, 4, 17), precision=DatePrecision.MONTH
    )
    stay = detention.stays.get()
    assert (stay.ended_on, stay.ended_on_precision) == (D(2025, 4, 1), DatePrecision.MONTH)
    assert refreshed(person).current_status == PersonStatus.DECEASED_IN_CUSTODY


def test_a_transfer_before_the_current_stay_is_a_clear_error():
    person = factories.person()
    detention = factories.detained(person, on=D(2025, 3, 15))
    with pytest.raises(ValidationError):
        services.custody_transfer(
            detention=detention,
            facility=factories.facility(),
            on=D(2025, 3, 20),
            precision=DatePrecision.MONTH,
        )
    assert detention.stays.count() == 1


def test_a_death_in_custody_cannot_be_followed_by_a_release():
    person = factories.person()
    detention = factories.detained(person, on=D(2025, 1, 1))
    services.detention_record_death(detention=detention, died_on=D(2025, 5, 5))
    with pytest.raises(ValidationError):
        services.release_record(
            detention=detention, released_on=D(2025, 6, 1), kind=ReleaseKind.UNCONDITIONAL
        )
    assert refreshed(person).current_status == PersonStatus.DECEASED_IN_CUSTODY


def test_an_arrest_revealing_a_published_minor_is_refused_and_writes_nothing():
    person = factories.published_person(birth_date=D(2010, 1, 1))
    with pytest.raises(ValidationError):
        services.detention_open(person=person, arrested_on=D(2025, 1, 1), whereabouts_unknown=True)
    assert not person.detentions.exists()
    assert refreshed(person).is_published
