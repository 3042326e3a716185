"""Per-token request rates, answered with 429 and Retry-After; a cache that cannot be reached never fails a request."""

from __future__ import annotations

import logging
import time

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

    # After the cache failed to answer, this process stops asking it for a while: a frozen Redis would otherwise
    # add its timeout to every request.
    PAUSE_AFTER_FAILURE_SECONDS = 10.0
    _paused_until = 0.0

    def allow_request(self, request, view):
        if time.monotonic() < PerTokenThrottle._paused_until:
            return True
        try:
            return super().allow_request(request, view)
        except Exception as error:  # the cache backend's own connection errors differ per backend
            PerTokenThrottle._paused_until = time.monotonic() + self.PAUSE_AFTER_FAILURE_SECONDS
            logger.warning(
                "Throttling skipped for %g s: the cache cannot be reached (%s).",
                self.PAUSE_AFTER_FAILURE_SECONDS,
                error,
            )
            return True
