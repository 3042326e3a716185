"""Writes on users' API tokens: issue (the key is returned once and never stored) and revoke."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken


def _may_manage_tokens_of(actor, user) -> bool:
    """Superusers manage anyone's tokens; coordinators and directors manage those of people who are not superusers."""
    if actor is None:  # the command line: whoever can run manage.py already holds the database
        return True
    if actor.is_superuser:
        return True
    from coordination.calendar import japan_today
    from coordination.selectors import viewer_for  # users does not depend on coordination at import time

    return viewer_for(actor, today=japan_today()).is_coordinating and not user.is_superuser


@transaction.atomic
def api_token_issue(
    *, actor, user, name: str, expires_days: int | None = None, now: datetime.datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a new token for `user`; returns the token row and the key, which is shown once and never stored."""
    now = now or timezone.now()
    if not _may_manage_tokens_of(actor, user):
        raise PermissionDenied(_("Only coordinators issue API tokens, and only superusers issue them for superusers."))
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Say what the token is for.")]
    if expires_days is not None and not 1 <= expires_days <= 3650:
        errors["expires_days"] = [_("A token expires after 1 to 3650 days, or never.")]
    if not user.is_active:
        errors["user"] = [_("This user is inactive.")]
    if errors:
        raise ValidationError(errors)
    expiry = datetime.timedelta(days=expires_days) if expires_days else None
    token, key = ApiToken.objects.create(user=user, expiry=expiry, name=name[:100], created_by=actor)
    return token, key


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken, now: datetime.datetime | None = None) -> ApiToken:
    """Revoke a token: it stops working at once and stays on record with who revoked it and when."""
    now = now or timezone.now()
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if actor is not None and actor.pk != token.user_id and not _may_manage_tokens_of(actor, token.user):
        raise PermissionDenied(_("Only coordinators revoke other people's API tokens."))
    if token.revoked_at is None:
        token.revoked_at = now
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token
