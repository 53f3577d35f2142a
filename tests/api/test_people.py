"""The people endpoints: published only, filters, search, ordering, pagination, tiers."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Charge, ConditionKind, DetentionCharge, Event, ReleaseKind, Source
from registry.models import Person, RecordState
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date
LIST = reverse("api:person-list")


def detail_url(person) -> str:
    return reverse("api:person-detail", args=[person.public_id])


@pytest.fixture
def people():
    helicoide = factories.facility(
        name="El Helicoide", slug="el-helicoide", state="distrito_capital"
    )
    rodeo = factories.facility(name="Rodeo I", slug="rodeo-i", state="miranda")
    jesus = factories.published_person(
        given_names="Jesús",
        first_surname="Armas",
        second_surname="Guanipa",
        categories=["politician"],
        sex="male",
        nationalities=["VE"],
    )
    services.detention_open(person=jesus, arrested_on=D(2024, 12, 10), facility=helicoide)
    rocio = factories.published_person(
        given_names="Rocío",
        first_surname="San Miguel",
        second_surname="",
        categories=["defender"],
        sex="female",
        nationalities=["VE", "ES"],
    )
    services.detention_open(
        person=rocio, arrested_on=D(2024, 2, 1), arrested_on_precision="month", facility=rodeo
    )
    perkins = factories.published_person(
        given_names="Perkins", first_surname="Rocha", second_surname="Contreras"
    )
    services.detention_open(person=perkins, arrested_on=D(2024, 8, 13), whereabouts_unknown=True)
    released = factories.published_person(given_names="Ana", first_surname="Zambrano")
    episode = services.detention_open(person=released, arrested_on=D(2023, 5, 1), facility=rodeo)
    release = services.release_record(
        detention=episode,
        released_on=D(2025, 1, 8),
        kind=ReleaseKind.PRECAUTIONARY_MEASURES,
        conditions=(
            services.ConditionSpec(
                kind=ConditionKind.PERIODIC_PRESENTATION,
                starts_on=D(2025, 1, 8),
                interval_days=30,
                court="Tribunal 1 de Control",
            ),
        ),
    )
    services.release_verify(release=release, by=factories.verifier())
    hidden = factories.person(given_names="Jesús", first_surname="Armas", second_surname="Oculto")
    services.detention_open(person=hidden, arrested_on=D(2024, 12, 10), facility=helicoide)
    for person in (jesus, rocio, perkins, released):
        factories.approved(person)
    hidden.refresh_from_db()
    return {
        "jesus": jesus,
        "rocio": rocio,
        "perkins": perkins,
        "released": released,
        "hidden": hidden,
        "helicoide": helicoide,
        "rodeo": rodeo,
    }


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["public_id"] for item in response.json()["results"]]


def test_list_shows_published_people_only_in_name_order(api_anonymous, people):
    response = api_anonymous.get(LIST)
    assert response.json()["count"] == 4
    assert ids(response) == [
        people[name].public_id for name in ("jesus", "perkins", "rocio", "released")
    ]


def test_an_unpublished_person_is_404_and_never_listed(api_anonymous, partner, people):
    hidden = people["hidden"]
    for client in (api_anonymous, partner):
        assert client.get(detail_url(hidden)).status_code == 404
        assert hidden.public_id not in ids(client.get(LIST, {"q": "jesus armas"}))
        assert hidden.public_id not in ids(client.get(LIST, {"page_size": 500}))


def test_a_taken_down_person_disappears_at_once(api_anonymous, coordinador, people):
    jesus = people["jesus"]
    assert api_anonymous.get(detail_url(jesus)).status_code == 200
    services.person_remove(person=jesus, by=coordinador.user, reason="Pedido de la familia")
    assert Person.objects.get(pk=jesus.pk).record_state == RecordState.REMOVED
    assert api_anonymous.get(detail_url(jesus)).status_code == 404
    assert jesus.public_id not in ids(api_anonymous.get(LIST))


def test_list_items_carry_the_public_summary_of_each_person(api_anonymous, people):
    item = api_anonymous.get(LIST, {"q": "rocio san miguel"}).json()["results"][0]
    rocio = people["rocio"]
    assert item["public_id"] == rocio.public_id
    assert item["name"] == "Rocío San Miguel"
    assert item["status"] == "detained"
    assert item["current_facility"] == {"slug": "rodeo-i", "name": "Rodeo I", "state": "miranda"}
    assert item["detained_since"] == "2024-02"  # known to the month only
    assert item["categories"] == ["defender"]
    assert item["verification_level"] == "verified"
    assert item["url"] == "http://testserver" + detail_url(rocio)
    # The canonical (Spanish) address, whatever language the caller asked for.
    assert item["profile_url"] == f"http://testserver/personas/{rocio.public_id}/{rocio.slug}/"
    assert "sex" not in item and "nationalities" not in item and "created_at" not in item


def test_partner_tier_adds_its_fields_and_nothing_else(api_anonymous, partner, people):
    public = api_anonymous.get(LIST, {"q": "rocio san miguel"}).json()["results"][0]
    extra = partner.get(LIST, {"q": "rocio san miguel"}).json()["results"][0]
    assert set(extra) - set(public) == {
        "sex",
        "nationalities",
        "detained_since_precision",
        "created_at",
    }
    assert extra["sex"] == "female"
    assert extra["nationalities"] == ["VE", "ES"]
    assert extra["detained_since_precision"] == "month"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "detained"}, ["jesus", "rocio"]),
        ({"status": ["detained", "whereabouts_unknown"]}, ["jesus", "perkins", "rocio"]),
        ({"status": "released_conditional"}, ["released"]),
        ({"facility": "rodeo-i"}, ["rocio"]),
        ({"state": "distrito_capital"}, ["jesus"]),
        ({"category": "defender"}, ["rocio"]),
        ({"sex": "male"}, ["jesus"]),
        ({"nationality": "ES"}, ["rocio"]),
        ({"arrested_after": "2024-08-01"}, ["jesus", "perkins"]),
        ({"arrested_before": "2024-03-01"}, ["rocio", "released"]),
        ({"arrested_after": "2024-08-01", "arrested_before": "2024-09-01"}, ["perkins"]),
        ({"status": "detained", "category": "politician"}, ["jesus"]),
    ],
)
def test_filters(api_anonymous, people, params, expected):
    found = ids(api_anonymous.get(LIST, params))
    assert sorted(found) == sorted(people[name].public_id for name in expected)


def test_updated_after_lists_what_changed_since_for_incremental_sync(api_anonymous, people):
    cutoff = timezone.now()
    assert ids(api_anonymous.get(LIST, {"updated_after": cutoff.isoformat()})) == []
    services.custody_transfer(
        detention=people["jesus"].detentions.get(), facility=people["rodeo"], on=D(2025, 3, 1)
    )
    factories.approved(people["jesus"])  # the transfer reaches the public once approved
    changed = ids(api_anonymous.get(LIST, {"updated_after": cutoff.isoformat()}))
    assert changed == [people["jesus"].public_id]


def test_name_search_ranks_the_closest_first_and_tolerates_typos(api_anonymous, people):
    found = ids(api_anonymous.get(LIST, {"q": "jesus armaz", "ordering": "-name"}))
    assert found[0] == people["jesus"].public_id


@pytest.mark.parametrize(
    ("ordering", "first"),
    [("name", "jesus"), ("-name", "released"), ("detained_since", "rocio")],
)
def test_ordering(api_anonymous, people, ordering, first):
    assert ids(api_anonymous.get(LIST, {"ordering": ordering}))[0] == people[first].public_id


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"status": "jailed"}, "status", "Select a valid choice"),
        ({"facility": "nowhere"}, "facility", "Select a valid choice"),
        ({"state": "texas"}, "state", "Select a valid choice"),
        ({"sex": "x"}, "sex", "Select a valid choice"),
        ({"nationality": "XX"}, "nationality", "Select a valid choice"),
        ({"arrested_after": "2024-13-01"}, "arrested_after", "Enter a valid date"),
        ({"updated_after": "yesterday"}, "updated_after", "Enter a valid date/time"),
        ({"updated_after": "0001-01-01T00:00:00+14:00"}, "updated_after", "valid date/time"),
        ({"ordering": "age"}, "ordering", "Select a valid choice"),
        ({"q": "jo"}, "q", "Type at least 3 characters"),
        ({"q": "V-12.345.678"}, "q", "not available in the API"),
        ({"q": "ab\x00cd"}, "q", "Null characters are not allowed"),
        ({"page_size": "many"}, "page_size", "whole number"),
        ({"page_size": "0"}, "page_size", "whole number"),
    ],
)
def test_bad_values_answer_400_with_a_clear_message(api_anonymous, people, params, field, message):
    response = api_anonymous.get(LIST, params)
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()[field])


def test_messages_are_spanish_by_default(people):
    from rest_framework.test import APIClient

    response = APIClient().get(LIST, {"q": "jo"})
    assert response.status_code == 400
    assert "Escriba" in response.json()["q"][0] or "caracteres" in response.json()["q"][0]


def test_pagination_with_count_links_and_a_capped_page_size(api_anonymous, people):
    first = api_anonymous.get(LIST, {"page_size": 3}).json()
    assert first["count"] == 4 and len(first["results"]) == 3
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/persons/?page=2&page_size=3"
    second = api_anonymous.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert second["previous"] == "http://testserver/api/v1/persons/?page_size=3"
    assert len(api_anonymous.get(LIST, {"page_size": 100000}).json()["results"]) == 4
    assert api_anonymous.get(LIST, {"page": 9}).status_code == 404
    assert api_anonymous.get(LIST, {"page": "last"}).status_code == 200


@pytest.mark.slow  # 220 people, each through the detention service
def test_list_queries_do_not_grow_with_the_page_size(partner):
    places = [factories.facility() for _ in range(5)]
    for number in range(220):
        someone = factories.published_person(given_names=f"Persona {number}")
        services.detention_open(
            person=someone, arrested_on=D(2024, 1, 1), facility=places[number % 5]
        )
        factories.approved(someone)

    def queries(**params) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = partner.get(LIST, params)
        assert response.status_code == 200
        return len(captured)

    assert queries(page_size=10) == queries(page_size=200)
    assert queries(page_size=10, q="persona") == queries(page_size=200, q="persona")


@pytest.fixture
def jesus_story(people):
    jesus = people["jesus"]
    detention = jesus.detentions.get()
    services.custody_transfer(detention=detention, facility=people["rodeo"], on=D(2025, 2, 1))
    DetentionCharge.objects.create(
        detention=detention,
        charge=Charge.objects.create(name_es="Traición a la patria", law="CP", article="128"),
        charged_on=D(2025, 1, 1),
        charged_on_precision="month",
    )
    Event.objects.create(
        person=jesus,
        occurred_on=D(2025, 1, 15),
        kind="hearing",
        is_public=True,
        public_description="Audiencia preliminar",
    )
    Event.objects.create(
        person=jesus,
        occurred_on=D(2025, 1, 16),
        kind="hearing",
        is_public=False,
        public_description="Audiencia reservada",
    )
    Source.objects.create(
        person=jesus,
        kind="press",
        title="Nota de prensa",
        url="https://example.org/n",
        is_confidential=False,
    )
    Source.objects.create(person=jesus, kind="lawyer", title="Abogado", is_confidential=True)
    return factories.approved(jesus)


def test_detail_tells_the_public_story(api_anonymous, jesus_story):
    data = api_anonymous.get(detail_url(jesus_story)).json()
    assert data["status"] == "detained" and data["current_facility"]["slug"] == "rodeo-i"
    (episode,) = data["detentions"]
    assert episode["arrested_on"] == "2024-12-10"
    assert [stay["facility"]["slug"] for stay in episode["custody"]] == ["el-helicoide", "rodeo-i"]
    assert episode["custody"][0]["ended_on"] == "2025-02-01"
    assert episode["charges"][0]["name_es"] == "Traición a la patria"
    assert episode["charges"][0]["charged_on"] == "2025-01"
    assert episode["release"] is None and episode["release_reported_unverified"] is False
    assert [event["description"] for event in data["events"]] == ["Audiencia preliminar"]
    assert [source["title"] for source in data["sources"]] == ["Nota de prensa"]


def test_detail_of_a_release_under_conditions(api_anonymous, partner, people):
    public = api_anonymous.get(detail_url(people["released"])).json()
    assert public["status"] == "released_conditional"
    release = public["detentions"][0]["release"]
    assert release["kind"] == "precautionary_measures" and release["released_on"] == "2025-01-08"
    assert release["conditions"][0]["kind"] == "periodic_presentation"
    assert release["conditions"][0]["interval_days"] == 30
    assert "verified_at" not in release
    assert partner.get(detail_url(people["released"])).json()["detentions"][0]["release"][
        "verified_at"
    ]


def test_an_unverified_release_is_flagged_as_a_claim(api_anonymous, people):
    services.release_record(
        detention=people["jesus"].detentions.get(),
        released_on=D(2025, 3, 1),
        kind=ReleaseKind.UNCONDITIONAL,
    )
    factories.approved(people["jesus"])
    episode = api_anonymous.get(detail_url(people["jesus"])).json()["detentions"][0]
    assert episode["release"] is None and episode["release_reported_unverified"] is True


def test_detail_query_count_does_not_grow_with_the_story(partner, jesus_story):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert partner.get(detail_url(jesus_story)).status_code == 200
        return len(captured)

    before = queries()
    detention = jesus_story.detentions.get()
    for day in range(2, 12):
        Event.objects.create(
            person=jesus_story, occurred_on=D(2025, 3, day), kind="hearing", is_public=True
        )
        DetentionCharge.objects.create(
            detention=detention, charge=Charge.objects.create(name_es=f"Cargo {day}")
        )
    factories.approved(jesus_story)  # the longer story is what the public now reads
    assert queries() == before


def test_a_merged_record_redirects_to_the_survivor(api_anonymous, people):
    from registry.models import PersonRedirect

    PersonRedirect.objects.create(old_public_id="abcdefghjk", person=people["jesus"])
    response = api_anonymous.get(reverse("api:person-detail", args=["abcdefghjk"]))
    assert response.status_code == 301
    assert response["Location"].endswith(detail_url(people["jesus"]))
