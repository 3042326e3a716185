"""Safe retries and concurrent writers: ETag / If-Match on items, and Idempotency-Key on POSTs."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from coordination.models import IdempotencyRecord

from .errors import IdempotencyConflict, PreconditionFailed, UnprocessableEntity

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
REPLAYED_RESPONSE_HEADERS = ("ETag", "Location")
ABANDONED_AFTER_SECONDS = 600


def etag_for(data) -> str:
    """A strong ETag for a representation: any change of what the reader sees changes it."""
    encoded = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    return f'"{hashlib.sha256(encoded).hexdigest()[:32]}"'


def check_if_match(request, current_etag: str | Callable[[], str]) -> None:
    """Refuse with 412 when the client sent If-Match and none of its tags is the item's current ETag (given, or
    a function giving it, called only when there is an If-Match to compare it with)."""
    header = request.headers.get("If-Match")
    if not header:
        return
    tags = [tag.strip() for tag in header.split(",")]
    # Strong comparison (RFC 9110): a weak tag never matches.
    if "*" in tags:
        return
    if (current_etag() if callable(current_etag) else current_etag) in tags:
        return
    raise PreconditionFailed()


def request_fingerprint(request) -> str:
    body = request.body if request.content_type.startswith("application/json") else b""
    if not body and request.content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
        body = json.dumps(sorted(request.POST.lists()), cls=DjangoJSONEncoder).encode()
        for name, upload in sorted(request.FILES.items()):
            body += f"{name}:{upload.name}:{upload.size}".encode()
    return hashlib.sha256(request.method.encode() + request.path.encode() + body).hexdigest()


class _Replay(Exception):
    """Raised before the handler runs when the request was already answered: the stored answer is sent instead."""

    def __init__(self, record: IdempotencyRecord):
        self.record = record

    def response(self) -> Response:
        response = Response(self.record.response_body, status=self.record.status_code)
        for name, value in self.record.response_headers.items():
            response[name] = value
        response[REPLAYED_HEADER] = "true"
        if self.record.status_code >= 400:
            response.content_type = "application/problem+json"
        return response


class IdempotentPostMixin:
    """A POST retried with the same Idempotency-Key gets the first answer again, and nothing is done twice.

    The key is claimed before the work starts (a unique row per user and key), in one transaction with the work
    and its answer: a request that fails (a 5xx, or the database lost mid-way) leaves no claim behind, so it can be
    retried with the same key at once. A retry that arrives while the first request is still running waits for it
    (the claim's row is locked) and gets its answer, or 409 where the database cannot wait; one that arrives later
    gets the stored answer. A key reused for a different request gets 422.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST" or IDEMPOTENCY_HEADER not in request.headers:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_record = None
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if request.method != "POST" or key is None:
            return
        key = key.strip()
        if not key or len(key) > 200:
            raise ValidationError({IDEMPOTENCY_HEADER: [_("Send a key of 1 to 200 characters.")]})
        fingerprint = request_fingerprint(request._request)
        now = timezone.now()
        window = now - datetime.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
        IdempotencyRecord.objects.filter(user=request.user, key=key, created_at__lt=window).delete()
        # A claim never answered for this long belongs to a request whose process died: the key is free again.
        abandoned = now - datetime.timedelta(seconds=ABANDONED_AFTER_SECONDS)
        IdempotencyRecord.objects.filter(
            user=request.user, key=key, status_code__isnull=True, created_at__lt=abandoned
        ).delete()
        try:
            with transaction.atomic():
                self._idempotency_record = IdempotencyRecord.objects.create(
                    user=request.user, key=key, method="POST", path=request.path[:500], request_hash=fingerprint
                )
        except IntegrityError:
            earlier = IdempotencyRecord.objects.get(user=request.user, key=key)
            if earlier.request_hash != fingerprint:
                raise UnprocessableEntity(
                    _("This Idempotency-Key was already used for a different request; use a new key.")
                ) from None
            if earlier.status_code is None:
                raise IdempotencyConflict(
                    _("A request with this Idempotency-Key is still being processed; retry in a moment.")
                ) from None
            raise _Replay(earlier) from None

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response()
        return self._remember(super().handle_exception(exc))

    def finalize_response(self, request, response, *args, **kwargs):
        return super().finalize_response(request, self._remember(response), *args, **kwargs)

    def _remember(self, response):
        record = getattr(self, "_idempotency_record", None)
        if record is None:
            return response
        self._idempotency_record = None
        if response.status_code >= 500:
            transaction.set_rollback(True)  # the claim goes with the rest: the client may retry with the same key
            return response
        record.status_code = response.status_code
        # PostgreSQL's JSON cannot hold U+0000: an answer echoing such a character (a field name in a multipart
        # upload, say) is kept with it replaced, so remembering the answer never turns a 400 into a 500.
        rendered = JSONRenderer().render(response.data).replace(b"\\u0000", b"\\ufffd")
        record.response_body = json.loads(rendered) if response.data is not None else None
        record.response_headers = {name: response[name] for name in REPLAYED_RESPONSE_HEADERS if name in response}
        record.save(update_fields=["status_code", "response_body", "response_headers"])
        return response
