"""A real Celery worker and beat, started as `make run` starts them, record their heartbeats.

On the embedded leg they use the filesystem broker and a SQLite file; on the services leg, Redis and a fresh
PostgreSQL database, both named by the environment the suite runs in.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import child_query

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]


def heartbeats(env) -> dict[str, str]:
    rows = child_query(env, "SELECT component, last_seen_at FROM coordination_heartbeat")
    return {component: seen.isoformat() if hasattr(seen, "isoformat") else str(seen) for component, seen in rows}


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
