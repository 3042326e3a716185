"""Production's log lines are JSON, and the id of a request is in its lines, in its response's X-Request-ID and in
the lines a Celery worker writes for the task the request queued (a real worker, on the leg's own broker)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import WITH_AN_ACCOUNT
from tests.e2e.processes import beat, stop_all, wait_for, worker

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]

ASK_FOR_RESET = (
    WITH_AN_ACCOUNT
    + """
from django.test import Client
response = Client().post("/admin/password_reset/", {"email": user.email}, HTTP_HOST="127.0.0.1",
                         HTTP_X_REQUEST_ID="6b1f0c0e-5d2a-4a8b-9d8e-3c1f2a4b5c6d")
print("X-Request-ID:", response.headers["X-Request-ID"])
"""
)


def json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_a_requests_id_is_in_its_log_lines_and_in_the_workers_lines_for_its_task(process_env, tmp_path):
    env = {**process_env, "LOG_FORMAT": "json", "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}"}
    web = subprocess.run(
        [sys.executable, "-c", ASK_FOR_RESET], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert web.returncode == 0, web.stderr
    request_id = "6b1f0c0e-5d2a-4a8b-9d8e-3c1f2a4b5c6d"  # the proxy's own id, kept
    assert f"X-Request-ID: {request_id}" in web.stdout
    web_lines = json_lines(web.stderr)
    assert web_lines and all({"time", "level", "logger", "message"} <= line.keys() for line in web_lines)
    security = [line for line in web_lines if line["logger"] == "tracker.security"]
    assert security and security[0]["request_id"] == request_id
    assert security[0]["security_event"] == "password_reset_requested"

    # The request wrote the task to the outbox; beat's relay has a worker publish it, under the request's id.
    processes = [worker(env, tmp_path), beat(env, tmp_path)]
    log_path = processes[0].log_path
    try:
        wait_for(lambda: "Password-reset link sent" in log_path.read_text(), 60, lambda: processes[0].log())
    finally:
        stop_all(processes)
    worker_lines = json_lines(log_path.read_text())
    sent = [line for line in worker_lines if line["message"].startswith("Password-reset link sent")]
    assert sent, log_path.read_text()[-3000:]
    assert sent[0]["request_id"] == request_id and sent[0]["logger"] == "users.tasks"
    assert (tmp_path / "mail").is_dir() and any((tmp_path / "mail").iterdir())
