"""Starting and stopping the product's own processes (Celery worker and beat, the web server) for end-to-end tests,
each logging to a file of its own under the test's folder."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import child_query

ROOT = Path(__file__).resolve().parents[2]


class Process:
    """A child process started by a test, its output in `<folder>/<name>.log`."""

    def __init__(self, env: dict, folder: Path, name: str, command: list[str]):
        self.name = name
        self.log_path = folder / f"{name}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self, last: int = 3000) -> str:
        return f"--- {self.name} ---\n" + self.log_path.read_text(errors="replace")[-last:]

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is cleaned up (a crash, the OOM killer)."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=15)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=15)
        self._log.close()


def celery(env: dict, folder: Path, name: str, *arguments: str) -> Process:
    """`celery -A config <arguments>`; a beat gets a pid file in the folder."""
    if arguments[:1] == ("beat",):
        arguments = (*arguments, "--pidfile", str(folder / f"{name}.pid"))
    return Process(env, folder, name, [sys.executable, "-m", "celery", "-A", "config", *arguments, "--loglevel=INFO"])


def worker(env: dict, folder: Path, name: str = "worker") -> Process:
    """A worker running one task at a time in its own process (a SIGKILL kills the task with it)."""
    return celery(env, folder, name, "worker", "--pool=solo", "--without-gossip", "--without-mingle")


def beat(env: dict, folder: Path, name: str = "beat") -> Process:
    return celery(env, folder, name, "beat")


def stop_all(processes) -> None:
    for process in processes:
        process.stop()


def wait_for(condition: Callable[[], object], seconds: float, explain: Callable[[], str]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(explain())


# Writes through the API as the demo's coordinator (create and assign, twice), each timed, then /health/; the
# items' titles start with OUTAGE_TITLE.
WRITES = """
import json, os, time
from django.test import Client
from rest_framework.test import APIClient
from users.models import User
from users.services import api_token_issue

label = os.environ["WRITES_LABEL"]
key = api_token_issue(actor=None, user=User.objects.get(username="coordinator"), name=label)[1]
client = APIClient()
client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
writes = []
for number in range(2):
    started = time.monotonic()
    created = client.post(
        "/api/v1/action-items/",
        {"department": "NSS-SC", "title": f"Outage check {label} {number}", "lead_agency": "MLIT",
         "supporting_agencies": ["JCG"], "due_date": "2027-03-31"},
        format="json",
    )
    middle = time.monotonic()
    assigned = client.post(f"/api/v1/action-items/{created.json()['id']}/assign/", {}, format="json")
    writes.append({"create": [created.status_code, round(middle - started, 2)],
                   "assign": [assigned.status_code, round(time.monotonic() - middle, 2)]})
started = time.monotonic()
health = Client().get("/health/", HTTP_HOST="127.0.0.1").json()
print(json.dumps({"writes": writes, "health": health, "health_seconds": round(time.monotonic() - started, 2)}))
"""


OUTAGE_TITLE = "Outage check"


def api_writes(env: dict, label: str) -> dict:
    """Run WRITES in a child process (as one web request after another would); what it measured."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", WRITES],
        cwd=ROOT, env={**env, "WRITES_LABEL": label, "ALLOWED_HOSTS": "127.0.0.1,testserver"}, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def assigned_notices(env: dict, title: str = OUTAGE_TITLE) -> list[tuple[str, str]]:
    """(state, Message-ID) of each "assigned" notice about the items whose titles start with `title`."""
    return child_query(
        env,
        "SELECT r.state, r.message_id FROM coordination_reminder r JOIN coordination_actionitem i "
        f"ON i.id = r.action_item_id WHERE i.title LIKE '{title} %' AND r.rule = 'assigned'",
    )
