"""Each invariant is held by PostgreSQL itself: writes that bypass validation are refused."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from cases import services
from cases.models import (
    Charge,
    CustodyStay,
    Detention,
    DetentionCharge,
    Event,
    Release,
    ReleaseClaim,
    ReleaseClaimName,
    ReleaseCondition,
    Source,
)
from facilities.models import Facility
from registry.models import Person
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


def refused(queryset, **changes) -> bool:
    try:
        with transaction.atomic():
            queryset.update(**changes)
    except IntegrityError:
        return True
    return False


@pytest.fixture
def case():
    """A person with a released episode (stays, charge, conditions) and an open one."""
    person = factories.person()
    first = factories.detained(person, on=D(2024, 1, 10))
    first.detention_charges.create(
        charge=Charge.objects.create(name="Conspiración", law="CP", article="132")
    )
    release = services.release_record(
        detention=first,
        released_on=D(2024, 6, 1),
        kind="precautionary_measures",
        conditions=(
            services.ConditionSpec(
                kind="periodic_presentation", interval_days=30, starts_on=D(2024, 6, 1)
            ),
        ),
    )
    services.release_verify(release=release, by=factories.verifier())
    second = factories.detained(person, on=D(2025, 2, 1))
    services.custody_transfer(detention=second, facility=factories.facility(), on=D(2025, 3, 1))
    return {"person": person, "first": first, "second": second, "release": release}


@pytest.mark.parametrize(
    ("model", "changes"),
    [
        (Person, {"sex": "alien"}),
        (Person, {"record_state": "secret"}),
        (Person, {"consent_basis": "maybe"}),
        (Person, {"verification_level": "rumour"}),
        (Person, {"current_status": "free"}),
        (Person, {"categories": ["spy"]}),
        (Person, {"birth_year": 1850}),
        (Person, {"birth_date": D(1990, 5, 5), "birth_year": 1991}),
        (Person, {"consent_recorded_on": D(2025, 1, 1)}),
        (Person, {"record_state": "published"}),  # not verified, no consent
        (Detention, {"arrested_on_precision": "week"}),
        (Detention, {"arrested_on": D(2024, 1, 10), "arrested_on_precision": "month"}),
        (Detention, {"arrested_on": D(2024, 2, 1), "arrested_on_precision": "year"}),
        (Detention, {"arresting_agency": "nsa"}),
        (Detention, {"arrest_state": "texas"}),
        (Detention, {"legal_stage": "limbo"}),
        (Detention, {"end_reason": "escaped"}),
        (Detention, {"ended_on": D(2020, 1, 1), "end_reason": "other"}),  # ends before arrest
        (Detention, {"ended_on": D(2026, 1, 1)}),  # end date without a reason
        (CustodyStay, {"ended_on": D(2000, 1, 1)}),  # ends before start
        (Release, {"kind": "escape"}),
        (Release, {"verified_at": None}),
        (ReleaseCondition, {"kind": "curfew"}),
        (ReleaseCondition, {"interval_days": None}),
        (ReleaseCondition, {"ends_on": D(2000, 1, 1)}),
        (DetentionCharge, {"charged_on": D(2024, 3, 3), "charged_on_precision": "year"}),
    ],
)
def test_check_constraints_refuse_bad_values(case, model, changes):
    assert refused(model.objects.all(), **changes)


def test_published_requires_verification_and_consent_and_an_adult():
    person = factories.published_person()
    assert refused(Person.objects.filter(pk=person.pk), verification_level="corroborated")
    assert refused(Person.objects.filter(pk=person.pk), consent_basis="none")
    assert refused(Person.objects.filter(pk=person.pk), reported_as_minor=True)
    assert refused(Person.objects.filter(pk=person.pk), minor_at_detention=True)
    assert not refused(Person.objects.filter(pk=person.pk), record_state="unpublished")


def test_a_person_has_at_most_one_open_detention(case):
    with pytest.raises(IntegrityError), transaction.atomic():
        Detention.objects.create(person=case["person"], arrested_on=D(2025, 5, 5))
    assert refused(Detention.objects.filter(pk=case["first"].pk), ended_on=None, end_reason="")


def test_stays_of_one_detention_cannot_overlap(case):
    second = case["second"]
    with pytest.raises(IntegrityError), transaction.atomic():
        CustodyStay.objects.create(
            detention=second, started_on=D(2025, 2, 15), ended_on=D(2025, 2, 20)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CustodyStay.objects.create(detention=second, started_on=D(2025, 4, 1))
    # Back to back is not an overlap: a transfer ends one stay the day the next begins.
    first_stay = second.stays.order_by("started_on").first()
    assert first_stay.ended_on == D(2025, 3, 1)
    # Stays of another detention may cover the same dates.
    other = factories.detained(factories.person(), on=D(2025, 2, 1))
    assert other.stays.get().started_on == D(2025, 2, 1)


def test_other_enumerations_and_uniques():
    facility = factories.facility()
    for changes in (
        {"kind": "castle"},
        {"operator": "nsa"},
        {"state": "texas"},
        {"operating_status": "haunted"},
        {"latitude": 95, "longitude": 10},
        {"latitude": 10},
        {"operating_status": "closed"},
        {"closure_announced_on": D(2026, 1, 30), "closed_on": D(2026, 1, 1)},
    ):
        assert refused(Facility.objects.filter(pk=facility.pk), **changes), changes

    source = Source.objects.create(kind="press", title="Nota")
    assert refused(Source.objects.filter(pk=source.pk), kind="gossip")

    person = factories.person()
    event = Event.objects.create(person=person, occurred_on=D(2025, 1, 1), kind="hearing")
    assert refused(Event.objects.filter(pk=event.pk), kind="party")

    claim = ReleaseClaim.objects.create(announced_on=D(2026, 1, 9), claimant="X", claimed_count=10)
    assert refused(ReleaseClaim.objects.filter(pk=claim.pk), claimed_count=0)
    name = ReleaseClaimName.objects.create(claim=claim, published_name="Fulano")
    assert refused(ReleaseClaimName.objects.filter(pk=name.pk), match_status="matched")
    assert refused(ReleaseClaimName.objects.filter(pk=name.pk), match_status="guess")
    name.person = person
    name.save()
    assert refused(ReleaseClaimName.objects.filter(pk=name.pk), match_status="unknown")

    Charge.objects.create(name="Rebelión", law="CP", article="143")
    with pytest.raises(IntegrityError), transaction.atomic():
        Charge.objects.create(name="Rebelión", law="CP", article="143")
