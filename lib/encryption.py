"""Encrypted model fields under a data key of their own (docs/deployment.md, secrets).

django-fernet-encrypted-fields derives its key from SECRET_KEY (with a salt): the key that
signs sessions would also be the key to the data, and changing it would leave every encrypted
value unreadable. Its fields are used here with their keys replaced:

- `FIELD_ENCRYPTION_KEY` (a Fernet key) encrypts every new or changed value;
- `FIELD_ENCRYPTION_KEY_FALLBACKS` decrypt too, so that a new key can be put first and the
  old one kept while `manage.py rotate_keys` re-encrypts what it wrote;
- while `FIELD_ENCRYPTION_SALT` is set, the keys the library derived from `SECRET_KEY` (and
  `SECRET_KEY_FALLBACKS`) with each salt decrypt too: the data written before this key existed
  stays readable until `rotate_keys` has re-encrypted it.

A value read from the database that no configured key decrypts raises `UndecryptableValue`,
where the library would return the ciphertext as if it were the value (shown to staff, and
encrypted again, for good, by the next save).
"""

import base64
import dataclasses
import functools

import encrypted_fields.fields
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class UndecryptableValue(ImproperlyConfigured):
    """A stored value that none of the configured data keys decrypts."""


@dataclasses.dataclass(frozen=True)
class DataKeys:
    current: Fernet  # encrypts
    readable: MultiFernet  # decrypts: the current key first, then the older ones

    def encrypt(self, value: str) -> str:
        return self.current.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        """The value of `token`; InvalidToken if no configured key decrypts it."""
        return self.readable.decrypt(token.encode()).decode()

    def is_current(self, token: str) -> bool:
        """Whether `token` was encrypted with the current key (nothing left to rotate)."""
        try:
            self.current.decrypt(token.encode())
        except InvalidToken:
            return False
        return True


def legacy_key(secret: str, salt: str) -> bytes:
    """A key as django-fernet-encrypted-fields 0.4 derived it from SECRET_KEY and a salt."""
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt.encode(), iterations=100_000)
    return base64.urlsafe_b64encode(kdf.derive(secret.encode()))


@functools.lru_cache(maxsize=8)
def _data_keys(
    current: str, fallbacks: tuple[str, ...], secrets: tuple[str, ...], salts: tuple[str, ...]
) -> DataKeys:
    older = [Fernet(key) for key in fallbacks]
    older += [Fernet(legacy_key(secret, salt)) for secret in secrets for salt in salts]
    primary = Fernet(current)
    return DataKeys(current=primary, readable=MultiFernet([primary, *older]))


def data_keys() -> DataKeys:
    """The data keys of the current settings (derived once per process and configuration)."""
    salts = tuple(settings.FIELD_ENCRYPTION_LEGACY_SALTS)
    secrets = (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS) if salts else ()
    return _data_keys(
        settings.FIELD_ENCRYPTION_KEY,
        tuple(settings.FIELD_ENCRYPTION_KEY_FALLBACKS),
        secrets,
        salts,
    )


class EncryptedTextField(encrypted_fields.fields.EncryptedTextField):
    """The library's encrypted text field, under the data keys above."""

    @property
    def f(self) -> MultiFernet:
        # The library encrypts with f.encrypt (MultiFernet: with its first key, the current
        # one) and tries f.decrypt on values given to to_python (forms, fixtures).
        return data_keys().readable

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            return data_keys().decrypt(value)
        except InvalidToken:
            label = f"{self.model._meta.label}.{self.name}" if hasattr(self, "model") else self.name
            raise UndecryptableValue(
                f"A stored value of {label} cannot be decrypted with FIELD_ENCRYPTION_KEY or "
                "FIELD_ENCRYPTION_KEY_FALLBACKS: add the key it was written with to the "
                "fallbacks (docs/deployment.md)."
            ) from None
