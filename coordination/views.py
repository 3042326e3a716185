"""Plain Django views outside the admin and the API."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min
from django.http import JsonResponse
from django.utils import timezone
from kombu import Connection

from coordination.beat import beat_lease_holder
from coordination.models import Heartbeat, OutboxMessage

BROKER_CHECK_SECONDS = 2


def broker_check() -> dict:
    """Whether the Celery broker accepts a connection now, within a couple of seconds (never hangs the page)."""
    broker = Connection(
        settings.CELERY_BROKER_URL,
        # A broker that accepts the connection and then says nothing is given as long as one that never answers.
        transport_options={**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "socket_timeout": BROKER_CHECK_SECONDS},
        connect_timeout=BROKER_CHECK_SECONDS,
    )
    try:
        broker.ensure_connection(max_retries=0, timeout=BROKER_CHECK_SECONDS)
        return {"ok": True}
    except Exception as error:  # noqa: BLE001 - any failure to connect means the same: the broker is unreachable
        return {"ok": False, "error": f"{type(error).__name__}: {error}"[:200]}
    finally:
        broker.release()


def outbox_check(*, now: datetime.datetime) -> dict:
    """How much queued work waits for the relay, and since when: late when the oldest has waited through several
    relay runs (the broker down or frozen, or no worker or beat to run the relay)."""
    waiting = OutboxMessage.objects.aggregate(count=Count("pk"), oldest=Min("created_at"))
    seconds = round((now - waiting["oldest"]).total_seconds()) if waiting["oldest"] else 0
    late_after = max(60, 6 * settings.OUTBOX_RELAY_INTERVAL_SECONDS)
    return {"ok": seconds <= late_after, "waiting": waiting["count"], "oldest_seconds": seconds}


def health(request):
    """For load balancers and people: 503 only when the database cannot be reached (nothing works without it).

    The broker, the Celery worker and beat are reported in the body: when one of them is down or stale the status
    is "degraded" and the answer still 200, since pages and the API keep working and the work they queue waits in
    the database (the periodic sweeps send it once they are back)."""
    now = timezone.now()
    # Twice the beat interval plus a margin: one missed beat is not yet an alarm.
    stale_after = datetime.timedelta(seconds=2 * settings.HEARTBEAT_INTERVAL_SECONDS + 30)
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as error:  # noqa: BLE001 - any failure here means the database is not usable
        checks["database"] = {"ok": False, "error": str(error)}
    checks["broker"] = broker_check()
    if checks["database"]["ok"]:
        seen = dict(Heartbeat.objects.values_list("component", "last_seen_at"))
        for component in Heartbeat.Component:
            last = seen.get(component.value)
            checks[component.value] = {
                "ok": last is not None and now - last <= stale_after,
                "last_seen_at": last.isoformat() if last else None,
                "seconds_ago": round((now - last).total_seconds()) if last else None,
            }
        checks["beat"]["lease_holder"] = beat_lease_holder(now=now)  # the one beat sending the schedule
        checks["outbox"] = outbox_check(now=now)
    if not checks["database"]["ok"]:
        state = "down"
    elif all(check["ok"] for check in checks.values()):
        state = "ok"
    else:
        state = "degraded"
    return JsonResponse(
        {"status": state, "ok": state == "ok", "checks": checks}, status=503 if state == "down" else 200
    )
