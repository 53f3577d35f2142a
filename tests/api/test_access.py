"""Who may read what, how often, and with which HTTP validators."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from rest_framework.test import APIClient

from api.models import Partner
from cases import services
from cases.models import Event
from tests import factories
from tests.conftest import issue_key

pytestmark = pytest.mark.django_db

D = datetime.date
LIST = reverse("api:person-list")


@pytest.fixture
def jesus():
    person = factories.published_person(given_names="Jesús", first_surname="Armas")
    factories.detained(person)
    return factories.approved(person)


def key_client(key: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def test_a_valid_key_gets_the_partner_tier(partner, jesus):
    assert "sex" in partner.get(LIST).json()["results"][0]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("unknown", "This API key is not valid."),
        ("revoked", "This API key has been revoked."),
        ("expired", "This API key has expired."),
        ("inactive", "This API key's organisation is no longer a partner."),
    ],
)
def test_unusable_keys_are_refused_with_401_and_a_reason(db, setup, message):
    api_key, key = issue_key()
    if setup == "unknown":
        key = key[:-1] + ("a" if key[-1] != "a" else "b")
    elif setup == "revoked":
        api_key.revoked = True
        api_key.save()
    elif setup == "expired":
        api_key.expiry_date = timezone.now() - datetime.timedelta(minutes=1)
        api_key.save()
    elif setup == "inactive":
        Partner.objects.filter(pk=api_key.partner_id).update(is_active=False)
    response = key_client(key).get(LIST)
    assert response.status_code == 401
    assert response.json() == {"detail": message}
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'


def test_a_malformed_authorization_header_is_not_a_server_error(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Api-Key")
    assert client.get(LIST).status_code == 200  # no key given: public tier
    client.credentials(HTTP_AUTHORIZATION="Api-Key \x00..")
    assert client.get(LIST).status_code == 401


def test_a_staff_session_gets_the_public_tier(coordinador, jesus):
    item = coordinador.get(LIST).json()["results"][0]
    assert "sex" not in item


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_every_endpoint_is_read_only_in_every_tier(api_anonymous, partner, jesus, method):
    url = reverse("api:person-detail", args=[jesus.public_id])
    for client in (api_anonymous, partner):
        for target in (LIST, url, reverse("api:stats")):
            response = getattr(client, method)(target, {})
            assert response.status_code == 405, (client, target, response.status_code)


def test_anonymous_callers_are_throttled_with_retry_after(settings, api_anonymous, db):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "partner": "5/min"},
    }
    assert api_anonymous.get(LIST).status_code == 200
    assert api_anonymous.get(reverse("api:stats")).status_code == 200
    refused = api_anonymous.get(LIST)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"].lower()
    export = api_anonymous.get(reverse("api:export-persons-csv"))
    assert export.status_code == 429


def test_each_partner_key_has_its_own_larger_bucket(settings, api_anonymous, db):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/min", "partner": "3/min"},
    }
    first, second = key_client(issue_key("ONU")[1]), key_client(issue_key("Universidad")[1])
    assert [first.get(LIST).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get(LIST).status_code == 200
    assert api_anonymous.get(LIST).status_code == 200
    assert api_anonymous.get(LIST).status_code == 429


def test_conditional_get_on_the_list(api_anonymous, jesus):
    first = api_anonymous.get(LIST)
    etag = first["ETag"]
    # The public reads the approved row, whose updated_at is the approval's time.
    approved_at = jesus.public_versions.get().approved_at
    assert first["Last-Modified"] == http_date(int(approved_at.timestamp()))
    again = api_anonymous.get(LIST, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    other_query = api_anonymous.get(LIST, {"status": "released"}, headers={"If-None-Match": etag})
    assert other_query.status_code == 200
    factories.approved(factories.published_person(given_names="Nuevo"))
    assert api_anonymous.get(LIST, headers={"If-None-Match": etag}).status_code == 200


def test_the_tier_is_part_of_the_etag(api_anonymous, partner, jesus):
    etag = api_anonymous.get(LIST)["ETag"]
    assert partner.get(LIST, headers={"If-None-Match": etag}).status_code == 200
    assert "Authorization" in api_anonymous.get(LIST)["Vary"]


def test_conditional_get_on_a_person_follows_changes_to_the_episodes(api_anonymous, jesus):
    url = reverse("api:person-detail", args=[jesus.public_id])
    first = api_anonymous.get(url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert api_anonymous.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert api_anonymous.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    # An event changes no field of the person itself: the audit trail still dates it.
    later = http_date(timezone.now().timestamp() + 5)
    Event.objects.create(
        person=jesus,
        occurred_on=D(2025, 2, 1),
        kind="hearing",
        is_public=True,
        public_description="Audiencia",
    )
    factories.approved(jesus)  # the new event reaches the public once approved
    changed = api_anonymous.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert api_anonymous.get(url, headers={"If-Modified-Since": later}).status_code == 304


def test_last_modified_moves_with_approvals_not_with_edits_waiting_for_review(api_anonymous, jesus):
    url = reverse("api:person-detail", args=[jesus.public_id])
    first = api_anonymous.get(url)["Last-Modified"]
    # Back-date the approved row, so that a new approval (now) is a later second.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE approved.registry_person SET updated_at = %s WHERE id = %s",
            [timezone.now() - datetime.timedelta(days=30), jesus.pk],
        )
    before = api_anonymous.get(url)["Last-Modified"]
    assert before != first
    jesus.private_notes = "Nota privada nueva"
    jesus.save()
    Event.objects.create(
        person=jesus, occurred_on=datetime.date(2025, 3, 3), kind="hearing", is_public=True
    )
    assert api_anonymous.get(url)["Last-Modified"] == before  # nothing public changed yet
    factories.approved(jesus)
    assert api_anonymous.get(url)["Last-Modified"] != before


def test_stats_match_the_public_site(api_anonymous, client, jesus):
    other = factories.published_person(given_names="Otra")
    services.detention_open(person=other, arrested_on=D(2024, 1, 1), whereabouts_unknown=True)
    factories.approved(other)
    hidden = factories.person(given_names="Oculta")
    factories.detained(hidden)
    stats = api_anonymous.get(reverse("api:stats")).json()
    home = client.get(reverse("public:home")).context["headline_counts"]
    by_status = {row["code"]: row["count"] for row in stats["by_status"]["counts"]}
    for headline in home:
        assert by_status[headline["status"]] == headline["count"]
    assert stats["published_people"] == 2
    assert stats["political_prisoners"] == 2
    assert stats["political_prisoners_statuses"] == ["detained", "whereabouts_unknown"]
    facilities = client.get(reverse("public:facility-list")).context["facilities"]
    by_facility = {row["code"]: row["count"] for row in stats["by_facility"]["counts"]}
    assert by_facility == {facility.slug: facility.people_held for facility in facilities}
    assert stats["by_facility"]["statuses"] == ["detained"]
    assert stats["as_of"]


def test_facility_counts_match_the_facility_pages(api_anonymous, client, jesus):
    facility = jesus.current_facility
    page = client.get(facility.get_absolute_url()).context["facility"]
    data = api_anonymous.get(reverse("api:facility-detail", args=[facility.slug])).json()
    assert data["people_currently_held"] == page.people_held == 1
    assert "latitude" not in data
    assert api_anonymous.get(reverse("api:facility-detail", args=["nowhere"])).status_code == 404


def test_release_claims_compare_claimed_and_verified(api_anonymous, jesus):
    from cases.models import ReleaseClaim, ReleaseClaimName, Source

    hidden = factories.person(given_names="Oculta")
    source = Source.objects.create(
        kind="official_statement", title="Rueda de prensa", is_confidential=False
    )
    claim = ReleaseClaim.objects.create(
        announced_on=D(2026, 1, 9), claimant="Vocero", claimed_count=116, source=source
    )
    ReleaseClaimName.objects.create(
        claim=claim,
        published_name="Jesús Armas",
        match_status="matched",
        person=jesus,
        verified_released=True,
    )
    ReleaseClaimName.objects.create(
        claim=claim,
        published_name="Oculta",
        match_status="matched",
        person=hidden,
        verified_released=True,
    )
    ReleaseClaimName.objects.create(claim=claim, published_name="Nadie", match_status="unknown")
    (item,) = api_anonymous.get(reverse("api:release-claim-list")).json()["results"]
    assert item["claimed_count"] == 116
    assert item["releases_verified"] == 2
    assert item["names_listed"] == 3 and item["names_matched"] == 2 and item["names_unknown"] == 1
    assert item["matched_people"] == [jesus.public_id]
    assert item["source"]["title"] == "Rueda de prensa"
