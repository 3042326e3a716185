"""Writes on accounts: API tokens (issued, the key returned once and never stored, and revoked) and the
password-reset email."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from coordination.access import may_manage_tokens_of
from coordination.calendar import japan_today
from coordination.selectors import viewer_for
from coordination.validation import single_line

from .models import ApiToken, SecurityEvent, User


def _may_manage_tokens_of(actor, user, *, now: datetime.datetime) -> bool:
    """The access rule for tokens (`coordination.access`): one's own, and a superuser anyone's. A token acts as
    its owner, so issuing one for somebody else would let the issuer act as them."""
    if actor is None:  # the operator's command line: whoever can run manage.py already holds the database
        return True
    return may_manage_tokens_of(viewer_for(actor, today=japan_today(now)), user)


@transaction.atomic
def api_token_issue(
    *,
    actor,
    user,
    name: str,
    expires_days: int | None = None,
    read_only: bool = False,
    issued_from: str = "",
    now: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Issue a new token for `user`; returns the token row and the key, which is shown once and never stored.

    `actor` is who issues it (None for the operator's command line, which says where in `issued_from`)."""
    now = now or timezone.now()
    if not _may_manage_tokens_of(actor, user, now=now):
        raise PermissionDenied(
            _(
                "People issue API tokens for themselves and for the tools' accounts they manage; only superusers "
                "issue them for others."
            )
        )
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Say what the token is for.")]
    else:
        try:
            single_line(name)
        except ValidationError as error:
            errors["name"] = error.messages
    if expires_days is not None and not 1 <= expires_days <= 3650:
        errors["expires_days"] = [_("A token expires after 1 to 3650 days, or never.")]
    if not user.is_active:
        errors["user"] = [_("This user is inactive.")]
    if errors:
        raise ValidationError(errors)
    expiry = datetime.timedelta(days=expires_days) if expires_days else None
    token, key = ApiToken.objects.create(
        user=user,
        expiry=expiry,
        name=name[:100],
        created_by=actor,
        read_only=bool(read_only),
        issued_from=(issued_from or "")[:200],
    )
    SecurityEvent.objects.record(
        kind=SecurityEvent.Kind.TOKEN_ISSUED,
        user=user,
        actor=actor if actor is not None and actor.pk != user.pk else None,
        detail={"token": str(token.public_id), "name": token.name, "read_only": token.read_only, "from": issued_from},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken, now: datetime.datetime | None = None) -> ApiToken:
    """Revoke a token: it stops working at once and stays on record with who revoked it and when."""
    now = now or timezone.now()
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if actor is not None and actor.pk != token.user_id and not _may_manage_tokens_of(actor, token.user, now=now):
        raise PermissionDenied(
            _(
                "People revoke their own API tokens and those of the tools' accounts they manage; only superusers "
                "revoke others'."
            )
        )
    if token.revoked_at is None:
        token.revoked_at = now
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        SecurityEvent.objects.record(
            kind=SecurityEvent.Kind.TOKEN_REVOKED,
            user=token.user,
            actor=actor if actor is not None and actor.pk != token.user_id else None,
            detail={"token": str(token.public_id), "name": token.name},
        )
    return token


# A password-reset link is sent at most once in this many minutes per account, however often it is asked for.
RESET_EMAIL_INTERVAL = datetime.timedelta(minutes=5)


def password_reset_email_send(*, user) -> None:
    """Email `user` a link to choose a new password, in their language. The link is built on SITE_URL, never on the
    Host header of whoever asked for it."""
    token = default_token_generator.make_token(user)
    path = reverse(
        "password_reset_confirm", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": token}
    )
    context = {"user": user, "link": settings.SITE_URL.rstrip("/") + path, "site_url": settings.SITE_URL}
    with translation.override(user.preferred_language):
        subject = " ".join(render_to_string("users/password_reset_subject.txt", context).split())
        body = render_to_string("users/password_reset_email.txt", context)
    send_mail(subject, body, None, [user.email])


def password_reset_users(email: str, *, now: datetime.datetime | None = None):
    """The accounts a reset link for `email` goes to: active people with a password (never a tool's account), not
    sent one in the last few minutes."""
    now = now or timezone.now()
    recent = SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.PASSWORD_RESET_REQUESTED, at__gte=now - RESET_EMAIL_INTERVAL, detail__sent=True
    ).values("user_id")
    users = User.objects.filter(email__iexact=email, is_active=True, is_integration=False).exclude(pk__in=recent)
    return [user for user in users if user.has_usable_password()]
