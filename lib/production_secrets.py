"""The secrets production runs on, and the refusal to run without them (docs/deployment.md).

One secret per purpose, so that rotating or losing one does not touch the others:

- `SECRET_KEY` signs sessions, CSRF tokens and password-reset links (Django);
  `SECRET_KEY_FALLBACKS` keeps what older keys signed valid while a new one is rolled out.
- `FIELD_ENCRYPTION_KEY` (a Fernet key) encrypts the encrypted fields (lib/encryption.py);
  `FIELD_ENCRYPTION_KEY_FALLBACKS` still decrypt what `rotate_keys` has not re-encrypted yet.
- `NATIONAL_ID_HASH_KEY` keys the hash that finds a national id number (lib/national_id.py).

With DEBUG on, `development_secret` gives the public values below when the environment has
none. With DEBUG off, `require_secrets` makes settings.py refuse to load when a secret is
missing, is a value published in this repository, or is malformed: gunicorn, the Celery worker
and beat, and every `manage.py` command stop at once, naming every problem. The system check
`registro.E002` reports the same problems from the settings as loaded: in every
`manage.py check` with DEBUG off, and in `check --deploy` with DEBUG on too (a development
configuration is not fit to deploy).
"""

import secrets
from collections.abc import Mapping

from cryptography.fernet import Fernet
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# Public (they are in the repository): used only with DEBUG on, refused in production.
DEVELOPMENT_SECRETS = {
    "SECRET_KEY": "insecure-development-key-change-me-" + "x" * 20,
    "FIELD_ENCRYPTION_KEY": "E_UVKqkp7PsBelhQ1xGnQlEiyS33AgyfVM0Zucae5BQ=",
    "NATIONAL_ID_HASH_KEY": "registro-development-hash-key",
}
# The salt of the keys the encrypted fields used to derive from SECRET_KEY, in development.
DEVELOPMENT_LEGACY_SALT = "registro-development-salt"
# Other values published here (.env.example's placeholder, the image build's stand-ins).
PUBLISHED_VALUES = frozenset(
    {*DEVELOPMENT_SECRETS.values(), DEVELOPMENT_LEGACY_SALT, "CHANGE_ME", "build-only-not-a-secret"}
)

RANDOM_TEXT_COMMAND = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
FERNET_KEY_COMMAND = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)
# Django's own deployment check asks as much of SECRET_KEY (security.W009).
MIN_LENGTH = {"SECRET_KEY": 50, "NATIONAL_ID_HASH_KEY": 32}
SINGLE_SECRETS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "NATIONAL_ID_HASH_KEY")
FERNET_KEYS = ("FIELD_ENCRYPTION_KEY", "FIELD_ENCRYPTION_KEY_FALLBACKS")


# Commands that only write the repository's own files (migrations, translation catalogues) from
# the code: they read no data and sign nothing, so they run without the production secrets.
OFFLINE_COMMANDS = frozenset({"makemigrations", "makemessages", "compilemessages"})


def is_offline_command(argv: list[str]) -> bool:
    return len(argv) > 1 and argv[0].endswith("manage.py") and argv[1] in OFFLINE_COMMANDS


def development_secret(name: str, *, debug: bool, offline: bool = False) -> str:
    """The default of secret `name`: the public development value with DEBUG on; with DEBUG
    off, none, or for an offline command a throwaway value made now (it protects nothing)."""
    if debug:
        return DEVELOPMENT_SECRETS[name]
    if offline:
        if name in FERNET_KEYS:
            return Fernet.generate_key().decode()
        return secrets.token_urlsafe(50)
    return ""


def is_fernet_key(value: str) -> bool:
    try:
        Fernet(value)
    except (ValueError, TypeError):
        return False
    return True


def _how_to_generate(name: str) -> str:
    command = FERNET_KEY_COMMAND if name in FERNET_KEYS else RANDOM_TEXT_COMMAND
    return f"generate one with: {command}"


def secret_problems(values: Mapping[str, object]) -> list[str]:
    """What is wrong with the secrets in `values` (settings by name) for production."""
    problems = []
    for name in SINGLE_SECRETS:
        value = str(values.get(name) or "")
        if not value:
            problems.append(f"{name} is not set: {_how_to_generate(name)}")
        elif value in PUBLISHED_VALUES:
            problems.append(
                f"{name} is a value published in the repository (a development default or a "
                f"placeholder): {_how_to_generate(name)}"
            )
        elif name in FERNET_KEYS and not is_fernet_key(value):
            problems.append(
                f"{name} is not a Fernet key (32 url-safe base64-encoded bytes): "
                f"{_how_to_generate(name)}"
            )
        elif len(value) < MIN_LENGTH.get(name, 0):
            problems.append(
                f"{name} is too short (at least {MIN_LENGTH[name]} characters): "
                f"{_how_to_generate(name)}"
            )
    for name in ("SECRET_KEY_FALLBACKS", "FIELD_ENCRYPTION_KEY_FALLBACKS"):
        for position, value in enumerate(values.get(name) or [], start=1):
            if value in PUBLISHED_VALUES:
                problems.append(
                    f"{name}: entry {position} is a value published in the repository; remove it."
                )
            elif name in FERNET_KEYS and not is_fernet_key(value):
                problems.append(f"{name}: entry {position} is not a Fernet key.")
    given = [(name, values.get(name)) for name in SINGLE_SECRETS if values.get(name)]
    for index, (name, value) in enumerate(given):
        for other, other_value in given[index + 1 :]:
            if value == other_value:
                problems.append(
                    f"{name} and {other} are the same value: each secret has one purpose."
                )
    return problems


def require_secrets(values: Mapping[str, object]) -> None:
    """Refuse production settings (DEBUG off) whose secrets are missing or public."""
    problems = secret_problems(values)
    if problems:
        raise ImproperlyConfigured(
            "Production settings (DEBUG=false) refuse to start without their secrets:\n"
            + "\n".join(f"- {problem}" for problem in problems)
            + "\nSee docs/deployment.md (secrets)."
        )


def _settings_problems() -> list[checks.Error]:
    from django.conf import settings

    names = (*SINGLE_SECRETS, "SECRET_KEY_FALLBACKS", "FIELD_ENCRYPTION_KEY_FALLBACKS")
    values = {name: getattr(settings, name, None) for name in names}
    return [
        checks.Error(problem, hint="See docs/deployment.md (secrets).", id="registro.E002")
        for problem in secret_problems(values)
    ]


def check_secrets(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every `manage.py check` with DEBUG off (settings.py has refused them already, unless
    they were changed after loading)."""
    from django.conf import settings

    if settings.DEBUG:
        return []
    messages: list[checks.CheckMessage] = _settings_problems()
    if settings.FIELD_ENCRYPTION_LEGACY_SALTS:
        messages.append(
            checks.Warning(
                "FIELD_ENCRYPTION_SALT is set: encrypted values written before "
                "FIELD_ENCRYPTION_KEY existed are still read with keys derived from SECRET_KEY.",
                hint="Run `manage.py rotate_keys`, then remove FIELD_ENCRYPTION_SALT "
                "(docs/deployment.md).",
                id="registro.W002",
            )
        )
    return messages


def check_secrets_for_deployment(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy` with DEBUG on (with DEBUG off, `check_secrets` reports them)."""
    from django.conf import settings

    return _settings_problems() if settings.DEBUG else []
