"""Exactly one beat sends the schedule: a second beat started beside it sends nothing while the first runs, and takes
over once the first dies (its lease runs out), on SQLite with the filesystem broker and on PostgreSQL with Redis."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
SENT = "Sending due task"


def start_beat(env, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115  (closed when the process ends)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO", "-s", str(log_path) + ".schedule"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def test_a_second_beat_stands_by_until_the_first_dies(process_env, tmp_path):
    env = {**process_env, "BEAT_LEASE_SECONDS": "4", "HEARTBEAT_INTERVAL_SECONDS": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_beat(env, first_log)
    second = None
    try:
        wait_for(lambda: SENT in first_log.read_text(), 60, "the first beat to send")
        second = start_beat(env, second_log)
        wait_for(lambda: "stands by" in second_log.read_text(), 60, "the second beat to stand by")
        time.sleep(6)  # longer than a lease: the first renews it, the second keeps waiting
        assert SENT not in second_log.read_text()
        sent_before = first_log.read_text().count(SENT)
        assert sent_before >= 5  # the heartbeat every second, and the rest of the schedule

        first.send_signal(signal.SIGKILL)  # dies without giving the lease up
        first.wait(timeout=10)
        wait_for(lambda: SENT in second_log.read_text(), 30, "the second beat to take over")
        assert "took over the schedule" in second_log.read_text()
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)


def test_a_beat_that_stops_gives_the_lease_up_at_once(process_env, tmp_path):
    env = {**process_env, "BEAT_LEASE_SECONDS": "120", "HEARTBEAT_INTERVAL_SECONDS": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_beat(env, first_log)
    wait_for(lambda: SENT in first_log.read_text(), 60, "the first beat to send")
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0
    second = start_beat(env, second_log)
    try:
        # Well within the two-minute lease: the first gave it up when it stopped.
        wait_for(lambda: SENT in second_log.read_text(), 30, "the second beat to send")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
