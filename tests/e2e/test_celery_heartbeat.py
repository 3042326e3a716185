"""A real Celery worker and beat, started as `make run` starts them, record their heartbeats.

On the embedded leg they use the filesystem broker and a SQLite file; on the services leg, Redis and a fresh
PostgreSQL database, both named by the environment the suite runs in.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


@pytest.fixture
def process_env(tmp_path):
    """Environment for the child processes: their own database and broker, never the suite's or make run's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env["HEARTBEAT_INTERVAL_SECONDS"] = "1"
    env["CELERY_BROKER_DIR"] = str(tmp_path / "broker")
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


def heartbeats(env) -> dict[str, str]:
    url = env["DATABASE_URL"]
    query = "SELECT component, last_seen_at FROM coordination_heartbeat"
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if not Path(path).exists():
            return {}
        with sqlite3.connect(path) as connection:
            try:
                return {component: str(seen) for component, seen in connection.execute(query)}
            except sqlite3.OperationalError:
                return {}
    import psycopg

    with psycopg.connect(url) as connection:
        return {component: seen.isoformat() for component, seen in connection.execute(query)}


def test_worker_and_beat_record_heartbeats(process_env, tmp_path):
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=process_env, check=True)
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("worker", "beat")}  # noqa: SIM115
    commands = {
        "worker": [python, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"],
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=INFO",
            "--pidfile",
            str(tmp_path / "beat.pid"),
        ],
    }
    processes = {
        name: subprocess.Popen(command, cwd=ROOT, env=process_env, stdout=logs[name], stderr=subprocess.STDOUT)
        for name, command in commands.items()
    }
    try:
        deadline = time.monotonic() + 90
        seen = {}
        while time.monotonic() < deadline and set(seen) != {"beat", "worker"}:
            time.sleep(1)
            seen = heartbeats(process_env)
            for name, process in processes.items():
                assert process.poll() is None, f"{name} exited early:\n{(tmp_path / f'{name}.log').read_text()}"
        assert set(seen) == {"beat", "worker"}, (
            f"heartbeats seen: {seen}\nworker log:\n{(tmp_path / 'worker.log').read_text()[-3000:]}"
            f"\nbeat log:\n{(tmp_path / 'beat.log').read_text()[-3000:]}"
        )
        # Beat stamps the moment it sent the message; the worker ran it afterwards.
        assert seen["beat"] <= seen["worker"]
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
