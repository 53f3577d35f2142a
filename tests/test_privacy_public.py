"""Nothing unpublished or private reaches a public page (DESIGN §4, §8).

Canary values are planted in every private field and in every record that is not published;
every public URL is fetched (both languages, GET and POST where they apply) and scanned.
The URL list is checked against the URL configuration, so a new public page must be added here.
"""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases import services
from cases.models import Event, ReleaseClaim, Source
from registry.models import InformationSubmission, RecordState
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date
CANARY = "canary"  # every planted private value contains it (case-insensitive scan)
SECRET_NATIONAL_ID = "V-31.415.926"


@pytest.fixture
def world():
    prison = factories.facility(name="Centro Publico", slug="centro-publico")
    person = factories.published_person(
        given_names="Publio",
        first_surname="Visible",
        second_surname="Abierto",
        national_id=SECRET_NATIONAL_ID,
        birth_date=D(1977, 3, 14),
        private_notes=f"{CANARY}-notes",
        family_contacts=f"{CANARY}-contact +58 414 000 1111",
        public_summary_es="Resumen público",
    )
    detention = services.detention_open(
        person=person,
        arrested_on=D(2025, 1, 10),
        facility=prison,
        private_notes=f"{CANARY}-detention-notes",
    )
    Event.objects.create(
        person=person,
        detention=detention,
        occurred_on=D(2025, 1, 11),
        kind="hearing",
        is_public=False,
        public_description=f"{CANARY}-hidden-event",
    )
    Event.objects.create(
        person=person,
        detention=detention,
        occurred_on=D(2025, 1, 12),
        kind="hearing",
        is_public=True,
        public_description="Audiencia pública",
        private_description=f"{CANARY}-event-private",
    )
    Source.objects.create(
        person=person,
        kind="family_testimony",
        title=f"{CANARY}-confidential-source",
        is_confidential=True,
        confidential_details=f"{CANARY}-source-details",
    )
    Source.objects.create(
        person=person,
        kind="press",
        title="Nota pública",
        url="https://example.org/a",
        is_confidential=False,
        confidential_details=f"{CANARY}-public-source-details",
    )
    hidden = {}
    for state in (
        RecordState.DRAFT,
        RecordState.SUBMITTED,
        RecordState.VERIFIED,
        RecordState.UNPUBLISHED,
        RecordState.REMOVED,
    ):
        someone = factories.person(
            given_names="Zoila", first_surname="Oculta", second_surname=f"{CANARY}{state}"
        )
        someone.record_state = state
        someone.save()
        services.detention_open(person=someone, arrested_on=D(2025, 2, 1), facility=prison)
        hidden[state] = someone
    minor = factories.person(
        given_names="Zoila",
        first_surname="Oculta",
        second_surname=f"{CANARY}minor",
        birth_date=D(2010, 5, 5),
        verification_level="verified",
        consent_basis="family",
        record_state=RecordState.VERIFIED,
    )
    services.detention_open(person=minor, arrested_on=D(2025, 2, 1), facility=prison)
    hidden["minor"] = minor
    InformationSubmission.objects.create(about_name=f"{CANARY}-about", message=f"{CANARY}-info")
    ReleaseClaim.objects.create(
        announced_on=D(2026, 1, 9), claimant="Vocero", claimed_count=116, notes=f"{CANARY}-claim"
    )
    return {"person": person, "prison": prison, "hidden": hidden}


def public_requests(world) -> list[tuple[str, str, dict]]:
    person, prison, hidden = world["person"], world["prison"], world["hidden"]
    requests = []
    for prefix in ("", "/en"):
        requests += [
            ("get", prefix + reverse("registry:home"), {}),
            ("get", prefix + reverse("registry:search"), {}),
            ("get", prefix + reverse("registry:search"), {"q": "zoila oculta"}),
            ("post", prefix + reverse("registry:search"), {"q": "zoila oculta"}),
            ("post", prefix + reverse("registry:search"), {"q": "publio visible"}),
            ("post", prefix + reverse("registry:search"), {"q": SECRET_NATIONAL_ID}),
            ("post", prefix + reverse("registry:search"), {"q": "V-31415927"}),
            ("get", prefix + reverse("registry:person-list"), {}),
            ("get", prefix + reverse("registry:person-list"), {"status": "detained"}),
            ("get", prefix + reverse("registry:person-list"), {"facility": prison.slug}),
            ("get", prefix + person.get_absolute_url(), {}),
            ("get", prefix + reverse("registry:person-short", args=[person.public_id]), {}),
            ("get", prefix + reverse("facilities:list"), {}),
            ("get", prefix + prison.get_absolute_url(), {}),
            ("get", prefix + reverse("registry:information"), {}),
            ("get", prefix + reverse("registry:information-thanks"), {}),
        ]
        for someone in hidden.values():
            requests.append(("get", prefix + someone.get_absolute_url(), {}))
    return requests


PUBLIC_URL_NAMES = {
    "registry:home",
    "registry:search",
    "registry:person-list",
    "registry:person-detail",
    "registry:person-short",
    "registry:information",
    "registry:information-thanks",
    "facilities:list",
    "facilities:detail",
}


def test_no_private_value_or_unpublished_record_reaches_any_public_page(client, world):
    hidden_ids = [someone.public_id for someone in world["hidden"].values()]
    secrets_ = [
        CANARY,
        "31415926",
        "31.415.926",
        world["person"].national_id_hash,
        "1977",
        *hidden_ids,
    ]
    for method, url, params in public_requests(world):
        response = getattr(client, method)(url, params)
        assert response.status_code in (200, 301, 302, 404, 410), (url, response.status_code)
        body = response.content.decode().lower()
        headers = " ".join(f"{k}: {v}" for k, v in response.headers.items()).lower()
        for secret in secrets_:
            assert secret.lower() not in body, (method, url, params, secret)
            assert secret.lower() not in headers, (method, url, params, secret)


def test_the_planted_world_is_really_visible_where_it_should_be(client, world):
    """Guards the test above: the scan reads real pages that show the published record."""
    profile = client.get(world["person"].get_absolute_url()).content.decode()
    assert "Publio Visible Abierto" in profile and "Audiencia pública" in profile
    assert "Nota pública" in profile
    found = client.post(reverse("registry:search"), {"q": SECRET_NATIONAL_ID}).content.decode()
    assert world["person"].get_absolute_url() in found


def test_every_public_url_is_scanned():
    def names(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin" or pattern.app_name == "admin":
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from names(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield namespace + pattern.name

    public = {name for name in names(get_resolver().url_patterns) if name != "set_language"}
    assert public == PUBLIC_URL_NAMES, "A public URL was added or removed: scan it above."
