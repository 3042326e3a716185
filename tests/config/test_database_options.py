"""Server-side prepared statements on PostgreSQL: off by default (a kept generic plan made searches and the dashboard
slower), on when DATABASE_PREPARE_THRESHOLD names a number of runs; a bad value stops the start with a reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from agencies.models import Agency

ROOT = Path(__file__).resolve().parents[2]
SHOW_OPTIONS = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
)


def options_with(**environment) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.local", **environment})
    return subprocess.run(
        [sys.executable, "-c", SHOW_OPTIONS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_postgresql_prepares_statements_only_when_told_to():
    url = "postgres://tracker@127.0.0.1:5432/tracker"  # settings only: nothing connects
    default = options_with(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="")
    assert default.returncode == 0, default.stderr
    assert "server_side_binding" not in json.loads(default.stdout)
    off = json.loads(options_with(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="off").stdout)
    assert "server_side_binding" not in off and "prepare_threshold" not in off

    on = json.loads(options_with(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="5").stdout)
    assert on["server_side_binding"] is True and on["prepare_threshold"] == 5

    refused = options_with(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="sometimes")
    assert refused.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD is a number of runs, or off." in refused.stderr

    sqlite = json.loads(options_with(DATABASE_URL="sqlite:////tmp/never-opened.sqlite3").stdout)
    assert "prepare_threshold" not in sqlite


@pytest.mark.services_leg  # PostgreSQL (SQLite has no server to prepare on)
@pytest.mark.django_db
def test_by_default_nothing_is_prepared_on_the_server():
    for _ in range(6):
        list(Agency.objects.filter(code="prepared-statement-check").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 0
