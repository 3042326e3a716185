"""Exactly one beat sends the schedule: a second beat started beside it sends nothing while the first runs, and takes
over once the first dies (its lease runs out), on SQLite with the filesystem broker and on PostgreSQL with Redis."""

from __future__ import annotations

import datetime
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import child_query

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]
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


def test_one_beat_sends_a_second_stands_by_takes_over_when_the_first_dies_and_gives_the_lease_up_on_stopping(
    process_env, tmp_path
):
    env = {**process_env, "BEAT_LEASE_SECONDS": "4", "HEARTBEAT_INTERVAL_SECONDS": "1"}
    logs = [tmp_path / f"beat-{number}.log" for number in range(3)]
    beats = [start_beat(env, logs[0])]
    try:
        wait_for(lambda: SENT in logs[0].read_text(), 60, "the first beat to send")
        beats.append(start_beat(env, logs[1]))
        wait_for(lambda: "stands by" in logs[1].read_text(), 60, "the second beat to stand by")
        time.sleep(6)  # longer than a lease: the first renews it, the second keeps waiting
        assert SENT not in logs[1].read_text()
        assert logs[0].read_text().count(SENT) >= 5  # the heartbeat every second, and the rest of the schedule

        beats[0].send_signal(signal.SIGKILL)  # dies without giving the lease up
        beats[0].wait(timeout=10)
        wait_for(lambda: SENT in logs[1].read_text(), 30, "the second beat to take over")
        assert "took over the schedule" in logs[1].read_text()

        # A beat that stops gives the lease up at once: a third one sends well within the lease's length.
        beats.append(start_beat({**env, "BEAT_LEASE_SECONDS": "120"}, logs[2]))
        wait_for(lambda: "stands by" in logs[2].read_text(), 60, "the third beat to stand by")
        beats[1].send_signal(signal.SIGTERM)
        assert beats[1].wait(timeout=30) == 0
        started = time.monotonic()
        wait_for(lambda: SENT in logs[2].read_text(), 30, "the third beat to take over")
        assert time.monotonic() - started < 20
    finally:
        for process in beats:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)


@pytest.mark.redis_server
def test_a_beat_stopped_while_a_send_waits_on_a_frozen_broker_stops_and_gives_the_lease_up(
    process_env, tmp_path, redis_server
):
    env = {**process_env, "REDIS_URL": redis_server.url(0), "HEARTBEAT_INTERVAL_SECONDS": "1"}
    log_path = tmp_path / "beat.log"
    beat = start_beat(env, log_path)
    try:
        wait_for(lambda: log_path.read_text().count(SENT) >= 3, 60, "the beat to send through the broker")
        redis_server.freeze()  # frozen, not down: the next send waits for an answer that never comes
        sent = log_path.read_text().count(SENT)
        wait_for(lambda: log_path.read_text().count(SENT) > sent, 30, "a send to start on the frozen broker")
        time.sleep(0.5)
        beat.send_signal(signal.SIGTERM)
        try:
            beat.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail("beat went on after SIGTERM:\n" + log_path.read_text()[-3000:])
    finally:
        redis_server.thaw()
        if beat.poll() is None:
            beat.kill()
            beat.wait()
    # The lease was given up on the way out (it ends now, not a lease's length later): a standby takes over at once.
    soon = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S+00:00")
    assert child_query(env, f"SELECT holder FROM coordination_beatlease WHERE expires_at > '{soon}'") == []
    assert child_query(env, "SELECT COUNT(*) FROM coordination_beatlease") == [(1,)]
