"""Where the request being served comes from (address, browser or tool, path, request id), kept for the length of
the request so that records written below the views, the security log above all, can say "from where" without
every service taking the request as an argument."""

from __future__ import annotations

import contextvars
import dataclasses
import ipaddress

from django.conf import settings
from django_guid import get_guid


@dataclasses.dataclass(frozen=True)
class Origin:
    address: str | None
    user_agent: str
    path: str
    request_id: str


_current: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("request_origin", default=None)


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's address: the peer's, or behind a trusted reverse proxy (`BEHIND_PROXY`) the address the proxy
    appended last to X-Forwarded-For (earlier entries are whatever the client sent and prove nothing)."""
    if settings.BEHIND_PROXY:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return _valid_address(forwarded[-1])
    return _valid_address(request.META.get("REMOTE_ADDR", ""))


def origin_of(request) -> Origin:
    return Origin(
        address=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        path=request.get_full_path()[:300],
        request_id=get_guid() or "",
    )


def current_origin() -> Origin | None:
    """The origin of the request being served in this thread, or None (a task, a command)."""
    return _current.get()


class RequestOriginMiddleware:
    """Keeps the request's origin for the records written while it is served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(origin_of(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
