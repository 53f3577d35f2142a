"""The public site: search, lists, profiles, facilities and the information form."""

import datetime

import pytest
from django.urls import reverse

from cases import services
from cases.models import Charge, Event, ReleaseKind, Source
from registry.models import InformationSubmission, RecordState
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def jesus():
    helicoide = factories.facility(name="El Helicoide", slug="el-helicoide")
    person = factories.published_person(
        given_names="Jesús",
        first_surname="Armas",
        second_surname="Guanipa",
        national_id="V-20.123.987",
        categories=["politician"],
    )
    services.detention_open(person=person, arrested_on=D(2024, 12, 10), facility=helicoide)
    return factories.approved(person)


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return response.content.decode()


def test_search_from_the_home_page_form_finds_a_name_without_accents(client, jesus):
    home = page(client, reverse("public:home"))
    assert 'action="/buscar/" method="post"' in home
    results = page(client, reverse("public:search"), q="jesus armas")
    assert jesus.get_absolute_url() in results
    assert "El Helicoide" in results and "Detenido" in results


def test_search_as_you_type_returns_only_the_results_fragment(client, jesus):
    response = client.post(
        reverse("public:search"), {"q": "jesus arm"}, headers={"HX-Request": "true"}
    )
    fragment = response.content.decode()
    assert response.status_code == 200
    assert jesus.get_absolute_url() in fragment
    assert "<html" not in fragment


@pytest.mark.parametrize("typed", ["V-20.123.987", "20123987", "20.123.987", "v20123987"])
def test_a_national_id_finds_the_person_without_ever_showing_the_number(client, jesus, typed):
    response = client.post(reverse("public:search"), {"q": typed})
    results = response.content.decode()
    assert jesus.get_absolute_url() in results
    # The number never appears, except as the searcher's own input echoed in the box.
    shown = results.replace(f'value="{typed}"', "")
    assert "20123987" not in shown and "20.123.987" not in shown


def test_nothing_found_offers_the_send_information_path(client, jesus):
    results = page(client, reverse("public:search"), q="Nadie Inexistente")
    assert "No hay ningún registro publicado" in results
    assert reverse("public:information") + "?nombre=Nadie%20Inexistente" in results


@pytest.mark.parametrize(
    "query",
    [
        "",
        "a",
        "x" * 10_000,
        "' OR 1=1 --",
        "'; DROP TABLE registry_person; --",
        "<script>alert(1)</script>",
        '" onmouseover=alert(1) x="',
        "jesus & armas | !x:*",
        "😀😀😀",
        "%00%00%00",
    ],
)
def test_bad_search_input_gets_a_friendly_page(client, jesus, query):
    response = client.get(reverse("public:search"), {"q": query})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert 'onmouseover=alert(1) x="' not in body


def test_search_with_a_nul_byte_or_broken_utf8_is_refused_politely(client, jesus):
    for raw in ("q=jes%00us", "q=%ED%A0%80%ED%A0%80abc", "q=%FF%FE%FD"):
        response = client.get(reverse("public:search") + "?" + raw)
        assert response.status_code in (200, 400)


def test_profile_shows_the_public_story(client, jesus):
    detention = jesus.detentions.get()
    detention.detention_charges.create(
        charge=Charge.objects.create(name="Traición a la patria", law="Código Penal", article="128")
    )
    Event.objects.create(
        person=jesus,
        detention=detention,
        occurred_on=D(2025, 2, 1),
        occurred_on_precision="month",
        kind="hearing",
        is_public=True,
        public_description="Audiencia diferida",
    )
    Source.objects.create(
        person=jesus,
        kind="press",
        title="Nota de prensa pública",
        url="https://example.org/nota",
        is_confidential=False,
    )
    factories.approved(jesus)
    body = page(client, jesus.get_absolute_url())
    for expected in (
        "Jesús Armas Guanipa",
        "El Helicoide",
        "10 de diciembre de 2024",
        "Traición a la patria",
        "febrero de 2025",
        "Audiencia diferida",
        "Nota de prensa pública",
        'property="og:title"',
        "Cómo citar",
    ):
        assert expected in body, expected


def test_profile_in_english(client, jesus):
    body = page(client, "/en" + jesus.get_absolute_url())
    assert "Detained since" in body and "December 10, 2024" in body


def test_a_wrong_or_missing_slug_redirects_to_the_canonical_address(client, jesus):
    response = client.get(reverse("public:person-short", args=[jesus.public_id]))
    assert response.status_code == 301 and response["Location"] == jesus.get_absolute_url()
    response = client.get(reverse("public:person-detail", args=[jesus.public_id, "otro-nombre"]))
    assert response.status_code == 301 and response["Location"] == jesus.get_absolute_url()


@pytest.mark.parametrize("state", [RecordState.DRAFT, RecordState.SUBMITTED, RecordState.VERIFIED])
def test_unpublished_records_answer_404_with_no_data(client, state):
    person = factories.person(record_state=state, given_names="CANARIO")
    response = client.get(person.get_absolute_url())
    assert response.status_code == 404
    assert "CANARIO" not in response.content.decode()


@pytest.mark.parametrize("state", [RecordState.UNPUBLISHED, RecordState.REMOVED])
def test_taken_down_records_answer_410_gone_with_no_data(client, coordinador, jesus, state):
    take_down = {
        RecordState.UNPUBLISHED: services.person_unpublish,
        RecordState.REMOVED: services.person_remove,
    }[state]
    take_down(person=jesus, by=coordinador.user, reason="Pedido de la familia")
    jesus.refresh_from_db()
    assert jesus.record_state == state
    response = client.get(jesus.get_absolute_url())
    assert response.status_code == 410
    assert "Armas" not in response.content.decode()
    assert "Armas" not in page(client, reverse("public:search"), q="jesus armas")


def test_unknown_public_id_is_404(client):
    assert client.get(reverse("public:person-short", args=["zzzzzzzzzz"])).status_code == 404


def test_list_filters_and_counts(client, jesus):
    other = factories.published_person(given_names="Ana", first_surname="Salas", sex="female")
    services.detention_open(person=other, arrested_on=D(2025, 6, 1), whereabouts_unknown=True)
    factories.approved(other)
    url = reverse("public:person-list")
    assert "2 registros publicados" in page(client, url)
    only_unknown = page(client, url, status="whereabouts_unknown")
    assert "Ana Salas" in only_unknown and "Jesús Armas" not in only_unknown
    assert "Jesús Armas" in page(client, url, facility="el-helicoide")
    assert "Jesús Armas" in page(client, url, category="politician")
    assert "Ana Salas" not in page(
        client, url, arrested_after="2024-12-01", arrested_before="2024-12-31"
    )


@pytest.mark.parametrize(
    "params",
    [
        {"status": "free"},
        {"facility": "nowhere"},
        {"state": "texas"},
        {"category": "<script>"},
        {"sex": "x" * 500},
        {"nationality": "ZZ"},
        {"arrested_after": "not-a-date"},
        {"arrested_before": "2024-13-45"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "999999999999999999999"},
    ],
)
def test_bad_list_parameters_get_a_friendly_page(client, jesus, params):
    response = client.get(reverse("public:person-list"), params)
    assert response.status_code == 200


def test_facility_pages_count_published_people_only(client, jesus):
    jesus.refresh_from_db()
    helicoide = jesus.current_facility
    hidden = factories.person(given_names="CANARIO")
    factories.detained(hidden, place=helicoide)
    listing = page(client, reverse("public:facility-list"))
    assert "El Helicoide" in listing
    detail = page(client, helicoide.get_absolute_url())
    assert "Jesús Armas Guanipa" in detail and "CANARIO" not in detail
    assert client.get(reverse("public:facility-detail", args=["no-existe"])).status_code == 404


def test_information_form_stores_a_submission_for_staff(client, jesus):
    url = reverse("public:information")
    assert "Armas" in page(client, url, nombre="Jesús Armas")
    response = client.post(
        url,
        {
            "about_name": "Pedro Pérez",
            "message": "Lo vieron en Zona 7",
            "contact": "+58 412 555 0000",
        },
    )
    assert response.status_code == 302
    submission = InformationSubmission.objects.get()
    assert submission.message == "Lo vieron en Zona 7" and submission.language == "es"


def test_information_form_errors_are_translated_and_nothing_is_stored(client):
    response = client.post(reverse("public:information"), {"about_name": "", "message": ""})
    assert response.status_code == 200
    assert "Este campo es" in response.content.decode()  # Django's own Spanish message
    response = client.post(
        reverse("public:information"), {"about_name": "X", "message": "y" * 10_001}
    )
    assert response.status_code == 200
    assert not InformationSubmission.objects.exists()


def test_the_honeypot_drops_bot_submissions(client):
    response = client.post(
        reverse("public:information"),
        {"about_name": "X", "message": "spam", "website": "http://spam"},
    )
    assert response.status_code == 302
    assert not InformationSubmission.objects.exists()


def test_profile_query_count_does_not_grow_with_the_timeline(client, django_assert_max_num_queries):
    person = factories.published_person()
    places = [factories.facility() for _ in range(3)]
    for year in range(2015, 2020):
        detention = services.detention_open(
            person=person, arrested_on=D(year, 1, 1), facility=places[0]
        )
        services.custody_transfer(detention=detention, facility=places[1], on=D(year, 3, 1))
        charge = Charge.objects.create(name=f"Cargo {year}", law="CP", article=str(year))
        detention.detention_charges.create(charge=charge)
        release = services.release_record(
            detention=detention,
            released_on=D(year, 6, 1),
            kind=ReleaseKind.PRECAUTIONARY_MEASURES,
            conditions=(
                services.ConditionSpec(
                    kind="travel_ban", starts_on=D(year, 6, 1), ends_on=D(year, 12, 1)
                ),
            ),
        )
        services.release_verify(release=release, by=factories.verifier())
    for day in range(20):
        Event.objects.create(
            person=person, occurred_on=D(2019, 7, day + 1), kind="statement", is_public=True
        )
    for number in range(10):
        Source.objects.create(
            person=person, kind="press", title=f"Fuente {number}", is_confidential=False
        )
    factories.approved(person)
    # 11: the search path switch (2), the page's reads, and the audit middleware ending its
    # context, which it does only inside a transaction (here, the test's).
    with django_assert_max_num_queries(11):
        response = client.get(person.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="episode"') == 5
