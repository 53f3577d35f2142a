import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import Partner, PartnerAPIKey


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Rate-limit counters start empty, with limits no ordinary test reaches."""
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "partner": "100000/min"},
    }
    yield
    cache.clear()


@pytest.fixture
def api_anonymous() -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def issue_key(organisation: str = "Misión de la ONU", **fields) -> tuple[PartnerAPIKey, str]:
    partner, _ = Partner.objects.get_or_create(name=organisation)
    return PartnerAPIKey.objects.create_key(name="sync", partner=partner, **fields)


@pytest.fixture
def partner_key(db) -> tuple[PartnerAPIKey, str]:
    return issue_key()


@pytest.fixture
def partner(partner_key) -> APIClient:
    """A partner organisation's client: `Authorization: Api-Key <key>` on every request."""
    _, key = partner_key
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    client.api_key = partner_key[0]
    return client


@pytest.fixture
def expired_key(db) -> str:
    _, key = issue_key(expiry_date=timezone.now() - datetime.timedelta(days=1))
    return key
