"""Small builders for test data: explicit keyword arguments, sensible defaults."""

import contextlib
import datetime
import itertools

from django.contrib.auth import get_user_model

from cases import services
from cases.models import Detention
from facilities.models import Facility, FacilityKind
from lib.audit import audit_context
from lib.roles import VERIFICADOR
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


@contextlib.contextmanager
def as_user(user):
    """Writes inside are audited as `user`'s, as those of a request of theirs are (pghistory's
    middleware): the two-person rule reads who changed what from the audit trail."""
    with audit_context(user=user.pk):
        yield


def person(**fields) -> Person:
    """A record; with `created_by`, written (and audited) as that user's."""
    values = {"given_names": "María José", "first_surname": "Pérez", "second_surname": "Rondón"}
    values.update(fields)
    if values.get("created_by") is None:
        return Person.objects.create(**values)
    with as_user(values["created_by"]):
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
    services.approve_version(person=who, approved_by=None)
    who.refresh_from_db()
    return who


def verifier():
    """A verificadora who wrote nothing, for tests about something other than who verifies:
    she may verify any release (cases.services.release_verify) or record."""
    from tests.conftest import make_staff

    user = get_user_model().objects.filter(username="verificadora-de-pruebas").first()
    return user or make_staff("verificadora-de-pruebas", VERIFICADOR, second_factor=False)
