"""Venezuelan national id numbers (cédula): normal form and keyed hash for exact look-up.

The number itself is stored encrypted and never displayed publicly; the keyed hash lets staff and
families find a person by typing a number in any usual form (V-12.345.678, 12345678, e-1234567).
The nationality letter is not part of the hash: people quote the number without it.
"""

import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_NATIONAL_ID_PATTERN = re.compile(r"^\s*(?:([VvEe])\s*[-.]?\s*)?((?:\d[\s.]?){4,10})\s*$")


def normalise_national_id(raw: str) -> str:
    """Return the normal form 'V-12345678' (letter, dash, digits); raise ValidationError."""
    match = _NATIONAL_ID_PATTERN.match(raw or "")
    digits = re.sub(r"\D", "", match.group(2)) if match else ""
    digits = digits.lstrip("0")
    if not match or not 4 <= len(digits) <= 10:
        raise ValidationError(
            _("Enter a national id number such as V-12.345.678 or 12345678."),
            code="invalid_national_id",
        )
    letter = (match.group(1) or "V").upper()
    return f"{letter}-{digits}"


def national_id_hash(raw: str) -> str:
    """Keyed hash (HMAC-SHA256) of the digits of a national id number, as hex."""
    digits = normalise_national_id(raw).split("-", 1)[1]
    key = settings.NATIONAL_ID_HASH_KEY.encode()
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()


def looks_like_national_id(text: str) -> bool:
    try:
        normalise_national_id(text)
    except ValidationError:
        return False
    return True


class HashedNationalIdMixin:
    """For models with an encrypted `national_id` and its `national_id_hash` look-up column."""

    def clean(self) -> None:
        super().clean()
        if self.national_id:
            try:
                self.national_id = normalise_national_id(self.national_id)
            except ValidationError as error:
                raise ValidationError({"national_id": error.messages}) from error

    def set_national_id_hash(self) -> None:
        """Normal form of the number and its look-up hash (save does it; bulk inserts must)."""
        if self.national_id:
            self.national_id = normalise_national_id(self.national_id)
            self.national_id_hash = national_id_hash(self.national_id)
        else:
            self.national_id, self.national_id_hash = None, ""

    def save(self, *args, **kwargs) -> None:
        self.set_national_id_hash()
        super().save(*args, **kwargs)
