"""Who is calling: anyone (public tier) or a partner organisation's API key (partner tier).

DESIGN §4. Staff sessions are not accepted here: the API never serves the staff tier, so a
logged-in coordinator reading the API sees the public tier like anybody else.
"""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from api.models import PartnerAPIKey
from lib.privacy import Tier

KEYWORD = KeyParser.keyword  # "Authorization: Api-Key <key>"
MAX_KEY_LENGTH = 100  # issued keys are 41 characters


def request_tier(request: Request) -> Tier:
    return Tier.PARTNER if isinstance(request.auth, PartnerAPIKey) else Tier.PUBLIC


class PartnerAPIKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>` identifies a partner; no header means the public tier.

    A key that is sent but unusable (unknown, revoked, expired, organisation deactivated) is
    refused with 401 rather than silently served the public tier, so that a partner notices.
    """

    def authenticate(self, request: Request):
        key = KeyParser().get(request)
        if key is None:
            return None
        if not key.isprintable() or len(key) > MAX_KEY_LENGTH:
            raise exceptions.AuthenticationFailed(_("This API key is not valid."))
        prefix = key.partition(".")[0]
        api_key = PartnerAPIKey.objects.select_related("partner").filter(prefix=prefix).first()
        # Whether a key is revoked or expired is said only to whoever holds the whole key.
        if api_key is None or not api_key.is_valid(key):
            raise exceptions.AuthenticationFailed(_("This API key is not valid."))
        if api_key.revoked:
            raise exceptions.AuthenticationFailed(_("This API key has been revoked."))
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(_("This API key has expired."))
        if not api_key.partner.is_active:
            raise exceptions.AuthenticationFailed(
                _("This API key's organisation is no longer a partner.")
            )
        # No user: a partner is an organisation, not a staff account.
        return (AnonymousUser(), api_key)

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'


class PartnerAPIKeyScheme(OpenApiAuthenticationExtension):
    target_class = PartnerAPIKeyAuthentication
    name = "PartnerAPIKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": str(
                _('Partner tier: send "Authorization: Api-Key <key>". Without it, the public tier.')
            ),
        }
