"""What the end-to-end tests share: an environment for child processes with a database and broker of their own."""

from __future__ import annotations

import datetime
import os
import sqlite3
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from coordination.calendar import BusinessCalendar

ROOT = Path(__file__).resolve().parents[2]

# The day the child processes' demo is built around, never the machine's date: a Tuesday after Labour Thanksgiving
# Day unless E2E_DEMO_DAY names another (the suite is also run around days in the year-end closure and elsewhere).
DEMO_DAY = datetime.date.fromisoformat(os.environ.get("E2E_DEMO_DAY", "2026-11-24"))


def sweep_moment(day: datetime.date = DEMO_DAY) -> str:
    """09:00 on the first business day from `day` on, as `send_reminders --at` takes it (the sweep skips closed
    days, so a demo built around one is swept when offices reopen)."""
    return f"{BusinessCalendar().next_business_day(day).isoformat()} 09:00"


SWEEP_AT = sweep_moment()


@pytest.fixture
def process_env(tmp_path):
    """Environment for the child processes: their own database and broker, never the suite's or make run's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env["HEARTBEAT_INTERVAL_SECONDS"] = "1"
    env["CELERY_BROKER_DIR"] = str(tmp_path / "broker")
    env["DEMO_TODAY"] = DEMO_DAY.isoformat()  # every seed_demo in a child process builds the same story
    # The tests sweep at moments of their own; beat sweeping at the machine's time would add that day's reminders.
    env["REMINDER_SWEEP_SCHEDULED"] = "false"
    database_url = os.environ.get("DATABASE_URL", "")
    dropper = None
    if database_url.startswith("postgres"):
        import psycopg

        name = f"tracker_e2e_{uuid.uuid4().hex[:8]}"
        server = urlparse(database_url)
        admin_url = urlunparse(server._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urlunparse(server._replace(path=f"/{name}"))

        def dropper():
            with psycopg.connect(admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    if os.environ.get("REDIS_URL"):
        # A database number of its own, so queued messages of other runs cannot interfere.
        redis = urlparse(os.environ["REDIS_URL"])
        env["REDIS_URL"] = urlunparse(redis._replace(path="/13"))
        import redis as redis_client

        redis_client.Redis.from_url(env["REDIS_URL"]).flushdb()
    yield env
    if dropper:
        dropper()


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
    import psycopg

    with psycopg.connect(url) as connection:
        try:
            return list(connection.execute(sql))
        except psycopg.errors.UndefinedTable:
            return []
