"""A write commits at once when the broker cannot be reached: the work it queues is an outbox row in its own
transaction, and the relay, which cannot publish it, keeps it (with the error) for its next run.

The child process is configured exactly as production would be with Redis down: REDIS_URL names a port on
loopback where nothing listens.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]

WRITE_AND_ENQUEUE = """
import time
from django.db import transaction
from agencies.models import Agency
from coordination.models import OutboxMessage
from coordination.queue import outbox_add, outbox_relay

started = time.monotonic()
with transaction.atomic():
    Agency.objects.create(code="TST", name_en="Test agency", name_ja="試験庁")
    outbox_add("coordination.tasks.heartbeat_task")
print("elapsed", round(time.monotonic() - started, 2))
print("committed", Agency.objects.filter(code="TST").exists())
started = time.monotonic()
print("published", outbox_relay())
print("relay", round(time.monotonic() - started, 2))
print("waiting", OutboxMessage.objects.filter(attempts=1).exclude(last_error="").count())
"""


def closed_port() -> int:
    """A loopback port nobody listens on: bound once to get a free number, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_write_commits_and_logs_when_the_redis_broker_is_down(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'broker-down.sqlite3'}"
    env["REDIS_URL"] = f"redis://127.0.0.1:{closed_port()}/0"
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)

    result = subprocess.run(
        [*manage, "shell", "-c", WRITE_AND_ENQUEUE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    printed = [line.partition(" ") for line in result.stdout.splitlines()]
    lines = {
        key: value for key, _, value in printed if key in ("elapsed", "committed", "published", "relay", "waiting")
    }
    assert lines["committed"] == "True"
    assert float(lines["elapsed"]) < 1, "a write never waits for the broker"
    assert lines["published"] == "0" and lines["waiting"] == "1", "the relay keeps what it could not publish"
    assert float(lines["relay"]) < 15, "the relay gives up on a broker that is down within its retry policy"
    assert "Broker unreachable: 1 queued messages wait for the next relay" in result.stderr
