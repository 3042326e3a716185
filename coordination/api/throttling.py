"""Per-token request rates, answered with 429 and Retry-After; a cache that cannot be reached never fails a request."""

from __future__ import annotations

import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class PerTokenThrottle(SimpleRateThrottle):
    """Each token has its own budget; session users are counted per user, and anonymous callers per address."""

    scope = "per_token"

    def get_rate(self):
        return settings.API_THROTTLE_RATE  # read per request, so the rate can be changed without a restart

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if getattr(token, "token_key", None):
            ident = f"token:{token.token_key}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"address:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as error:  # the cache backend's own connection errors differ per backend
            logger.warning("Throttling skipped: the cache cannot be reached (%s).", error)
            return True
