"""Sensitive fields are encrypted at rest; the cédula is found by keyed hash only."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from cases.models import Detention, Event, ReleaseClaim, ReleaseClaimName, Source
from lib.national_id import national_id_hash, normalise_national_id
from registry.models import Person
from tests import factories

pytestmark = pytest.mark.django_db

CANARY = "CANARIO-PRIVADO-7731"


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_private_person_fields_are_not_stored_in_plain_text():
    person = factories.person(
        national_id="V-12.345.678",
        private_notes=f"nota {CANARY}",
        family_contacts=f"madre {CANARY} +58 412 0000000",
    )
    for column in ("national_id", "private_notes", "family_contacts"):
        stored = raw_column("registry_person", column, person.pk)
        assert stored and CANARY not in stored and "12345678" not in stored
    person.refresh_from_db()
    assert person.national_id == "V-12345678"
    assert CANARY in person.private_notes and CANARY in person.family_contacts


def test_private_case_fields_are_not_stored_in_plain_text():
    person = factories.person()
    detention = Detention.objects.create(
        person=person, arrested_on=datetime.date(2025, 1, 1), private_notes=CANARY
    )
    event = Event.objects.create(
        person=person,
        occurred_on=datetime.date(2025, 1, 2),
        kind="hearing",
        private_description=CANARY,
    )
    source = Source.objects.create(kind="lawyer", title="Abogado", confidential_details=CANARY)
    claim = ReleaseClaim.objects.create(
        announced_on=datetime.date(2026, 1, 9), claimant="X", claimed_count=3
    )
    name = ReleaseClaimName.objects.create(claim=claim, published_name="N", national_id="9876543")
    for table, column, pk in (
        ("cases_detention", "private_notes", detention.pk),
        ("cases_event", "private_description", event.pk),
        ("cases_source", "confidential_details", source.pk),
        ("cases_releaseclaimname", "national_id", name.pk),
    ):
        stored = raw_column(table, column, pk)
        assert stored and CANARY not in stored and "9876543" not in stored


@pytest.mark.parametrize(
    "typed", ["V-12.345.678", "12345678", "v12345678", " 12.345.678 ", "E-12345678", "V 12 345 678"]
)
def test_national_id_lookup_finds_exactly_one_person_whatever_the_form(typed):
    wanted = factories.person(national_id="V-12.345.678")
    factories.person(national_id="V-12.345.679")
    factories.person()
    assert list(Person.objects.with_national_id(typed)) == [wanted]


@pytest.mark.parametrize("typed", ["", "abc", "V-12", "123", "1234567890123", "'; DROP TABLE x"])
def test_malformed_national_ids_match_nobody_and_are_refused_on_entry(typed):
    factories.person(national_id="V-12.345.678")
    assert not Person.objects.with_national_id(typed).exists()
    with pytest.raises(ValidationError):
        normalise_national_id(typed)


def test_the_hash_is_keyed(settings):
    digest = national_id_hash("12345678")
    settings.NATIONAL_ID_HASH_KEY = "another-key"
    assert national_id_hash("12345678") != digest
    assert len(digest) == 64


def test_public_ids_are_random_not_sequential():
    ids = {factories.person().public_id for _ in range(20)}
    assert len(ids) == 20
    assert all(len(public_id) == 10 and not public_id.isdigit() for public_id in ids)
