"""Plain Django views outside the admin and the API."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from coordination.models import Heartbeat


def health(request):
    """Liveness of the database, Celery beat and the Celery worker, as JSON (200 when all are fine, else 503)."""
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
    if checks["database"]["ok"]:
        seen = dict(Heartbeat.objects.values_list("component", "last_seen_at"))
        for component in Heartbeat.Component:
            last = seen.get(component.value)
            checks[component.value] = {
                "ok": last is not None and now - last <= stale_after,
                "last_seen_at": last.isoformat() if last else None,
                "seconds_ago": round((now - last).total_seconds()) if last else None,
            }
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"ok": ok, "checks": checks}, status=200 if ok else 503)
