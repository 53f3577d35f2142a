"""Small builders for test data: explicit keyword arguments, sensible defaults."""

import datetime
import itertools

from cases import services
from cases.models import Detention
from facilities.models import Facility, FacilityKind
from lib.vocabulary import VerificationLevel
from registry.models import ConsentBasis, Person, RecordState

_counter = itertools.count(1)


def facility(**fields) -> Facility:
    number = next(_counter)
    values = {
        "name": f"Centro de prueba {number}",
        "slug": f"centro-de-prueba-{number}",
        "kind": FacilityKind.PRISON,
        "state": "miranda",
    }
    values.update(fields)
    return Facility.objects.create(**values)


def person(**fields) -> Person:
    values = {"given_names": "María José", "first_surname": "Pérez", "second_surname": "Rondón"}
    values.update(fields)
    return Person.objects.create(**values)


def published_person(**fields) -> Person:
    values = {
        "record_state": RecordState.PUBLISHED,
        "verification_level": VerificationLevel.VERIFIED,
        "consent_basis": ConsentBasis.FAMILY,
    }
    values.update(fields)
    return person(**values)


def detained(
    who: Person, *, on: datetime.date = datetime.date(2025, 1, 10), place: Facility | None = None
) -> Detention:
    return services.detention_open(person=who, arrested_on=on, facility=place or facility())


def approved(who: Person) -> Person:
    """The person's working data approved by a second person: what the public now sees
    (cases/projection.py). Tests of public surfaces build the case, then call this."""
    services.approve_version(person=who, by=None)
    who.refresh_from_db()
    return who
