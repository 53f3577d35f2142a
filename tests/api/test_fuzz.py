"""Schemathesis against the committed schema (docs/openapi.yaml), anonymous and partner tier.

Every operation of the schema gets generated requests, valid and invalid; each is sent as an
anonymous caller and with a partner key, and must get neither a server error nor a response
that breaks the schema (whose objects are closed: a leaked field fails here too).
"""

from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.test_privacy_api import world  # noqa: F401  (the canary world, as a fixture)

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"

schema = schemathesis.openapi.from_path(COMMITTED)
schema.app = get_wsgi_application()

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def same_connection_for_requests():
    """Requests go through the WSGI handler, whose signals would close the test's connection
    (and its transaction); Django's own test client disconnects them the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=30,
    deadline=None,
    # The same examples on every run (no flaky CI), and no example database in the tree.
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_never_errs_and_always_matches_its_schema(
    case,
    world,  # noqa: F811
    partner,
    same_connection_for_requests,
):
    key = partner._credentials["HTTP_AUTHORIZATION"]
    for headers in ({}, {"Authorization": key}):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)
