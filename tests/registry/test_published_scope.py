"""The published scope is defined once: `Person.objects.published()` and its SQL twin
`published_sql`, which the statistics' raw SQL uses, select the same people."""

import pytest
from django.db import connection

from lib.vocabulary import VerificationLevel
from registry.models import ConsentBasis, Person, RecordState, published_sql
from tests import factories

pytestmark = pytest.mark.django_db


def test_published_sql_selects_the_people_published_selects():
    for state in RecordState.values:
        if state != RecordState.PUBLISHED:  # not publishable: neither verified nor consented
            factories.person(record_state=state)
        # And in every state a record that could be published, so that only the state decides.
        factories.person(
            record_state=state,
            verification_level=VerificationLevel.VERIFIED,
            consent_basis=ConsentBasis.PERSON,
        )
    factories.person(verification_level=VerificationLevel.VERIFIED, reported_as_minor=True)
    assert set(Person.objects.values_list("record_state", flat=True)) == set(RecordState.values)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT p.id FROM registry_person p WHERE {published_sql('p')}")  # noqa: S608
        in_sql = {row[0] for row in cursor.fetchall()}
    published = set(Person.objects.published().values_list("pk", flat=True))
    assert in_sql == published
    assert len(published) == 1 and len(in_sql) < Person.objects.count()
