"""API authentication by token: `Authorization: Token <key>` or `Bearer <key>`, checked against stored hashes."""

from __future__ import annotations

import binascii
import dataclasses
import datetime
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, get_authorization_header

from coordination.calendar import japan_today
from coordination.selectors import viewer_for

from .models import ApiToken, SecurityEvent
from .two_factor import second_factor_pending

KEYWORDS = (b"token", b"bearer")
# last_used_at is written at most this often per token, so that a busy tool does not write on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    """Knox's hashed tokens, plus names, revocation kept on record, and refusal of people whose access has ended."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        try:
            if len(parts) != 2:
                raise exceptions.AuthenticationFailed(_("Send the header as “Authorization: Token <key>”."))
            return self.authenticate_credentials(parts[1])
        except exceptions.AuthenticationFailed as refusal:
            SecurityEvent.objects.record(
                kind=SecurityEvent.Kind.TOKEN_REFUSED,
                user=getattr(refusal, "token_owner", None),
                detail={"reason": str(refusal.detail)},
            )
            raise

    def authenticate_credentials(self, key):
        try:
            key = key.decode("ascii")
            digest = hash_token(key)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        now = timezone.now()
        candidates = ApiToken.objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related("user")
        for token in candidates:
            if not compare_digest(digest, token.digest):
                continue
            try:
                if token.revoked_at is not None:
                    raise exceptions.AuthenticationFailed(_("This token has been revoked."))
                if token.expiry is not None and token.expiry <= now:
                    raise exceptions.AuthenticationFailed(_("This token has expired."))
                self.refuse_without_access(token.user, read_only=token.read_only)
            except exceptions.AuthenticationFailed as refusal:
                refusal.token_owner = token.user
                raise
            if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            return token.user, token
        raise exceptions.AuthenticationFailed(_("Invalid token."))

    @staticmethod
    def refuse_without_access(user, *, read_only: bool = False) -> None:
        """Whatever token they hold, people with no current role (an ended liaison term, say) are refused. A read-only
        token gives its owner's sight and no writes."""
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is inactive."))
        viewer = viewer_for(user, today=japan_today())
        if read_only and not viewer.read_only:
            viewer = dataclasses.replace(viewer, read_only=True)
        if not viewer.has_any_role:
            raise exceptions.AuthenticationFailed(
                _("This account has no current role: a liaison term that has ended no longer gives access.")
            )
        user.tracker_viewer = viewer  # the API's views reuse it instead of asking the database again

    def authenticate_header(self, request):
        return "Token"


class VerifiedSessionAuthentication(SessionAuthentication):
    """The admin's session, for the API's browsable pages and the console's scripts, once its second factor is
    given: a session signed in with a password alone is anonymous here."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and second_factor_pending(request._request) is not None:
            return None
        return result
