"""Browser tests: Playwright drives Debian's Chromium (installed by the Makefile) against
Django's live server. No browser is downloaded. Each test here is marked `browser`."""

import os
import shutil
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time
from playwright.sync_api import expect

from tests.conftest import STAFF_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HERE = Path(__file__).parent
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Django's live_server runs in a thread; Playwright's sync API runs an event loop in this one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items):
    """Every test in this folder drives a browser (`make test-fast` leaves them out). The hook
    sees the whole session's tests, hence the folder check."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


# Every page of every context reports what the Content-Security-Policy blocked. Chromium also
# logs each block to the console ("... violates the following Content Security Policy
# directive ..."), which is caught even where JavaScript is off and this listener cannot run.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""


def _is_csp_violation(text: str) -> bool:
    return text.startswith("CSP violation:") or "Content Security Policy" in text


@pytest.fixture(autouse=True)
def csp_violations(browser, monkeypatch):
    """What the Content-Security-Policy blocked in any page the test opened: a test with any
    fails (pytest_runtest_call below, and at teardown for messages that arrive late)."""
    violations: list[str] = []
    open_context = browser.new_context

    def collect(message) -> None:
        if _is_csp_violation(message.text):
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def new_context(*args, **kwargs):
        context = open_context(*args, **kwargs)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", collect)
        return context

    # pytest-playwright's `context` and `page` fixtures open theirs through browser.new_context too.
    monkeypatch.setattr(browser, "new_context", new_context)
    yield violations
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    violations = item.funcargs.get("csp_violations")
    if violations:
        reported = "\n".join(violations)
        violations.clear()  # reported once, here
        pytest.fail("Content-Security-Policy violations:\n" + reported)
    return result


@pytest.fixture
def screenshot(page):
    """Save a screenshot under test-artifacts/ (CI keeps them for people to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str, of=None) -> Path:
        """`of`: another page than the test's `page` (a second signed-in context)."""
        path = ARTIFACTS / f"{name}.png"
        (of or page).screenshot(path=str(path), full_page=True)
        return path

    return take


def code_for(secret: str) -> str:
    """The TOTP code of this secret right now, as an authenticator app shows it."""
    return f"{hotp_value(secret, next(yield_hotp_counters_from_time())):06d}"


def current_code(user) -> str:
    """The user's TOTP code right now (their second factor)."""
    return code_for(
        Authenticator.objects.get(user=user, type="totp").wrap().instance.data["secret"]
    )


def sign_in(page, live_server, user) -> None:
    """Password, then second factor, in `page`, as staff sign in."""
    page.goto(live_server.url + "/admin/")
    page.fill("input[name=login]", user.username)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=code]", current_code(user))
    page.click("main form button[type=submit]")
    expect(page.locator("body")).to_contain_text("Expedientes")
