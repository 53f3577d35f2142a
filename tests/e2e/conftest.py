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


def current_code(user) -> str:
    """The user's TOTP code right now (their second factor)."""
    secret = Authenticator.objects.get(user=user, type="totp").wrap().instance.data["secret"]
    return f"{hotp_value(secret, next(yield_hotp_counters_from_time())):06d}"


def sign_in(page, live_server, user) -> None:
    """Password, then second factor, in `page`, as staff sign in."""
    page.goto(live_server.url + "/admin/")
    page.fill("input[name=login]", user.username)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=code]", current_code(user))
    page.click("main form button[type=submit]")
    expect(page.locator("body")).to_contain_text("Expedientes")
