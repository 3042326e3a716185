"""Writes on users' API tokens: issue (the key is returned once and never stored) and revoke."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.access import may_manage_tokens_of
from coordination.calendar import japan_today
from coordination.selectors import viewer_for
from coordination.validation import single_line

from .models import ApiToken


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
    return token
