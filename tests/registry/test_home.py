"""The placeholder home page: headline counts from published records only."""

import datetime

import pytest
from django.urls import reverse

from cases import services
from cases.models import ConditionKind, ReleaseKind
from registry.models import RecordState
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


def figures(response) -> dict[str, int]:
    return {item["status"]: item["count"] for item in response.context["headline_counts"]}


def test_home_counts_published_people_by_status_and_says_what_it_counts(client):
    detained = [factories.published_person() for _ in range(3)]
    for person in detained:
        factories.detained(person)
    disappeared = factories.published_person()
    services.detention_open(person=disappeared, arrested_on=D(2025, 1, 1), whereabouts_unknown=True)
    conditional = factories.published_person()
    release = services.release_record(
        detention=factories.detained(conditional),
        released_on=D(2025, 6, 1),
        kind=ReleaseKind.PRECAUTIONARY_MEASURES,
        conditions=(
            services.ConditionSpec(kind=ConditionKind.TRAVEL_BAN, starts_on=D(2025, 6, 1)),
        ),
    )
    services.release_verify(release=release, by=factories.verifier())
    for person in (*detained, disappeared, conditional):
        factories.approved(person)
    # Unpublished records never count on a public page.
    for state in (RecordState.DRAFT, RecordState.SUBMITTED, RecordState.REMOVED):
        factories.detained(factories.person(record_state=state, given_names="CANARIO-OCULTO"))

    response = client.get(reverse("public:home"))
    assert response.status_code == 200
    assert figures(response) == {
        "detained": 3,
        "whereabouts_unknown": 1,
        "released_conditional": 1,
    }
    page = response.content.decode()
    assert "CANARIO-OCULTO" not in page
    assert "detenidas, paradero desconocido" in page
    assert "excarceladas con medidas cautelares" in page


def test_home_is_in_english_under_the_english_prefix(client):
    response = client.get("/en/")
    assert response.status_code == 200
    assert "detained, whereabouts unknown" in response.content.decode()
    assert 'lang="en"' in response.content.decode()
