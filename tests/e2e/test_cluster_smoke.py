"""`make cluster`, the production topology on one machine, passes a smoke test: two gunicorn web processes and two
Celery workers beside one beat, with production settings behind the proxy switch (plain http on loopback, with
the X-Forwarded-Proto a proxy sends), on the leg's own database and broker (PostgreSQL and Redis on the services
leg). A tool's integration account, by its token, writes through one web process and reads through the other;
a sweep's reminders are delivered by both workers; Ctrl-C stops everything cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import SWEEP_AT, child_query
from tests.e2e.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]

SETUP = """
from coordination import services
from coordination.models import DepartmentMember
member = DepartmentMember.objects.select_related("department", "user").filter(role="coordinator").first()
services.integration_account_create(actor=member.user, username="smoke-sync", department=member.department)
print(member.department.code)
"""


def call(port: int, path: str, *, token: str = "", body: dict | None = None, proxied: bool = True):
    """A request as the reverse proxy passes it on: plain http, with X-Forwarded-Proto: https."""
    headers = {"Host": "127.0.0.1", "Accept": "application/json"}
    if proxied:
        headers["X-Forwarded-Proto"] = "https"
    if token:
        headers["Authorization"] = f"Token {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
    except OSError:  # not listening (yet)
        return 0, {}, b""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_two_web_processes_and_two_workers_behind_the_proxy_switch(seeded_env, tmp_path):
    mailbox = tmp_path / "mail"
    ports = free_port(), free_port()
    env = {key: value for key, value in seeded_env.items() if key not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    env.update({
        "WEB1_PORT": str(ports[0]), "WEB2_PORT": str(ports[1]), "STATIC_ROOT": str(tmp_path / "static"),
        "EMAIL_URL": f"filemail:///{mailbox}", "EMAIL_BACKEND": "tests.mail_backends.SlowFileEmailBackend",
        "LOG_FORMAT": "plain", "TWO_FACTOR_REQUIRED": "true", "SLOW_MAIL_SECONDS": "0.5",
    })  # fmt: skip
    manage = [sys.executable, "manage.py"]
    department = subprocess.run(
        [*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()[-1]
    token = subprocess.run(
        [*manage, "issue_token", "smoke-sync", "--name", "smoke test"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip

    log_path = tmp_path / "cluster.log"
    log = open(log_path, "w")  # noqa: SIM115  (closed below)
    cluster = subprocess.Popen(
        ["make", "cluster"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert cluster.poll() is None, log_path.read_text()[-4000:]
            statuses = [call(port, "/health/") for port in ports]
            if all(status == 200 and b'"status": "ok"' in content for status, _headers, content in statuses):
                break
            time.sleep(1)
        else:
            pytest.fail("the cluster did not come up:\n" + log_path.read_text()[-4000:])

        for port in ports:
            # Production settings: without the proxy's header, plain http is sent to https.
            status, headers, _content = call(port, "/api/v1/action-items/", token=token, proxied=False)
            assert status == 301 and headers["Location"].startswith("https://")
            status, headers, content = call(port, "/api/v1/action-items/", token=token)
            assert status == 200, content[:500]
            assert headers["Strict-Transport-Security"].startswith("max-age=")
            assert "Content-Security-Policy" in headers and headers["X-Request-ID"]
            # A session-less admin page: the sign-in form, over https as the proxy said.
            assert call(port, "/admin/login/")[0] == 200

        # Written through one web process, read through the other (nothing is kept in one process's memory).
        body = {"department": department, "title": "Smoke test: brief the minister", "lead_agency": "MOFA"}
        status, _headers, content = call(ports[0], "/api/v1/action-items/", token=token, body=body)
        assert status == 201, content[:500]
        item = json.loads(content)
        status, _headers, content = call(ports[1], f"/api/v1/action-items/{item['id']}/", token=token)
        assert status == 200 and json.loads(content)["title"] == body["title"]

        # A sweep's reminders, delivered by the two workers (each sends some: slow mail keeps both busy).
        subprocess.run([*manage, "send_reminders", "--at", SWEEP_AT], cwd=ROOT, env=env, check=True, timeout=120)
        query = "SELECT state, COUNT(*) FROM coordination_reminder WHERE message_id <> 'demo-data' GROUP BY state"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            states = dict(child_query(env, query))
            if states and set(states) == {"sent"}:
                break
            time.sleep(1)
        assert set(states) == {"sent"}, states
        text = log_path.read_text()
        for worker in ("worker1", "worker2"):
            delivered = re.findall(rf"^{worker}\s*\|.*deliver_reminders_task\[[^\]]+\] succeeded", text, re.M)
            assert delivered, f"{worker} delivered nothing:\n{text[-4000:]}"
        for web in ("web1", "web2"):
            assert re.search(rf"^{web}\s*\|.*GET /api/v1/action-items/", text, re.M), f"{web} served nothing"
        assert mailbox.is_dir() and any(mailbox.iterdir())
    finally:
        if cluster.poll() is None:
            os.killpg(cluster.pid, signal.SIGINT)  # Ctrl-C, as a terminal sends it to make and the runner
            cluster.wait(timeout=90)
        log.close()
    text = log_path.read_text()
    assert "all stopped" in text and "killed" not in text and "Traceback" not in text, text[-4000:]
