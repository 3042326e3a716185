"""With the broker unreachable, writes through the API succeed at once; their notifications wait in the ledger and
the outbox and go out once a broker is back (the relay publishes them), each exactly once."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import child_query

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]

WRITE_THROUGH_THE_API = """
import json, time
from rest_framework.test import APIClient
from users.models import User
from users.services import api_token_issue

key = api_token_issue(actor=None, user=User.objects.get(username="coordinator"), name="e2e")[1]
client = APIClient()
client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
started = time.monotonic()
created = client.post(
    "/api/v1/action-items/",
    {"department": "NSS-SC", "title": "Brief the minister on port access", "lead_agency": "MLIT",
     "supporting_agencies": ["JCG"], "due_date": "2027-03-31"},
    format="json",
)
assigned = client.post(f"/api/v1/action-items/{created.json()['id']}/assign/", {}, format="json")
print(json.dumps({"created": created.status_code, "assigned": assigned.status_code,
                  "status": assigned.json().get("status"), "id": created.json()["id"],
                  "seconds": round(time.monotonic() - started, 2)}))
"""


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_notifications_of_api_writes_go_out_once_the_broker_is_back(seeded_env, tmp_path):
    mailbox = tmp_path / "mail"
    env = {
        **seeded_env,
        "EMAIL_URL": f"filemail:///{mailbox}",  # django-environ drops one slash of the path
        "ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
        "REMINDER_REQUEUE_AFTER_SECONDS": "1",
        "REMINDER_REQUEUE_INTERVAL_SECONDS": "2",
        "HEARTBEAT_INTERVAL_SECONDS": "3600",
    }
    run = {"cwd": ROOT, "text": True, "timeout": 180, "check": True, "capture_output": True}

    down = {**env, "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"}
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", WRITE_THROUGH_THE_API], env=down, **run)
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert (answer["created"], answer["assigned"], answer["status"]) == (201, 200, "assigned")
    assert answer["seconds"] < 2, "a broker that is down must not keep the user waiting"
    assert "Broker" not in result.stderr  # the request never reached for it: the work waits in the outbox
    outbox = child_query(env, "SELECT task FROM coordination_outboxmessage")
    assert outbox == [("coordination.tasks.deliver_reminders_task",)] * 2
    notices = f"SELECT state FROM coordination_reminder WHERE action_item_id = {answer['id']} AND rule = 'assigned'"
    assert [state for (state,) in child_query(env, notices)] == ["pending", "pending"]  # MLIT and JCG

    # The broker is back (the leg's own broker): beat's relay hands the waiting notices to a worker.
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("worker", "beat")}  # noqa: SIM115
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    processes = {
        "worker": subprocess.Popen([*celery, "worker", "--pool=solo"], cwd=ROOT, env=env, stdout=logs["worker"],
                                   stderr=subprocess.STDOUT),
        "beat": subprocess.Popen([*celery, "beat", "--pidfile", str(tmp_path / "beat.pid")], cwd=ROOT, env=env,
                                 stdout=logs["beat"], stderr=subprocess.STDOUT),
    }  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if [state for (state,) in child_query(env, notices)] == ["sent", "sent"]:
                break
            time.sleep(1)
        assert [state for (state,) in child_query(env, notices)] == ["sent", "sent"], (
            tmp_path / "worker.log"
        ).read_text()[-3000:] + (tmp_path / "beat.log").read_text()[-2000:]
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()
    sent = "".join(path.read_text() for path in mailbox.iterdir())
    assert sent.count("\nSubject: ") == 2  # one notice each to MLIT's and JCG's liaisons, nothing else pending
    assert sent.count("Brief the minister on port access") == 4  # in the text and the HTML part of each
    assert len(child_query(env, notices)) == 2  # recorded once, whatever the retries
