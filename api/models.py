"""Partner organisations and their API keys (DESIGN §4: the partner tier).

Keys are stored hashed by djangorestframework-api-key; the clear key is shown once, when the key
is created in the admin. A key stops working when it is revoked, when it expires, or when its
organisation is deactivated.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from lib.privacy import Privacy


class Partner(models.Model):
    """An organisation (UN mission, NGO, university…) allowed to pull partner-tier data."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    contact_email = models.EmailField(
        _("contact e-mail"),
        blank=True,
        help_text=_("Who to tell about changes to the API or to the organisation's keys."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Deactivating an organisation stops every one of its keys at once."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Who may see each field (lib/privacy.py).
    privacy = Privacy.staff_only()

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerAPIKey(AbstractAPIKey):
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner organisation"),
        on_delete=models.CASCADE,
        related_name="api_keys",
    )

    # Who may see each field (lib/privacy.py).
    privacy = Privacy.staff_only()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("partner API key")
        verbose_name_plural = _("partner API keys")
