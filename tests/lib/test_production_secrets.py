"""Production refuses to start without its secrets (lib/production_secrets.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from lib.production_secrets import (
    DEVELOPMENT_SECRETS,
    check_secrets,
    check_secrets_for_deployment,
    secret_problems,
)

ROOT = Path(django_settings.BASE_DIR)
SECRETS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "NATIONAL_ID_HASH_KEY")
NOT_INHERITED = {*SECRETS, "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
GOOD = {
    "SECRET_KEY": "s" * 20 + "ecret-key-for-this-test-only-0123456789abcdef",
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "NATIONAL_ID_HASH_KEY": "hash-key-for-this-test-only-0123456789",
}


def manage(*args: str, **environment: str) -> subprocess.CompletedProcess:
    """Python in production mode, with the secrets of `environment` only, and without what
    the tests set for themselves (the HTTPS redirect off, the browser tests' async switch)."""
    env = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
    env.update(DEBUG="false", **environment)
    return subprocess.run(  # noqa: S603 - our interpreter, our arguments
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_fails_without_the_secrets_and_names_each():
    result = manage("manage.py", "check", "--deploy")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in SECRETS:
        assert f"{name} is not set" in result.stderr


def test_commands_that_only_write_the_repository_files_need_no_secret():
    # A checkout with no secrets can still check its migrations (CI, the hook, a newcomer);
    # anything that reads data or serves still refuses (above).
    result = manage("manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
    refused = manage("manage.py", "migrate", "--plan")
    assert refused.returncode != 0 and "ImproperlyConfigured" in refused.stderr


def test_the_development_values_are_refused_in_production():
    result = manage("manage.py", "check", **DEVELOPMENT_SECRETS)
    assert result.returncode != 0
    for name in SECRETS:
        assert f"{name} is a value published in the repository" in result.stderr


def test_the_web_server_refuses_to_start_without_them():
    """What gunicorn does first: load the WSGI application."""
    result = manage("-c", "import config.wsgi")
    assert result.returncode != 0
    assert "refuse to start without their secrets" in result.stderr


def test_check_deploy_passes_with_real_secrets_and_reads_the_fallbacks():
    """As .ci/run does it, with secrets of its own."""
    old_data_key = Fernet.generate_key().decode()
    result = manage("manage.py", "check", "--deploy", "--fail-level", "WARNING", **GOOD)
    assert result.returncode == 0, result.stderr
    shown = manage(
        "manage.py",
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SECRET_KEY_FALLBACKS, s.FIELD_ENCRYPTION_KEY_FALLBACKS)",
        SECRET_KEY_FALLBACKS="older-key-one,older-key-two",
        FIELD_ENCRYPTION_KEY_FALLBACKS=old_data_key,
        **GOOD,
    )
    assert shown.returncode == 0, shown.stderr
    expected = f"['older-key-one', 'older-key-two'] ['{old_data_key}']"
    assert shown.stdout.strip().splitlines()[-1] == expected


def test_the_system_check_reports_secrets_changed_after_loading(settings):
    settings.FIELD_ENCRYPTION_KEY = DEVELOPMENT_SECRETS["FIELD_ENCRYPTION_KEY"]
    [error] = check_secrets()
    assert error.id == "registro.E002"
    assert error.msg.startswith("FIELD_ENCRYPTION_KEY is a value published")
    with pytest.raises(SystemCheckError, match="registro.E002"):
        call_command("check")


def test_check_deploy_refuses_a_development_configuration(settings):
    settings.DEBUG = True
    for name, value in DEVELOPMENT_SECRETS.items():
        setattr(settings, name, value)
    assert check_secrets() == []  # development as usual
    assert {error.id for error in check_secrets_for_deployment()} == {"registro.E002"}
    with pytest.raises(SystemCheckError, match="registro.E002"):
        call_command("check", deploy=True)


def test_legacy_salts_are_a_warning_until_rotated(settings):
    settings.FIELD_ENCRYPTION_LEGACY_SALTS = ["sal-antigua"]
    assert [message.id for message in check_secrets()] == ["registro.W002"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"FIELD_ENCRYPTION_KEY": "not-a-fernet-key"}, "FIELD_ENCRYPTION_KEY is not a Fernet key"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too short"),
        ({"NATIONAL_ID_HASH_KEY": GOOD["SECRET_KEY"]}, "SECRET_KEY and NATIONAL_ID_HASH_KEY are"),
        ({"NATIONAL_ID_HASH_KEY": "CHANGE_ME"}, "NATIONAL_ID_HASH_KEY is a value published"),
        (
            {"SECRET_KEY_FALLBACKS": [DEVELOPMENT_SECRETS["SECRET_KEY"]]},
            "SECRET_KEY_FALLBACKS: entry 1 is a value published",
        ),
        (
            {"FIELD_ENCRYPTION_KEY_FALLBACKS": [Fernet.generate_key().decode(), "x"]},
            "FIELD_ENCRYPTION_KEY_FALLBACKS: entry 2 is not a Fernet key",
        ),
    ],
)
def test_secret_problems(change, problem):
    assert secret_problems(GOOD) == []
    [found] = secret_problems({**GOOD, **change})
    assert found.startswith(problem)


def test_compose_requires_the_secrets_of_every_app_service():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for service in ("web", "worker", "beat"):
        environment = compose["services"][service]["environment"]
        for name in SECRETS:
            assert environment[name].startswith(f"${{{name}:?"), (service, name)
