"""Queueing work for the Celery worker. This module sits below the services: they import it, it imports none of them.

A change that calls for work writes an outbox row in its own transaction (`outbox_add`): rolled back with it, or
committed with it. The relay (`outbox_relay`, a beat task every few seconds, run by a worker) publishes what is
waiting and deletes it. So no web request talks to the broker: a broker that is down or frozen delays the work,
never the request, and loses nothing (the row waits until a publish succeeds).

A message can be published twice (a relay that dies after publishing and before deleting the row), so every task
queued this way must be safe to run twice: the deliveries are, since they claim their rows before sending.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import json
import logging
from collections.abc import Callable, Iterable, Sequence

from celery import current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_guid.context import guid

from coordination.models import OutboxMessage

logger = logging.getLogger(__name__)

# A relay run publishes at most this many rows (the next run, seconds later, takes the rest).
RELAY_BATCH = 500
# A relay holds the rows it publishes this long; a relay that died meanwhile leaves them to the next one.
RELAY_CLAIM = datetime.timedelta(seconds=120)
# Each publish waits this long at most for the broker (the relay runs in a worker: it may wait, a little).
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}

_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar("queueing_suspended", default=False)


@contextlib.contextmanager
def queueing_suspended():
    """Queue nothing inside this block (loading demo data whose notices count as sent already)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def outbox_add(task: str, *args) -> None:
    """Queue the Celery task named `task` with `args` (JSON values): published once the current transaction has
    committed, by the relay; nothing if it rolls back."""
    outbox_add_each(task, [args])


def outbox_add_each(task: str, arguments: Iterable[Sequence]) -> None:
    """`outbox_add` for each set of arguments, in one insert (a sweep queues a delivery per recipient)."""
    if _suspended.get():
        return
    request_id = guid.get() or ""
    OutboxMessage.objects.bulk_create(
        OutboxMessage(task=task, args=list(args), request_id=request_id) for args in arguments
    )


def publish_now(task: str, *args) -> None:
    """Publish a task at once; raises when the broker cannot be reached. For workers and commands, never for a web
    request (those write to the outbox)."""
    current_app.send_task(task, args=list(args), retry=True, retry_policy=PUBLISH_RETRY_POLICY)


def _claim(now: datetime.datetime, limit: int) -> list[int]:
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        OutboxMessage.objects.filter(pk__in=ids).update(claimed_until=now + RELAY_CLAIM)
    return ids


def outbox_relay(
    *, now: datetime.datetime | None = None, limit: int = RELAY_BATCH, publish: Callable[..., None] = publish_now
) -> int:
    """Publish the waiting outbox messages, oldest first, each distinct task and arguments once; returns how many
    were published. Stops at the first failure (the broker is unreachable): the rest waits for the next run."""
    ids = _claim(now or timezone.now(), limit)
    if not ids:
        return 0
    groups: dict[tuple[str, str], list[int]] = {}
    request_ids: dict[tuple[str, str], str] = {}
    rows = OutboxMessage.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "task", "args", "request_id")
    for pk, task, args, request_id in rows:
        key = (task, json.dumps(args))
        groups.setdefault(key, []).append(pk)
        request_ids.setdefault(key, request_id)
    published, done = 0, set()
    for (task, args), pks in groups.items():
        # The task's log lines carry the id of the request that called for it (django-guid adds it on publishing).
        token = guid.set(request_ids[task, args] or None)
        try:
            publish(task, *json.loads(args))
        except Exception as error:  # kombu and redis raise several unrelated types for an unreachable broker
            waiting = [pk for pk in ids if pk not in done]
            OutboxMessage.objects.filter(pk__in=waiting).update(
                claimed_until=None, attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:1000]
            )
            logger.warning("Broker unreachable: %d queued messages wait for the next relay (%s).", len(waiting), error)
            break
        finally:
            guid.reset(token)
        done.update(pks)
        published += 1
    # The published rows go in one statement (one commit, not one per message). Should the process die before it,
    # they are published again once their claim runs out: a task may arrive twice, never not at all.
    OutboxMessage.objects.filter(pk__in=done).delete()
    return published
