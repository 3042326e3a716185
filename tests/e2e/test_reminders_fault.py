"""A worker killed (SIGKILL) in the middle of a delivery loses nothing: a new worker and beat's requeue send every
recorded reminder, no row is recorded twice, and a second sweep at the same moment records nothing new."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import SWEEP_AT, child_query
from tests.e2e.processes import beat, stop_all, wait_for, worker

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]
SWEPT = "FROM coordination_reminder WHERE message_id <> 'demo-data'"  # the demo's own past notices count as sent


def states(env) -> dict[str, int]:
    return dict(child_query(env, f"SELECT state, COUNT(*) {SWEPT} GROUP BY state"))


def test_a_worker_killed_during_delivery_loses_nothing_and_records_nothing_twice(seeded_env, tmp_path):
    mailbox = tmp_path / "mail"
    env = {
        **seeded_env,
        "EMAIL_URL": f"filemail:///{mailbox}",  # django-environ drops one slash of the path
        "EMAIL_BACKEND": "tests.mail_backends.SlowFileEmailBackend",
        "SLOW_MAIL_SECONDS": "1",
        "REMINDER_REQUEUE_AFTER_SECONDS": "1",
        "REMINDER_REQUEUE_INTERVAL_SECONDS": "2",
        # A claim that runs out in 6 s, with timeouts that fit twice in it (the settings refuse any that do not).
        "REMINDER_CLAIM_TIMEOUT_SECONDS": "6",
        "EMAIL_TIMEOUT": "0.2",
        "WEBHOOK_TIMEOUT_SECONDS": "0.2",
        "DELIVERY_MARK_RETRY_SECONDS": "0.5",
        "HEARTBEAT_INTERVAL_SECONDS": "3600",
    }
    run = {"cwd": ROOT, "env": env, "check": True, "text": True, "capture_output": True, "timeout": 180}
    subprocess.run([sys.executable, "manage.py", "send_reminders", "--at", SWEEP_AT], **run)
    recorded = sum(states(env).values())
    recipients = len(child_query(env, f"SELECT DISTINCT recipient_id {SWEPT}"))
    assert recorded >= 15 and states(env) == {"pending": recorded}  # the demo day: 19 rows

    first = worker(env, tmp_path, "first-worker")
    try:
        # Kill it while it waits for the mail server to accept a message: its rows are claimed, nothing sent.
        wait_for(lambda: states(env).get("sending"), 60, first.log)
    finally:
        first.kill()
        first.stop()
    after_kill = states(env)
    assert after_kill.get("sending"), after_kill

    processes = [worker(env, tmp_path), beat(env, tmp_path)]
    try:
        wait_for(lambda: states(env) == {"sent": recorded}, 150, lambda: f"{states(env)}\n{processes[0].log()}")
    finally:
        stop_all(processes)

    assert sum(states(env).values()) == recorded  # no row recorded twice
    messages = "".join(path.read_text() for path in mailbox.iterdir())
    # The killed worker died before the mail server accepted anything, so each recipient got exactly one digest.
    assert messages.count("\nSubject: ") == recipients
    again = subprocess.run([sys.executable, "manage.py", "send_reminders", "--at", SWEEP_AT], **run).stdout
    assert again.strip().endswith("recorded 0 reminders.")
