"""Pages under the Content-Security-Policy in a real browser: what it blocks is reported (and
fails the test, tests/e2e/conftest.py), and the pages that bring their own scripts (Swagger UI,
the allauth second-factor pages) work under it."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.conftest import make_staff
from tests.e2e.conftest import STAFF_PASSWORD, code_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_injected_inline_script_and_style_attribute_are_blocked_and_reported(
    live_server, page, csp_violations
):
    page.goto(live_server.url + "/")
    with page.expect_console_message(lambda m: m.text.startswith("CSP violation: style-src-attr")):
        page.evaluate("""() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.head.append(script);
            document.body.setAttribute("style", "background: red");
        }""")

    assert page.evaluate("window.injected") is None
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    blocked = "\n".join(csp_violations)
    assert "script-src-elem blocked inline" in blocked
    assert "style-src-attr blocked inline" in blocked
    csp_violations.clear()  # expected here: the test would fail on them otherwise


def test_the_api_documentation_works_under_the_policy(live_server, page, screenshot):
    """Swagger UI from static/vendor: its start-up script is a file (the split view)."""
    factories.facility(name="El Helicoide", slug="el-helicoide")
    page.goto(live_server.url + "/api/docs/")
    operation = page.locator(".opblock", has_text="/api/v1/facilities/").first
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    expect(operation.locator(".live-responses-table")).to_contain_text("El Helicoide")
    screenshot("api-docs")


def test_staff_enrol_their_second_factor_under_the_policy(live_server, page, screenshot):
    """The allauth pages: sign in, confirm the password, scan the QR code (a data: image), type
    the code, see the recovery codes; then the staff pages open."""
    user = make_staff("nuevo_e2e", "Documentalista", second_factor=False)
    page.goto(live_server.url + "/personal/")
    page.fill("input[name=login]", user.username)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=password]", STAFF_PASSWORD)  # allauth asks again before enrolment
    page.click("main form button[type=submit]")

    qr_code = page.locator("main form img")
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("image => image.naturalWidth") > 0  # drawn, not blocked
    screenshot("second-factor-activation")
    page.fill("input[name=code]", code_for(page.input_value("#authenticator_secret")))
    page.click("main form button[type=submit]")
    expect(page.locator("main textarea")).to_contain_text(re.compile(r"\d{8}"))  # recovery codes
    screenshot("recovery-codes")

    page.goto(live_server.url + "/personal/")
    expect(page.locator("h1")).to_be_visible()
    assert page.url == live_server.url + "/personal/"
