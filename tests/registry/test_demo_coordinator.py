"""`manage.py ensure_demo_coordinator`, which `make run` calls: what a newcomer reads first."""

import io
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True
    # Each run sets a new password; the production hasher would spend 0.4 s on each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def ensure_demo_coordinator(*args: str) -> str:
    out = io.StringIO()
    call_command("ensure_demo_coordinator", *args, stdout=out)
    return out.getvalue()


def test_it_prints_a_working_password_and_every_url_on_the_given_port():
    output = ensure_demo_coordinator("--port", "8010")

    urls = re.findall(r"http://\S+", output)
    assert "http://127.0.0.1:8010/cuentas/login/" in urls
    assert all(url.startswith("http://127.0.0.1:8010/") for url in urls), urls
    password = re.search(r"^  password +(\S+)$", output, re.MULTILINE).group(1)
    user = get_user_model().objects.get(username="coordinador")
    assert user.check_password(password) and user.is_staff
    assert "authenticator app" in output and "first sign-in" in output


def test_a_second_factor_set_up_earlier_is_kept_unless_forgotten():
    ensure_demo_coordinator()
    user = get_user_model().objects.get(username="coordinador")
    TOTP.activate(user, generate_totp_secret())

    assert "set up in an earlier run" in ensure_demo_coordinator()
    assert Authenticator.objects.filter(user=user).exists()

    assert "first sign-in" in ensure_demo_coordinator("--forget-second-factor")
    assert not Authenticator.objects.filter(user=user).exists()


def test_it_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        ensure_demo_coordinator()
