"""The Content-Security-Policy (config/settings.py, docs/architecture.md) is sent on public
pages, staff pages and the API's documentation, and it allows no inline script or style and no
eval. The browser tests (tests/e2e) fail on anything it blocks."""

import re

import pytest

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


def assert_strict(response) -> None:
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    everything = " ".join(source for sources in directives.values() for source in sources)
    for loophole in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:"):
        assert loophole not in everything.split()


@pytest.mark.parametrize("path", ["/", "/buscar/", "/en/personas/", "/cuentas/login/"])
def test_public_pages_send_the_strict_policy(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 200
    assert_strict(response)


def test_error_pages_send_it_too(anonymous):
    response = anonymous.get("/no-such-page/")
    assert response.status_code == 404
    assert_strict(response)


@pytest.mark.parametrize("path", ["/personal/", "/admin/", "/admin/registry/person/add/"])
def test_staff_pages_send_the_strict_policy(coordinador, path):
    response = coordinador.get(path)
    assert response.status_code == 200
    assert_strict(response)


def test_the_api_documentation_sends_it_and_has_nothing_inline(anonymous):
    response = anonymous.get("/api/docs/")
    assert response.status_code == 200
    assert_strict(response)
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(" src=" in tag for tag in scripts)
    assert "<style" not in html and " style=" not in html

    # The start-up script the page loads is served as a file of its own.
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', html)[1]
    script = anonymous.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content
