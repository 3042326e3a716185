"""What the end-to-end tests share: an environment for child processes with a database and broker of their own."""

from __future__ import annotations

import datetime
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest
import redis

from coordination.calendar import BusinessCalendar
from coordination.scratch_database import scratch_database
from tests.e2e.servers import MailServer, RedisServer

ROOT = Path(__file__).resolve().parents[2]

# The day the child processes' demo is built around, never the machine's date: a Tuesday after Labour Thanksgiving
# Day unless E2E_DEMO_DAY names another (the suite is also run around days in the year-end closure and elsewhere).
DEMO_DAY = datetime.date.fromisoformat(os.environ.get("E2E_DEMO_DAY", "2026-11-24"))


def sweep_moment(day: datetime.date = DEMO_DAY) -> str:
    """09:00 on the first business day from `day` on, as `send_reminders --at` takes it (the sweep skips closed
    days, so a demo built around one is swept when offices reopen)."""
    return f"{BusinessCalendar().next_business_day(day).isoformat()} 09:00"


SWEEP_AT = sweep_moment()


def _base_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env["DEMO_TODAY"] = DEMO_DAY.isoformat()  # every seed_demo in a child process builds the same story
    # The tests sweep at moments of their own; beat sweeping at the machine's time would add that day's reminders.
    env["REMINDER_SWEEP_SCHEDULED"] = "false"
    return env


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, started after the test database exists so that it stops before the database is
    dropped (a server thread still connected would keep PostgreSQL from dropping it at the end of the run)."""
    return live_server


def _database_like(template_url: str, name: str, folder: Path):
    """A new database holding what the template holds: (its URL, a function that drops it)."""
    return scratch_database(template_url, name, folder, template=template_url)


def _manage(env, *arguments) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True, timeout=600, capture_output=True
    )


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """A database migrated once per run, copied for each test (a migration run costs seconds; a copy nothing):
    a SQLite file, or on the services leg a PostgreSQL database used as CREATE DATABASE's template."""
    folder = tmp_path_factory.mktemp("template")
    env = {**_base_env(), "CELERY_BROKER_DIR": str(folder / "broker")}
    database_url = os.environ.get("DATABASE_URL", "") or "sqlite://"
    env["DATABASE_URL"], drop = scratch_database(database_url, f"tracker_e2e_template_{uuid.uuid4().hex[:8]}", folder)
    _manage(env, "migrate", "--noinput", "-v0")
    yield env["DATABASE_URL"]
    drop()


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory, migrated_template):
    """The migrated template with the demo data built around DEMO_DAY, loaded once per run."""
    folder = tmp_path_factory.mktemp("seeded")
    url, drop = _database_like(migrated_template, f"tracker_e2e_seeded_{uuid.uuid4().hex[:8]}", folder)
    _manage({**_base_env(), "DATABASE_URL": url, "CELERY_BROKER_DIR": str(folder / "broker")}, "seed_demo")
    yield url
    drop()


def _process_env(tmp_path: Path, template_url: str):
    env = _base_env()
    env["HEARTBEAT_INTERVAL_SECONDS"] = "1"
    env["CELERY_BROKER_DIR"] = str(tmp_path / "broker")
    env["DATABASE_URL"], drop = _database_like(template_url, f"tracker_e2e_{uuid.uuid4().hex[:8]}", tmp_path)
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = worker_redis_url()
    return env, drop


def worker_redis_url() -> str:
    """The leg's Redis, in a database number of this parallel worker's own (13, 12, ...: the suite's cache and
    broker keep 14 and 15), emptied first, so queued messages of other tests and runs cannot interfere."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    url = urlunparse(urlparse(os.environ["REDIS_URL"])._replace(path=f"/{13 - worker}"))
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def process_env(tmp_path, migrated_template):
    """Environment for the child processes: their own database (migrated, empty) and broker, never the suite's or
    make run's."""
    env, drop = _process_env(tmp_path, migrated_template)
    yield env
    drop()


@pytest.fixture
def seeded_env(tmp_path, seeded_template):
    """As `process_env`, with the demo data already loaded (seed_demo again changes nothing)."""
    env, drop = _process_env(tmp_path, seeded_template)
    yield env
    drop()


class FrozenServer:
    """Accepts connections on loopback, reads what it is sent, never answers."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(50)
        self.port = self.listener.getsockname()[1]
        self.connections = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)  # kept open, never read from or answered

    def close(self):
        self.listener.close()
        for connection in self.connections:
            connection.close()


def delivery_env(env: dict, mail_server: MailServer) -> dict:
    """`env` sending mail to `mail_server`, with a deployment's timeouts scaled down so that a claim runs out in
    15 s: EMAIL_TIMEOUT 0.5 s (ten exchanges, 5 s) and 2 s of retries for marking rows sent fit twice in it, as
    the settings require; the relay and the requeue run every second."""
    return {
        **env,
        "EMAIL_URL": mail_server.url,
        "EMAIL_TIMEOUT": "0.5",
        "DELIVERY_MARK_RETRY_SECONDS": "2",
        "WEBHOOK_TIMEOUT_SECONDS": "0.5",
        "REMINDER_CLAIM_TIMEOUT_SECONDS": "15",
        "REMINDER_REQUEUE_AFTER_SECONDS": "1",
        "REMINDER_REQUEUE_INTERVAL_SECONDS": "1",
        "OUTBOX_RELAY_INTERVAL_SECONDS": "1",
        "HEARTBEAT_INTERVAL_SECONDS": "3600",
    }


@pytest.fixture
def mail_server():
    """A mail server of the test's own (tests/e2e/servers.py); point EMAIL_URL at `mail_server.url`."""
    server = MailServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A Redis of the module's own, to freeze, kill and start again."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def frozen_redis():
    server = FrozenServer()
    yield server
    server.close()


# The start of a script a child process runs (`python -c`): Django set up and a coordinator's account, `user`.
WITH_AN_ACCOUNT = """
import django
django.setup()
from users.models import User
user = User(username="coordinator", email="coordinator@example.go.jp")
user.set_password("a-long-password-2026")
user.save()
"""


def child_query(env, sql: str) -> list[tuple]:
    """Rows from the child processes' database ([] while its tables do not exist yet)."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if not Path(path).exists():
            return []
        with sqlite3.connect(path) as connection:
            try:
                return list(connection.execute(sql))
            except sqlite3.OperationalError:
                return []
    with psycopg.connect(url) as connection:
        try:
            return list(connection.execute(sql))
        except psycopg.errors.UndefinedTable:
            return []
