"""The synthetic-data generator derives statuses by the status rules, as the services do."""

import io

import pytest
from django.core.management import call_command

from cases import services
from cases.status import DERIVED_FIELDS
from registry.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def derived(people) -> dict[int, tuple]:
    return {pk: tuple(values) for pk, *values in people.values_list("pk", *DERIVED_FIELDS)}


def test_generated_people_have_the_statuses_person_refresh_status_derives():
    call_command("generate_people", count=400, no_vacuum=True, stdout=io.StringIO())
    people = Person.objects.filter(public_id__startswith="syn")
    generated = derived(people)
    assert len(generated) == 400
    assert len({values[0] for values in generated.values()}) >= 4  # a mix of statuses

    for person in people:
        services.person_refresh_status(person=person)
    assert derived(people) == generated
