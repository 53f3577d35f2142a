"""Rate limits: one bucket per partner key, one per client address for everybody else.

Rates come from settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], set from the environment)
and are read on each request, so tests and operators can change them without a restart of the
class attributes DRF would otherwise freeze at import time. Counters live in the default cache:
Redis in production (CACHE_URL), process memory in development.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.authentication import request_tier
from lib.privacy import Tier


class TierRateThrottle(SimpleRateThrottle):
    tier: Tier

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str | None:
        if request_tier(request) != self.tier:
            return None  # the other throttle counts this request
        return self.cache_format % {"scope": self.scope, "ident": self.identity(request)}

    def identity(self, request) -> str:
        raise NotImplementedError


class AnonymousRateThrottle(TierRateThrottle):
    scope = "anon"
    tier = Tier.PUBLIC

    def identity(self, request) -> str:
        return self.get_ident(request)


class PartnerKeyRateThrottle(TierRateThrottle):
    scope = "partner"
    tier = Tier.PARTNER

    def identity(self, request) -> str:
        # The key's public prefix: each key has its own bucket, whatever address it comes from.
        return request.auth.prefix
