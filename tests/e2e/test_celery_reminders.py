"""A real Celery worker delivers a sweep: on the filesystem broker with a SQLite file (embedded leg), and on Redis
with PostgreSQL (services leg). The worker writes each email to a file, as a mail server would receive it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import SWEEP_AT, child_query

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]


def manage(env, *arguments, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True, text=True, timeout=180, **kwargs
    )


def states(env) -> dict[str, int]:
    """The sweep's rows by state (the demo's own past notices are recorded as already sent)."""
    sql = "SELECT state, COUNT(*) FROM coordination_reminder WHERE message_id <> 'demo-data' GROUP BY state"
    return dict(child_query(env, sql))


def test_a_worker_delivers_every_recorded_reminder_once(seeded_env, tmp_path):
    mailbox = tmp_path / "mail"
    env = {**seeded_env, "EMAIL_URL": f"filemail:///{mailbox}"}  # django-environ drops one slash of the path
    swept = manage(env, "send_reminders", "--at", SWEEP_AT, capture_output=True).stdout
    recorded = int(swept.strip().splitlines()[-1].split("recorded ")[1].split()[0])
    recipients = len(
        child_query(env, "SELECT DISTINCT recipient_id FROM coordination_reminder WHERE message_id <> 'demo-data'")
    )
    assert recorded >= 15 and recipients > 5  # the demo day: 19 rows (the day before was recorded by seed_demo)
    assert states(env) == {"pending": recorded}  # queued on the broker, nobody has sent them yet

    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and states(env) != {"sent": recorded}:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(1)
        assert states(env) == {"sent": recorded}, (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()

    messages = [path.read_text() for path in mailbox.iterdir()]
    # One digest per recipient: the file backend writes each connection's messages to a file of its own.
    assert sum(text.count("\nSubject: ") for text in messages) == recipients
    swept_again = manage(env, "send_reminders", "--at", SWEEP_AT, capture_output=True).stdout
    assert swept_again.strip().endswith("recorded 0 reminders.")


def test_two_sweeps_at_once_record_each_reminder_once(seeded_env):
    expected = manage(seeded_env, "send_reminders", "--at", SWEEP_AT, "--dry-run", capture_output=True).stdout
    expected = int(expected.strip().splitlines()[-1].split("would record ")[1].split()[0])
    command = [sys.executable, "manage.py", "send_reminders", "--at", SWEEP_AT]
    sweeps = [
        subprocess.Popen(command, cwd=ROOT, env=seeded_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [sweep.communicate(timeout=180) for sweep in sweeps]
    assert [sweep.returncode for sweep in sweeps] == [0, 0, 0], outputs
    assert sum(states(seeded_env).values()) == expected
    duplicates = (
        "SELECT COUNT(*) FROM (SELECT action_item_id, rule, recipient_id, occurrence FROM coordination_reminder"
    )
    duplicates += " GROUP BY action_item_id, rule, recipient_id, occurrence HAVING COUNT(*) > 1) AS twice"
    assert child_query(seeded_env, duplicates) == [(0,)]
