import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from cases.models import CustodyStay, Detention, Event, Release, ReleaseClaim, Source
from lib.vocabulary import PersonStatus
from registry.models import Person, RecordState

pytestmark = pytest.mark.django_db


def load_demo_data() -> str:
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


@pytest.fixture
def reference_data() -> None:
    call_command("load_reference_data", stdout=io.StringIO())


def row_counts() -> dict[str, int]:
    models = [Person, Detention, CustodyStay, Release, Event, Source, ReleaseClaim]
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.slow  # the whole demo data set
def test_the_demo_data_covers_every_status_rearrests_claims_and_a_hidden_minor(reference_data):
    output = load_demo_data()

    people = Person.objects.all()
    assert people.count() >= 40
    assert set(people.status_counts()) == set(PersonStatus.values)
    assert f"{people.count()} people" in output
    assert all(p.public_summary_es.startswith("Persona ficticia de demostración.") for p in people)
    assert all(p.public_summary_en.startswith("Fictional demo person.") for p in people)

    assert people.annotate(episodes=Count("detentions")).filter(episodes__gte=2).exists()

    minors = people.filter(minor_at_detention=True)
    assert minors.exists()
    assert not minors.filter(record_state=RecordState.PUBLISHED).exists()
    assert not people.published().filter(reported_as_minor=True).exists()

    # Officials' claim of 116 releases: a release that is not verified changes no status.
    assert ReleaseClaim.objects.get().claimed_count == 116
    claimed = Release.objects.filter(verified=False)
    assert claimed.exists()
    for release in claimed:
        assert release.detention.ended_on is None
        assert release.detention.person.current_status == PersonStatus.DETAINED


@pytest.mark.slow  # the whole demo data set, twice
def test_running_twice_changes_nothing(reference_data):
    load_demo_data()
    before = row_counts()
    statuses = Person.objects.status_counts()

    output = load_demo_data()

    assert row_counts() == before
    assert Person.objects.status_counts() == statuses
    assert "already loaded" in output


def test_without_reference_data_it_asks_for_it():
    with pytest.raises(CommandError, match="load_reference_data"):
        load_demo_data()
    assert not Person.objects.exists()
