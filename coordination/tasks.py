"""Celery tasks: thin wrappers that load what they need and call a service."""

from __future__ import annotations

import datetime
import logging
import socket

from celery import shared_task
from celery.signals import before_task_publish
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from coordination.integrity import audit_anchor, audit_verify_and_alert
from coordination.models import Heartbeat, IdempotencyRecord
from coordination.queue import outbox_relay, publish_now
from coordination.reminders.delivery import DeliveryFailed, reminders_deliver, reminders_to_requeue
from coordination.reminders.sweep import reminders_sweep
from coordination.reminders.webhooks import WebhookFailed, webhook_deliver, webhooks_to_requeue
from coordination.services import action_items_recur

HEARTBEAT_TASK = "coordination.tasks.heartbeat_task"

logger = logging.getLogger(__name__)

# A digest that cannot be sent is tried again this many times, with growing delays.
MAX_DELIVERY_RETRIES = 5


@before_task_publish.connect
def _stamp_heartbeat_publish_time(sender=None, headers=None, **kwargs):
    """Beat's heartbeat carries the moment beat sent it, so the worker can record when beat last ran."""
    if sender == HEARTBEAT_TASK and headers is not None:
        headers["heartbeat_published_at"] = timezone.now().isoformat()


def heartbeat_record(*, worker_seen_at, beat_seen_at=None, worker_name: str = "") -> None:
    """Record that a worker ran now and, when beat sent the message, when beat last ran."""
    Heartbeat.objects.update_or_create(
        component=Heartbeat.Component.WORKER,
        defaults={"last_seen_at": worker_seen_at, "detail": worker_name[:200]},
    )
    if beat_seen_at is not None:
        Heartbeat.objects.update_or_create(
            component=Heartbeat.Component.BEAT, defaults={"last_seen_at": beat_seen_at, "detail": ""}
        )


@shared_task(bind=True, ignore_result=True)
def heartbeat_task(self) -> None:
    """Periodic (beat): proves that beat sends and a worker runs."""
    published = getattr(self.request, "heartbeat_published_at", None)
    from_beat = getattr(self.request, "periodic_task_name", None) is not None
    beat_seen_at = (parse_datetime(published) if published else timezone.now()) if from_beat else None
    heartbeat_record(
        worker_seen_at=timezone.now(),
        beat_seen_at=beat_seen_at,
        worker_name=self.request.hostname or socket.gethostname(),
    )


def idempotency_records_purge(*, now=None) -> int:
    """Forget Idempotency-Keys older than the window in which a retry is answered from them; returns how many."""
    now = now or timezone.now()
    window = now - datetime.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=window).delete()
    return deleted


@shared_task(ignore_result=True)
def idempotency_records_purge_task() -> None:
    """Periodic (beat, hourly): keeps the table of remembered API answers small."""
    count = idempotency_records_purge()
    if count:
        logger.info("Forgot %d idempotency records.", count)


# --- Reminders ------------------------------------------------------------------------------------------------------


@shared_task(ignore_result=True)
def sweep_reminders_task() -> None:
    """Periodic (beat, every quarter hour of office hours on weekdays): record due reminders, queue deliveries.

    The first run of a business day is at 09:00 Japan time; later runs catch up a missed one and record nothing
    new otherwise. Nothing is recorded on a day offices are closed.
    """
    now = timezone.now()
    action_items_recur(now=now)  # a recurring item's next occurrence exists before the reminders are worked out
    reminders_sweep(at=now)


@shared_task(bind=True, ignore_result=True, max_retries=MAX_DELIVERY_RETRIES)
def deliver_reminders_task(self, recipient_id: int) -> None:
    """Send a recipient's pending reminders as one digest; retried with growing delays when sending fails."""
    try:
        reminders_deliver(recipient_id=recipient_id)
    except DeliveryFailed as error:
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 1800)) from error


@shared_task(ignore_result=True)
def requeue_reminders_task() -> None:
    """Periodic (beat, every minute): queue again what is still unsent (a lost message, a dead worker, a broker
    that was down), so that every recorded reminder goes out."""
    try:
        for recipient_id in reminders_to_requeue():
            publish_now(deliver_reminders_task.name, recipient_id)
        for delivery_pk in webhooks_to_requeue():
            publish_now(deliver_webhook_task.name, delivery_pk)
    except Exception as error:  # kombu and redis raise several unrelated types for an unreachable broker
        logger.warning("Broker unreachable: the unsent rows are queued again on the next run (%s).", error)


@shared_task(ignore_result=True)
def relay_outbox_task() -> None:
    """Periodic (beat, every few seconds): publish the tasks that changes wrote to the outbox (coordination.queue)."""
    outbox_relay()


@shared_task(bind=True, ignore_result=True, max_retries=8)
def deliver_webhook_task(self, delivery_pk: int) -> None:
    """Send one webhook delivery; network errors and non-2xx answers are retried with growing delays."""
    try:
        webhook_deliver(delivery_pk=delivery_pk)
    except WebhookFailed as error:
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 3600)) from error


# --- The record's integrity ---------------------------------------------------------------------------------------


@shared_task(ignore_result=True)
def audit_anchor_task() -> None:
    """Periodic (beat, nightly): each sealed table's newest end written outside the database and emailed."""
    audit_anchor()


@shared_task(ignore_result=True)
def audit_verify_task() -> None:
    """Periodic (beat, nightly): every chain verified; a break is emailed to whom it concerns."""
    audit_verify_and_alert()
