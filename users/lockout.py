"""Lockout after repeated failed sign-ins (django-axes): per account and per address, each with its own limit, and
lifted by a superuser in the admin."""

from __future__ import annotations

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, Sum
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import SecurityEvent


class LockoutHandler(AxesDatabaseHandler):
    """Axes compares one count with one limit (`LOGIN_FAILURE_LIMIT`). The address's failures count in proportion,
    so that an address reaches that limit only after `LOGIN_ADDRESS_FAILURE_LIMIT` failures: many people of one
    ministry may share an address, and a few mistyped passwords among them must not lock all of them out."""

    def get_failures(self, request, credentials=None) -> int:
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]  # in the order of AXES_LOCKOUT_PARAMETERS: the account's, then the address's
        by_account, by_address = counts[0], counts[-1]
        scaled = math.floor(by_address * settings.LOGIN_FAILURE_LIMIT / settings.LOGIN_ADDRESS_FAILURE_LIMIT)
        return max(by_account, scaled)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful sign-in forgets its account's failures only: the address's stay counted, or one valid
        account would let its holder wipe the address's count between guesses at others."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _deleted = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out sign-in gets (429), in the admin's frame, saying how long to wait."""
    context = {
        **admin.site.each_context(request),
        "title": _("Signing in is locked for a while"),
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return TemplateResponse(request, "admin/locked_out.html", context, status=429).render()


def lockouts_current(*, now=None):
    """The failed sign-ins still counting (within the cool-off time), newest first."""
    now = now or timezone.now()
    return AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME).order_by("-attempt_time")


def is_locked(attempt: AccessAttempt, *, now=None) -> bool:
    """Whether this attempt's account or address is locked out now."""
    current = lockouts_current(now=now)
    by_account = current.filter(username=attempt.username).aggregate(t=Sum("failures_since_start"))["t"] or 0
    by_address = current.filter(ip_address=attempt.ip_address).aggregate(t=Sum("failures_since_start"))["t"] or 0
    return by_account >= settings.LOGIN_FAILURE_LIMIT or by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


@transaction.atomic
def lockout_lift(*, actor, attempts) -> int:
    """Forget the failed sign-ins of the accounts and addresses of `attempts`; returns how many rows went. Only the
    system's administrators lift a lockout (ACCESS.md: superusers change accounts)."""
    if not actor.is_superuser:
        raise PermissionDenied(_("Only the system's administrators lift a lockout."))
    attempts = list(attempts)
    if not attempts:
        return 0
    condition = Q()
    for attempt in attempts:
        condition |= Q(username=attempt.username) | Q(ip_address=attempt.ip_address)
    count, _deleted = AccessAttempt.objects.filter(condition).delete()
    for username, address in sorted({(attempt.username or "", attempt.ip_address or "") for attempt in attempts}):
        SecurityEvent.objects.record(
            kind=SecurityEvent.Kind.UNLOCKED,
            actor=actor,
            username=username,
            detail={"address": address},
        )
    return count
