"""A Redis that accepts connections and then never answers (frozen, not down) never hangs a request: the health
page answers within a few seconds and a throttled API call within two (every Redis client has connect and socket
timeouts), and a request that queues a task never asks Redis at all (the task waits in the outbox). The frozen
server is a loopback listener the test starts itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import WITH_AN_ACCOUNT, child_query

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]

REQUESTS = (
    WITH_AN_ACCOUNT
    + """
import json, time
from django.test import Client
from users.services import api_token_issue
from coordination.models import Department
department = Department.objects.create(code="NSS-SCD", name_en="Security Cooperation", name_ja="安全保障協力部")
department.members.create(user=user, role="coordinator")
key = api_token_issue(actor=user, user=user, name="frozen")[1]
client = Client()
timings = {}
for name, call in [
    ("health", lambda: client.get("/health/", HTTP_HOST="127.0.0.1")),
    ("api", lambda: client.get("/api/v1/action-items/", HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION="Token " + key)),
    ("queue", lambda: client.post("/admin/password_reset/", {"email": user.email}, HTTP_HOST="127.0.0.1")),
]:
    start = time.monotonic()
    response = call()
    timings[name] = {"status": response.status_code, "seconds": round(time.monotonic() - start, 2),
                     "body": response.content.decode()[:300]}
print(json.dumps(timings))
"""
)


def test_a_frozen_redis_never_hangs_a_request(process_env, tmp_path, frozen_redis):
    env = {
        **process_env,
        "REDIS_URL": f"redis://127.0.0.1:{frozen_redis.port}/0",
        "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", REQUESTS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    timings = json.loads(result.stdout.strip().splitlines()[-1])
    print(json.dumps({name: timing["seconds"] for name, timing in timings.items()}))
    assert frozen_redis.connections  # the clients did connect: the server was frozen, not refusing

    health = timings["health"]
    assert health["status"] == 200 and '"status": "degraded"' in health["body"]
    assert '"broker": {"ok": false' in health["body"]
    assert timings["api"]["status"] == 200  # throttling let the call through without its counter
    assert timings["queue"]["status"] == 302  # the reset email waits in the outbox: the request never asked Redis
    # The broker check waits 2 s, the cache half a second (then this process leaves it alone for a while).
    limits = {"health": 4, "api": 2, "queue": 2}
    for name, timing in timings.items():
        assert timing["seconds"] < limits[name], (name, timing)
    assert "Throttling skipped" in result.stderr and "Broker unreachable" not in result.stderr
    assert child_query(env, "SELECT task FROM coordination_outboxmessage") == [
        ("users.tasks.password_reset_email_task",)
    ]
