"""Seals under concurrency: four processes write history and security events at once, half of them in one order of
tables and half in the other, on the leg's real database. Nothing deadlocks, every row takes its own place, and the
chains verify."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import child_query

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]
WRITERS, ROUNDS = 4, 30

WRITE = """
import sys, django
django.setup()
from django.db import transaction
from agencies.models import Agency
from users.models import SecurityEvent
writer = int(sys.argv[1])
for round in range(int(sys.argv[2])):
    with transaction.atomic():
        steps = [
            lambda: Agency.objects.create(code=f"W{writer}-{round}", name_en="Writer", name_ja="書き手"),
            lambda: SecurityEvent.objects.record(kind="login", username=f"writer-{writer}-{round}"),
        ]
        for step in steps if writer % 2 else reversed(steps):
            step()
print("done")
"""


def test_writers_at_once_each_take_their_own_place_and_the_chains_verify(process_env):
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITE, str(number), str(ROUNDS)],
            cwd=ROOT,
            env=process_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for number in range(WRITERS)
    ]
    for writer in writers:
        out, err = writer.communicate(timeout=240)
        assert writer.returncode == 0 and "done" in out, err[-3000:]
    verified = subprocess.run(
        [sys.executable, "manage.py", "verify_audit", "--no-anchor-dir"],
        cwd=ROOT, env=process_env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout
    written = WRITERS * ROUNDS
    for table in ("agencies_historicalagency", "users_securityevent"):
        places = [row[0] for row in child_query(process_env, f"SELECT seal_seq FROM {table} ORDER BY seal_seq")]
        assert places == list(range(1, written + 1)), table
