"""Nothing unpublished or private reaches the API, in any tier (DESIGN §4, §8).

Canary values are planted in every private field and in every record that is not published;
every API URL is fetched anonymously and with a partner key (lists, details, filters, search,
both exports, the data dictionary, the schema and the docs page) and scanned, headers included.
The URL list is checked against the URL configuration, so a new endpoint must be added here.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.models import Partner
from tests.canaries import CANARY, SECRET_NATIONAL_ID, plant_canary_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(partner):
    planted = plant_canary_world()
    Partner.objects.filter(pk=partner.api_key.partner_id).update(
        notes=f"{CANARY}-partner-notes", contact_email="canary@example.org"
    )
    return planted


def api_requests(world) -> list[tuple[str, dict]]:
    person, prison, hidden = world["person"], world["prison"], world["hidden"]
    people = reverse("api:person-list")
    requests = [
        (people, {}),
        (people, {"page_size": 500}),
        (people, {"q": "zoila oculta"}),
        (people, {"q": "publio visible"}),
        (people, {"q": SECRET_NATIONAL_ID}),
        (people, {"status": "detained"}),
        (people, {"facility": prison.slug, "ordering": "-updated_at"}),
        (people, {"updated_after": "2000-01-01"}),
        (people, {"status": "bogus", "q": "x"}),
        (reverse("api:person-detail", args=[person.public_id]), {}),
        (reverse("api:facility-list"), {}),
        (reverse("api:facility-detail", args=[prison.slug]), {}),
        (reverse("api:charge-list"), {}),
        (reverse("api:release-claim-list"), {}),
        (reverse("api:stats"), {}),
        (reverse("api:data-dictionary"), {}),
        (reverse("api:export-persons-csv"), {}),
        (reverse("api:export-persons-csv"), {"status": "detained"}),
        (reverse("api:export-persons-jsonl"), {}),
        (reverse("api:export-persons-jsonl"), {"facility": prison.slug}),
        (reverse("api:schema"), {}),
        (reverse("api:schema"), {"format": "json"}),
        (reverse("api:docs"), {}),
        (reverse("api:docs"), {"script": ""}),
    ]
    for someone in hidden.values():
        requests.append((reverse("api:person-detail", args=[someone.public_id]), {}))
    return requests


SCANNED_URL_NAMES = {
    "api:person-list",
    "api:person-detail",
    "api:facility-list",
    "api:facility-detail",
    "api:charge-list",
    "api:release-claim-list",
    "api:stats",
    "api:data-dictionary",
    "api:export-persons-csv",
    "api:export-persons-jsonl",
    "api:schema",
    "api:docs",
}


def read(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def test_no_private_value_or_unpublished_record_reaches_the_api(api_anonymous, partner, world):
    hidden_ids = [someone.public_id for someone in world["hidden"].values()]
    secrets_ = [
        CANARY,
        "31415926",
        "31.415.926",
        "27182818",
        world["person"].national_id_hash,
        "1977",
        *hidden_ids,
    ]
    for client in (api_anonymous, partner):
        for url, params in api_requests(world):
            response = client.get(url, params)
            assert response.status_code in (200, 400, 404), (url, params, response.status_code)
            body = read(response).lower()
            headers = " ".join(f"{k}: {v}" for k, v in response.headers.items()).lower()
            for secret in secrets_:
                assert secret.lower() not in body, (url, params, secret)
                assert secret.lower() not in headers, (url, params, secret)


def test_the_planted_world_is_really_served(api_anonymous, partner, world):
    """Guards the test above: the scanned responses do show the published record."""
    url = reverse("api:person-detail", args=[world["person"].public_id])
    for client in (api_anonymous, partner):
        profile = read(client.get(url))
        assert "Publio" in profile and "Audiencia pública" in profile and "Nota pública" in profile
        assert "Terrorismo" in profile
        assert world["person"].public_id in read(client.get(reverse("api:export-persons-csv")))
    claims = read(api_anonymous.get(reverse("api:release-claim-list")))
    assert "116" in claims
    assert '"sex"' in read(partner.get(url))


def test_every_api_url_is_scanned():
    def names(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from names(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield namespace + pattern.name

    api = {name for name in names(get_resolver().url_patterns) if name.startswith("api:")}
    assert api == SCANNED_URL_NAMES, "An API URL was added or removed: scan it above."
