"""Two-factor authentication: an authenticator app's codes (TOTP) with single-use recovery codes (django-otp).

Required of coordinators, directors and superusers where `TWO_FACTOR_REQUIRED` is on (production's default),
offered to liaisons; a tool's account never signs in and so never needs it. A session signed in with a password
alone is "pending" until its second factor is given: it opens only the pages that ask for it (and sign-out)."""

from __future__ import annotations

import base64
import datetime

import django_otp
import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from coordination.calendar import japan_today
from coordination.selectors import viewer_for

from .models import SecurityEvent, User

AUTHENTICATOR = "authenticator"
RECOVERY = "recovery codes"


def two_factor_required(user: User, *, now: datetime.datetime | None = None) -> bool:
    """Whether this account must use a second factor here: people with a department role and superusers, where
    the setting asks for it."""
    if not settings.TWO_FACTOR_REQUIRED or user.is_integration:
        return False
    if user.is_superuser:
        return True
    viewer = viewer_for(user, today=japan_today(now))
    return bool(viewer.coordinator_department_ids or viewer.director_department_ids)


def two_factor_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# A password-only session found to need nothing more is asked again after this long (a role that now requires a
# second factor is noticed within it) or at its next sign-in, not on every page.
NOTHING_PENDING_SECONDS = 300
NOTHING_PENDING_KEY = "second_factor_nothing_pending_until"


def second_factor_pending(request) -> str | None:
    """What a password-only session still has to do: "verify" (give a code) or "enrol" (set up an authenticator,
    where it is required), or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_integration:
        return None
    if getattr(request, "auth", None) is not None:  # an API token: no session to verify
        return None
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return None
    session = getattr(request, "session", None)
    now = timezone.now().timestamp()
    signed_in = user.last_login.timestamp() if user.last_login else 0
    remembered = session.get(NOTHING_PENDING_KEY) if session is not None else None
    if remembered and remembered[0] == signed_in and remembered[1] > now:
        return None
    if two_factor_enabled(user):
        return "verify"
    if two_factor_required(user):
        return "enrol"
    if session is not None:
        session[NOTHING_PENDING_KEY] = [signed_in, now + NOTHING_PENDING_SECONDS]
    return None


def qr_svg(text: str) -> str:
    """An SVG drawing of a QR code for `text` (drawn here: nothing is fetched from elsewhere)."""
    return segno.make(text, error="m").svg_inline(scale=5, dark="#000", light="#fff", omitsize=False)


@transaction.atomic
def authenticator_enrolment_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator key for `user` (any earlier unconfirmed one is dropped)."""
    if user.is_integration:
        raise PermissionDenied(_("A tool's account signs in with tokens only."))
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


def authenticator_pending(user: User) -> TOTPDevice | None:
    """The key being set up and not yet confirmed, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


@transaction.atomic
def authenticator_enrolment_confirm(*, request, user: User, code: str) -> list[str]:
    """Confirm the unconfirmed key with a code from the app; replaces any earlier authenticator, creates new
    recovery codes (returned, shown once) and marks this session as verified."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise ValidationError(_("Start again: the key to confirm has expired."))
    if not device.verify_token(_digits(code)):
        raise ValidationError({"code": [_("That code does not match. Check the time on your phone and try again.")]})
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    SecurityEvent.objects.record(kind=SecurityEvent.Kind.TWO_FACTOR_ENABLED, user=user)
    codes = recovery_codes_create(user=user)
    django_otp.login(request, device)
    return codes


@transaction.atomic
def recovery_codes_create(*, user: User) -> list[str]:
    """New single-use recovery codes for `user` (the old ones stop working); returned once, to be shown once."""
    if not two_factor_enabled(user):
        raise ValidationError(_("Turn on two-factor authentication first."))
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = []
    while len(codes) < settings.RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    SecurityEvent.objects.record(kind=SecurityEvent.Kind.RECOVERY_CODES_CREATED, user=user)
    return codes


def _digits(code: str) -> str:
    return "".join((code or "").split()).replace("-", "")


def second_factor_verify(*, request, code: str) -> bool:
    """Check a code from the authenticator app, or a recovery code (used up); on success the session is verified."""
    user = request.user
    code = _digits(code)
    with transaction.atomic():
        device = None
        if code.isdigit():
            totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if totp is not None and totp.verify_token(code):
                device = totp
        else:
            static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if static is not None and static.verify_token(code.lower()):
                device = static
    if device is None:
        SecurityEvent.objects.record(kind=SecurityEvent.Kind.TWO_FACTOR_FAILED, user=user)
        return False
    if isinstance(device, StaticDevice):
        SecurityEvent.objects.record(
            kind=SecurityEvent.Kind.RECOVERY_CODE_USED, user=user, detail={"left": recovery_codes_left(user)}
        )
    django_otp.login(request, device)
    return True


def second_factor_throttled(user: User) -> bool:
    """Whether too many wrong codes in a row make the account wait before the next try."""
    for model in (TOTPDevice, StaticDevice):
        device = model.objects.filter(user=user, confirmed=True).first()
        if device is not None and not device.verify_is_allowed()[0]:
            return True
    return False


@transaction.atomic
def two_factor_disable(*, actor: User, user: User, now: datetime.datetime | None = None) -> None:
    """Remove the authenticator and recovery codes of `user`: by themselves where it is not required of them, or
    by a superuser (a lost phone), which also ends the account's sessions."""
    now = now or timezone.now()
    if actor.pk == user.pk:
        if two_factor_required(user, now=now):
            raise PermissionDenied(_("Two-factor authentication is required for your role: it cannot be turned off."))
    elif not actor.is_superuser:
        raise PermissionDenied(_("Only the system's administrators reset someone else's second factor."))
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    SecurityEvent.objects.record(
        kind=SecurityEvent.Kind.TWO_FACTOR_DISABLED, user=user, actor=None if actor.pk == user.pk else actor
    )
    if actor.pk != user.pk:
        user.sessions_end(reason="second factor reset", actor=actor)


def readable_secret(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app when the QR code cannot be scanned."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
