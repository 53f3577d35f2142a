"""Nothing unpublished or private reaches a public page (DESIGN §4, §8).

Canary values are planted in every private field and in every record that is not published;
every public URL is fetched (both languages, GET and POST where they apply) and scanned.
The URL list is checked against the URL configuration, so a new public page must be added here.
"""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from registry.models import RecordState
from stats import services as stats_services
from stats.models import MonthlySnapshot
from tests.canaries import CANARY, SECRET_NATIONAL_ID, plant_canary_world

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def world():
    planted = plant_canary_world()
    # A frozen month and a revision of it, for the statistics pages.
    frozen = stats_services.monthly_snapshot_freeze(month=D(2026, 1, 1)).snapshot
    MonthlySnapshot.objects.create(
        month=frozen.month,
        revision=1,
        corrects=frozen,
        figures=frozen.figures,
        reason="Corrección",
        frozen_at=frozen.frozen_at,
    )
    return planted


def public_requests(world) -> list[tuple[str, str, dict]]:
    person, prison, hidden = world["person"], world["prison"], world["hidden"]
    requests = []
    for prefix in ("", "/en"):
        requests += [
            ("get", prefix + reverse("public:home"), {}),
            ("get", prefix + reverse("public:search"), {}),
            ("get", prefix + reverse("public:search"), {"q": "zoila oculta"}),
            ("post", prefix + reverse("public:search"), {"q": "zoila oculta"}),
            ("post", prefix + reverse("public:search"), {"q": "publio visible"}),
            ("post", prefix + reverse("public:search"), {"q": SECRET_NATIONAL_ID}),
            ("post", prefix + reverse("public:search"), {"q": "V-31415927"}),
            ("get", prefix + reverse("public:person-list"), {}),
            ("get", prefix + reverse("public:person-list"), {"status": "detained"}),
            ("get", prefix + reverse("public:person-list"), {"facility": prison.slug}),
            ("get", prefix + person.get_absolute_url(), {}),
            (
                "get",
                prefix + reverse("public:person-versions", args=[person.public_id, person.slug]),
                {},
            ),
            ("get", prefix + reverse("public:person-short", args=[person.public_id]), {}),
            ("get", prefix + reverse("public:facility-list"), {}),
            ("get", prefix + prison.get_absolute_url(), {}),
            ("get", prefix + reverse("public:information"), {}),
            ("get", prefix + reverse("public:information-thanks"), {}),
            ("get", prefix + reverse("stats:index"), {}),
            ("get", prefix + reverse("stats:index"), {"date": "2025-03-01", "state": "miranda"}),
            ("get", prefix + reverse("stats:index"), {"facility": prison.slug, "interval": "day"}),
            ("get", prefix + reverse("stats:claims"), {}),
            ("get", prefix + reverse("stats:snapshot-list"), {}),
            ("get", prefix + reverse("stats:snapshot", args=["2026-01"]), {}),
            ("get", prefix + reverse("stats:snapshot-revision", args=["2026-01", 1]), {}),
            ("get", prefix + reverse("stats:snapshot-csv", args=["2026-01"]), {}),
            ("get", prefix + reverse("stats:snapshot-revision-csv", args=["2026-01", 1]), {}),
        ]
        for dataset in ("statuses", "by-facility", "by-category", "series", "claims", "coverage"):
            requests.append(("get", prefix + reverse("stats:csv", args=[dataset]), {}))
        for someone in hidden.values():
            requests.append(("get", prefix + someone.get_absolute_url(), {}))
            versions = reverse("public:person-versions", args=[someone.public_id, someone.slug])
            requests.append(("get", prefix + versions, {}))
    return requests


PUBLIC_URL_NAMES = {
    "public:home",
    "public:search",
    "public:person-list",
    "public:person-detail",
    "public:person-short",
    "public:person-versions",
    "public:information",
    "public:information-thanks",
    "public:facility-list",
    "public:facility-detail",
    "stats:index",
    "stats:claims",
    "stats:csv",
    "stats:snapshot-list",
    "stats:snapshot",
    "stats:snapshot-revision",
    "stats:snapshot-csv",
    "stats:snapshot-revision-csv",
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
        # Content-Length is the body's size, a number that may equal a planted year by chance.
        headers = " ".join(
            f"{k}: {v}" for k, v in response.headers.items() if k.lower() != "content-length"
        ).lower()
        for secret in secrets_:
            assert secret.lower() not in body, (method, url, params, secret)
            assert secret.lower() not in headers, (method, url, params, secret)


def test_the_planted_world_is_really_visible_where_it_should_be(client, world):
    """Guards the test above: the scan reads real pages that show the published record."""
    profile = client.get(world["person"].get_absolute_url()).content.decode()
    assert "Publio Visible Abierto" in profile and "Audiencia pública" in profile
    assert "Nota pública" in profile
    found = client.post(reverse("public:search"), {"q": SECRET_NATIONAL_ID}).content.decode()
    assert world["person"].get_absolute_url() in found
    # The records taken down were approved once, then went through the workflow's takedown.
    for state in (RecordState.UNPUBLISHED, RecordState.REMOVED):
        assert client.get(world["hidden"][state].get_absolute_url()).status_code == 410


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

    # Sign-in pages show no case data; staff pages are covered by the permission matrix; the
    # API is scanned by tests/api/test_privacy_api.py.
    not_public = ("set_language", "account_", "mfa_", "staff:", "imports:", "api:")
    public = {
        name for name in names(get_resolver().url_patterns) if not name.startswith(not_public)
    }
    assert public == PUBLIC_URL_NAMES, "A public URL was added or removed: scan it above."
