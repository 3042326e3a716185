"""PostgreSQL restarted (a fast shutdown: every session ended, as a failover or an upgrade's restart does) under API
traffic, a worker and beat. The requests it catches fail with a clean 503 problem+json and Retry-After; the ones
after it succeed on fresh connections; a failed create retried with its Idempotency-Key is created once; and the
worker and beat, never restarted, send every notice once. The cluster is the test's own (tests/e2e/servers.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import psycopg
import pytest

from tests.e2e.conftest import _base_env, child_query, delivery_env, worker_redis_url
from tests.e2e.processes import ROOT, Process, beat, stop_all, wait_for, worker
from tests.e2e.servers import PostgresCluster, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.services_leg, pytest.mark.postgres_server]
TITLE = "Restart check"
TOKEN = """
from users.models import User
from users.services import api_token_issue
print(api_token_issue(actor=None, user=User.objects.get(username="coordinator"), name="restart")[1])
"""


@pytest.fixture(scope="module")
def cluster_env(tmp_path_factory):
    """A private cluster holding a migrated database with the demo data, and the environment that points at it."""
    cluster = PostgresCluster()
    folder = tmp_path_factory.mktemp("cluster-env")
    with psycopg.connect(cluster.url(), autocommit=True) as connection:
        connection.execute('CREATE DATABASE "tracker"')
    env = {
        **_base_env(),
        "DATABASE_URL": cluster.url("tracker"),
        "REDIS_URL": worker_redis_url(),
        "CELERY_BROKER_DIR": str(folder / "broker"),
        "DEBUG": "false",
        "CONN_MAX_AGE": "60",  # persistent connections, as in production: each is checked before it is reused
    }
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True,
                       timeout=300)  # fmt: skip
    yield cluster, env
    cluster.stop()


class Traffic:
    """Creates (each with an Idempotency-Key) and assigns through the API from a few threads until stopped."""

    def __init__(self, base: str, token: str, threads: int = 3):
        self.base, self.token = base, token
        self.answers: list[dict] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def post(self, path: str, body: dict, key: str | None = None) -> dict:
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(self.base + path, json.dumps(body).encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, headers, content = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, content = error.code, error.headers, error.read()
        return {"status": status, "type": headers.get("Content-Type"), "retry_after": headers.get("Retry-After"),
                "body": json.loads(content or b"{}"), "at": time.monotonic(), "key": key, "path": path}  # fmt: skip

    def get(self, path: str) -> int | None:
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as response:
                return response.status
        except OSError:
            return None

    def _run(self) -> None:
        number = 0
        while not self._stop.is_set():
            number += 1
            key = str(uuid.uuid4())
            created = self.post(
                "/api/v1/action-items/",
                {"department": "NSS-SC", "title": f"{TITLE} {key[:8]}", "lead_agency": "MLIT",
                 "supporting_agencies": ["JCG"], "due_date": "2027-03-31"},
                key,
            )  # fmt: skip
            self.answers.append(created)
            if created["status"] == 201:
                self.answers.append(self.post(f"/api/v1/action-items/{created['body']['id']}/assign/", {}))

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def test_a_database_restart_fails_the_requests_it_catches_cleanly_and_loses_or_repeats_nothing(
    cluster_env, tmp_path, mail_server
):
    cluster, base_env = cluster_env
    env = delivery_env(base_env, mail_server)
    token = subprocess.run([sys.executable, "manage.py", "shell", "-c", TOKEN], cwd=ROOT, env=env, check=True,
                           capture_output=True, text=True, timeout=120).stdout.strip().splitlines()[-1]  # fmt: skip
    port = free_port()
    web = Process(env, tmp_path, "web", [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"])
    processes = [web, worker(env, tmp_path), beat(env, tmp_path)]
    try:
        traffic = Traffic(f"http://127.0.0.1:{port}", token)
        wait_for(lambda: traffic.get("/health/") == 200, 60, web.log)
        with traffic:
            wait_for(lambda: sum(a["status"] == 201 for a in traffic.answers) >= 5, 60, web.log)
            restart_began = time.monotonic()
            cluster.restart()
            restarted = time.monotonic()
            wait_for(lambda: any(a["at"] > restarted + 2 for a in traffic.answers), 30, web.log)
        answers = list(traffic.answers)

        failed = [answer for answer in answers if answer["status"] != 201 and answer["status"] != 200]
        assert failed, "the restart caught no request"  # else the test showed nothing
        for answer in failed:
            assert answer["status"] == 503 and answer["type"] == "application/problem+json", answer
            assert answer["retry_after"] == "5" and answer["body"]["status"] == 503
        assert all(restart_began - 1 < answer["at"] < restarted + 2 for answer in failed)
        after = [answer for answer in answers if answer["at"] > restarted + 2]
        assert after and all(answer["status"] in (200, 201) for answer in after), after

        # The client retries what failed: a create with its Idempotency-Key, an assignment as it was.
        for answer in failed:
            if answer["key"]:
                again = traffic.post("/api/v1/action-items/", {"department": "NSS-SC", "title": f"{TITLE} "
                                     f"{answer['key'][:8]}", "lead_agency": "MLIT", "supporting_agencies": ["JCG"],
                                     "due_date": "2027-03-31"}, answer["key"])  # fmt: skip
                assert again["status"] == 201, again
                assert traffic.post(f"/api/v1/action-items/{again['body']['id']}/assign/", {})["status"] == 200
            else:  # an assignment: done now, or found done already (its commit had gone through)
                assert traffic.post(answer["path"], {})["status"] in (200, 403)
        keys = {answer["key"] for answer in answers if answer["key"]}
        items = child_query(env, f"SELECT title, status FROM coordination_actionitem WHERE title LIKE '{TITLE} %'")
        assert len(items) == len(keys) and {status for _, status in items} == {"assigned"}  # each created once

        def notices():
            return child_query(
                env,
                "SELECT r.state, r.message_id FROM coordination_reminder r JOIN coordination_actionitem i "
                f"ON i.id = r.action_item_id WHERE i.title LIKE '{TITLE} %' AND r.rule = 'assigned'",
            )

        wait_for(
            lambda: [state for state, _ in notices()] == ["sent"] * (2 * len(keys)),
            120,
            lambda: f"{len(notices())} of {2 * len(keys)}\n" + "\n".join(p.log() for p in processes),
        )
    finally:
        stop_all(processes)
    accepted = mail_server.message_ids()
    assert all(accepted[message_id] == 1 for _, message_id in notices())  # nothing sent twice
    print(
        f"requests {len(answers)}, 503 {len(failed)} (restart {restarted - restart_began:.1f} s), items {len(keys)}"
        f" each created once, notices {2 * len(keys)} each sent once"
    )
