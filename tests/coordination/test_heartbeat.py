"""Heartbeats from Celery beat and the worker, and the health page that reports them."""

import datetime
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from coordination.beat import beat_lease_hold
from coordination.models import Heartbeat
from coordination.queue import outbox_add, outbox_relay
from coordination.tasks import heartbeat_record
from tests.e2e.servers import free_port

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
START = datetime.datetime(2026, 6, 1, 1, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def stale_after():
    return datetime.timedelta(seconds=2 * settings.HEARTBEAT_INTERVAL_SECONDS + 30)


def test_before_any_heartbeat_health_is_degraded_not_down(client, clock):
    """A normal start (web up before the worker and beat have reported) is not an outage for a load balancer."""
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["ok"]) == ("degraded", False)
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"] == {"ok": True}
    assert body["checks"]["beat"] == {"ok": False, "last_seen_at": None, "seconds_ago": None, "lease_holder": None}
    assert body["checks"]["worker"]["ok"] is False


def test_health_names_the_beat_that_holds_the_schedule(client, clock):
    assert beat_lease_hold(holder="web-1:4242:abcd", now=START, seconds=60)
    assert not beat_lease_hold(holder="web-2:99:ef01", now=START, seconds=60)  # a second beat stands by
    assert client.get("/health/").json()["checks"]["beat"]["lease_holder"] == "web-1:4242:abcd"


def health_without_database(database_url: str) -> tuple[int, dict]:
    """/health/ served by a fresh process whose database cannot be reached (nothing here is mocked)."""
    code = (
        "import json, django; django.setup(); from django.test import Client; "
        "r = Client().get('/health/', HTTP_HOST='127.0.0.1'); print(r.status_code); print(r.content.decode())"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DATABASE_URL": database_url}
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    status, body = result.stdout.strip().splitlines()[-2:]
    return int(status), json.loads(body)


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite:////nonexistent-directory/tracker.sqlite3",
        f"postgres://postgres@127.0.0.1:{free_port()}/tracker",  # a loopback port nothing listens on
    ],
    ids=["sqlite", "postgresql"],
)
def test_an_unreachable_database_is_the_one_outage(database_url):
    status, body = health_without_database(database_url)
    assert status == 503
    assert body["status"] == "down" and body["checks"]["database"]["ok"] is False


def test_an_unreachable_broker_is_degraded_and_answers_quickly(client, clock, settings):
    with socket.socket() as probe:  # a loopback port nothing listens on: the connection is refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    heartbeat_record(worker_seen_at=START, beat_seen_at=START)
    started = time.monotonic()
    response = client.get("/health/")
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["checks"]["broker"]["ok"] is False
    assert "Error" in body["checks"]["broker"]["error"]


def test_heartbeat_record_keeps_one_row_per_component(clock):
    heartbeat_record(worker_seen_at=START, beat_seen_at=START, worker_name="celery@host-a")
    later = START + datetime.timedelta(minutes=1)
    heartbeat_record(worker_seen_at=later, beat_seen_at=later, worker_name="celery@host-b")
    rows = {row.component: row for row in Heartbeat.objects.all()}
    assert set(rows) == {"beat", "worker"}
    assert rows["worker"].last_seen_at == later
    assert rows["worker"].detail == "celery@host-b"
    assert rows["beat"].last_seen_at == later


def test_a_worker_heartbeat_without_beat_leaves_beat_untouched(clock):
    heartbeat_record(worker_seen_at=START, beat_seen_at=START)
    later = START + datetime.timedelta(minutes=1)
    heartbeat_record(worker_seen_at=later, worker_name="x" * 300)
    rows = {row.component: row for row in Heartbeat.objects.all()}
    assert rows["beat"].last_seen_at == START
    assert rows["worker"].last_seen_at == later
    assert len(rows["worker"].detail) == 200


def test_health_is_ok_with_fresh_worker_and_beat_heartbeats(client, clock):
    heartbeat_record(worker_seen_at=START, beat_seen_at=START - datetime.timedelta(seconds=5), worker_name="w1")
    clock.shift(datetime.timedelta(seconds=10))
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["ok"]) == ("ok", True)
    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["worker"]["seconds_ago"] == 10
    assert body["checks"]["beat"]["seconds_ago"] == 15
    assert datetime.datetime.fromisoformat(body["checks"]["worker"]["last_seen_at"]) == START


def test_health_is_degraded_when_only_the_worker_is_seen(client, clock):
    heartbeat_record(worker_seen_at=START)
    response = client.get("/health/")
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    checks = response.json()["checks"]
    assert checks["worker"]["ok"] is True
    assert checks["beat"]["ok"] is False


def test_health_stays_ok_up_to_the_staleness_limit(client, clock):
    heartbeat_record(worker_seen_at=START, beat_seen_at=START)
    clock.shift(stale_after())
    assert client.get("/health/").json()["status"] == "ok"


def test_health_is_degraded_when_heartbeats_are_stale(client, clock):
    heartbeat_record(worker_seen_at=START, beat_seen_at=START)
    clock.shift(stale_after() + datetime.timedelta(seconds=1))
    response = client.get("/health/")
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    checks = response.json()["checks"]
    assert checks["worker"]["ok"] is False
    assert checks["beat"]["ok"] is False
    assert checks["database"]["ok"] is True


def test_health_is_degraded_when_beat_alone_is_stale(client, clock):
    heartbeat_record(worker_seen_at=START, beat_seen_at=START)
    clock.shift(datetime.timedelta(hours=1))
    heartbeat_record(worker_seen_at=START + datetime.timedelta(hours=1))  # a worker runs, but beat sends nothing
    response = client.get("/health/")
    assert response.json()["status"] == "degraded"
    checks = response.json()["checks"]
    assert checks["worker"]["ok"] is True
    assert checks["beat"]["ok"] is False
    assert checks["beat"]["seconds_ago"] == 3600


def test_health_recovers_when_heartbeats_resume(client, clock):
    heartbeat_record(worker_seen_at=START, beat_seen_at=START)
    clock.shift(datetime.timedelta(minutes=10))
    assert client.get("/health/").json()["status"] == "degraded"
    now = START + datetime.timedelta(minutes=10)
    heartbeat_record(worker_seen_at=now, beat_seen_at=now)
    assert client.get("/health/").json()["status"] == "ok"


def test_work_waiting_in_the_outbox_past_a_few_relay_runs_is_degraded(client, clock):
    heartbeat_record(worker_seen_at=START, beat_seen_at=START)
    outbox_add("coordination.tasks.heartbeat_task")
    outbox_add("coordination.tasks.deliver_reminders_task", 7)
    clock.shift(datetime.timedelta(seconds=60))
    assert client.get("/health/").json()["checks"]["outbox"] == {"ok": True, "waiting": 2, "oldest_seconds": 60}
    clock.shift(datetime.timedelta(seconds=1))  # the broker down (or no relay) for longer than a minute
    body = client.get("/health/").json()
    assert body["status"] == "degraded"
    assert body["checks"]["outbox"] == {"ok": False, "waiting": 2, "oldest_seconds": 61}
    published = []
    assert outbox_relay(publish=lambda task, *args: published.append((task, args))) == 2
    assert published == [("coordination.tasks.heartbeat_task", ()), ("coordination.tasks.deliver_reminders_task", (7,))]
    body = client.get("/health/").json()
    assert body["status"] == "ok" and body["checks"]["outbox"] == {"ok": True, "waiting": 0, "oldest_seconds": 0}
