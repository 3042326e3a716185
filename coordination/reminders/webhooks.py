"""Webhooks, the second channel: a department's endpoints receive the events and reminders they subscribed to.

Each delivery is recorded first (unique per endpoint, event, item and occurrence), then sent as JSON, signed with
HMAC-SHA256 over "<timestamp>.<body>" with the endpoint's secret:

    X-Tracker-Delivery: <uuid>     X-Tracker-Event: <event>
    X-Tracker-Timestamp: <unix seconds>     X-Tracker-Signature: sha256=<hex digest>

A receiver recomputes the digest, compares it in constant time and refuses old timestamps. Every attempt at a
delivery carries the same X-Tracker-Delivery id (fixed when it is recorded), so a receiver drops a copy it has
seen. Network errors and answers other than 2xx are retried with growing delays; an endpoint that fails too many
times in a row is disabled and its owner told by email.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.access import goes_outside, restrict
from coordination.models import ActionItem, WebhookDelivery, WebhookEndpoint
from coordination.queue import outbox_add
from coordination.selectors import endpoint_viewer

from .claims import claim_leaves_time, claim_timeout, claim_token_new, through_outage
from .targets import opener, url_refusal

logger = logging.getLogger(__name__)
State = WebhookDelivery.State
MAX_ATTEMPTS = 8
DELIVER_WEBHOOK_TASK = "coordination.tasks.deliver_webhook_task"


class WebhookFailed(Exception):
    """This attempt failed; the delivery is pending again (or failed after its last attempt)."""


def webhook_secret_new() -> str:
    """A new signing secret: 256 bits from the system's random source, generated here and never chosen by hand."""
    return secrets.token_urlsafe(32)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value of X-Tracker-Signature for a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def payload_for(item: ActionItem, event: str, delivery_id: uuid.UUID) -> dict:
    """What a receiver gets; restricted items carry only id, title, due date and links."""
    base = settings.SITE_URL.rstrip("/")
    data = {
        "id": item.pk,
        "title": item.title,
        "due_date": item.due_date.isoformat() if item.due_date else None,
        "url": f"{base}/api/v1/action-items/{item.pk}/",
        "admin_url": f"{base}/admin/coordination/actionitem/{item.pk}/change/",
    }
    if goes_outside(item, "status"):
        data |= {"status": item.status, "lead_agency": item.lead_agency.code, "department": item.department.code}
    return {"delivery": str(delivery_id), "event": event, "sent_for": timezone.now().isoformat(), "action_item": data}


def active_endpoints() -> dict[int, list[WebhookEndpoint]]:
    """Every active endpoint, by department (one query)."""
    by_department: dict[int, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(is_active=True):
        by_department.setdefault(endpoint.department_id, []).append(endpoint)
    return by_department


def webhook_record(
    *, item: ActionItem, event: str, occurrence: str, endpoints: dict[int, list[WebhookEndpoint]] | None = None
) -> list[WebhookDelivery]:
    """Record a delivery for each active endpoint of the item's department that wants `event`, and queue them after
    the transaction commits. Call inside the transaction that made the change."""
    if endpoints is None:
        endpoints = active_endpoints()
    endpoints = [endpoint for endpoint in endpoints.get(item.department_id, []) if event in endpoint.events]
    created = []
    for endpoint in endpoints:
        delivery_id = uuid.uuid4()
        delivery, was_created = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint,
            event=event,
            action_item=item,
            occurrence=occurrence,
            defaults={"delivery_id": delivery_id, "payload": payload_for(item, event, delivery_id)},
        )
        if was_created:
            created.append(delivery)
            outbox_add(DELIVER_WEBHOOK_TASK, delivery.pk)
    return created


def _claim(delivery_pk: int, now) -> WebhookDelivery | None:
    """Take the delivery with a fresh token; None when it is not pending (sent, or another worker has it)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(pk=delivery_pk, state=State.PENDING, endpoint__is_active=True)
            .first()
        )
        if delivery is None:
            return None
        delivery.state = State.SENDING
        delivery.claimed_at = now
        delivery.claim_token = claim_token_new()
        delivery.attempts += 1
        delivery.save(update_fields=["state", "claimed_at", "claim_token", "attempts"])
    return delivery


def _held(delivery: WebhookDelivery):
    """The delivery, while it is still this attempt's claim."""
    return WebhookDelivery.objects.filter(pk=delivery.pk, state=State.SENDING, claim_token=delivery.claim_token)


def webhook_deliver(*, delivery_pk: int) -> bool:
    """Send one delivery; True when the receiver accepted it (2xx). Raises WebhookFailed to be retried."""
    delivery = _claim(delivery_pk, timezone.now())
    if delivery is None:
        return False
    endpoint = delivery.endpoint
    if not restrict(ActionItem, endpoint_viewer(endpoint)).filter(pk=delivery.action_item_id).exists():
        # Checked again at send time: the endpoint speaks for its department, and only of what it still sees.
        _held(delivery).update(
            state=State.WITHHELD, last_error="Not sent: the endpoint's department no longer sees this item."
        )
        return False
    refusal = url_refusal(endpoint.url)
    if refusal:
        # Checked again at send time, after resolving the name: nothing is sent, and nothing tried again.
        _held(delivery).update(state=State.FAILED, last_error=refusal[:1000])
        _count_failure(endpoint)
        return False
    body = json.dumps(delivery.payload, sort_keys=True, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "coordination-tracker-webhooks",
            "X-Tracker-Delivery": str(delivery.delivery_id),
            "X-Tracker-Event": delivery.event,
            "X-Tracker-Timestamp": timestamp,
            "X-Tracker-Signature": signature(endpoint.secret, timestamp, body),
        },
    )
    if not claim_leaves_time(delivery.claimed_at) or not _held(delivery).exists():
        # Held up since the claim (a pause, a stop): sending now could overlap a worker that took it over.
        _held(delivery).update(state=State.PENDING, claim_token=None, last_error="The claim ran short before sending.")
        raise WebhookFailed("claim ran short before sending")
    status_code, error = None, ""
    try:
        with opener().open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status_code = response.status
    except urllib.error.HTTPError as answer:
        status_code, error = answer.code, f"HTTP {answer.code}"
    except (urllib.error.URLError, OSError, ValueError) as failure:
        error = str(getattr(failure, "reason", failure))[:1000]
    if status_code is not None and 200 <= status_code < 300:
        marked = through_outage(
            lambda: _held(delivery).update(
                state=State.DELIVERED, delivered_at=timezone.now(), last_status_code=status_code, last_error=""
            ),
            what=f"webhook delivery {delivery.delivery_id} was accepted",
        )
        if not marked:
            logger.warning("Webhook delivery %s was accepted after its claim was taken over.", delivery.delivery_id)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        return True
    final = delivery.attempts >= MAX_ATTEMPTS
    _held(delivery).update(
        state=State.FAILED if final else State.PENDING,
        claim_token=None,
        last_status_code=status_code,
        last_error=error,
    )
    _count_failure(endpoint)
    raise WebhookFailed(error)


def _count_failure(endpoint: WebhookEndpoint) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    endpoint.refresh_from_db(fields=["consecutive_failures", "is_active"])
    if endpoint.is_active and endpoint.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES:
        webhook_endpoint_disable(endpoint=endpoint)


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint) -> None:
    """Stop sending to an endpoint that keeps failing, and tell its owner."""
    endpoint.is_active = False
    endpoint.disabled_at = timezone.now()
    endpoint._change_reason = "Disabled after repeated failures"
    endpoint.save(update_fields=["is_active", "disabled_at", "updated_at"])
    owner = endpoint.owner
    logger.warning("Webhook endpoint %s disabled after %d failures.", endpoint.url, endpoint.consecutive_failures)
    if owner.email:
        with translation.override(owner.preferred_language or settings.LANGUAGE_CODE):
            # One line whatever the stored name holds (names saved before line breaks were refused, say).
            name = " ".join(endpoint.name.split())
            subject = _("[Coordination tracker] Webhook “%(name)s” disabled") % {"name": name}
            body = _(
                "The webhook endpoint “%(name)s” (%(url)s) failed %(count)d times in a row and has been disabled. "
                "Fix the receiver, then switch the endpoint back on in the admin."
            ) % {"name": endpoint.name, "url": endpoint.url, "count": endpoint.consecutive_failures}
        send_mail(subject, body, None, [owner.email])


def webhooks_to_requeue(*, now=None) -> list[int]:
    """Free claims of dead workers and return the deliveries nobody has tried lately."""
    now = now or timezone.now()
    requeue_after = datetime.timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS)
    WebhookDelivery.objects.filter(state=State.SENDING, claimed_at__lt=now - claim_timeout()).update(
        state=State.PENDING, claim_token=None
    )
    waiting = WebhookDelivery.objects.filter(
        state=State.PENDING, endpoint__is_active=True, created_at__lt=now - requeue_after
    ).exclude(claimed_at__gte=now - requeue_after)
    return list(waiting.values_list("pk", flat=True))
