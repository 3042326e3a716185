"""On PostgreSQL the server binds the parameters and prepares a statement a connection runs five times, so a page's
reads are planned once per connection (DATABASE_PREPARE_THRESHOLD sets the count, or `off` for a pooler without
prepared statements); a bad value stops the start with a reason."""

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


def test_postgresql_prepares_statements_unless_told_not_to():
    url = "postgres://tracker@127.0.0.1:5432/tracker"  # settings only: nothing connects
    default = options_with(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="")
    assert default.returncode == 0, default.stderr
    options = json.loads(default.stdout)
    assert options["server_side_binding"] is True and options["prepare_threshold"] == 5
    assert json.loads(options_with(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="2").stdout)["prepare_threshold"] == 2

    off = json.loads(options_with(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="off").stdout)
    assert "server_side_binding" not in off and "prepare_threshold" not in off

    refused = options_with(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="sometimes")
    assert refused.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD is a number of runs, or off." in refused.stderr

    sqlite = json.loads(options_with(DATABASE_URL="sqlite:////tmp/never-opened.sqlite3").stdout)
    assert "prepare_threshold" not in sqlite


@pytest.mark.services_leg  # PostgreSQL (SQLite has no server to prepare on)
@pytest.mark.django_db
def test_a_statement_run_five_times_is_prepared_on_the_server():
    marker = "prepared-statement-check"
    for _ in range(6):
        list(Agency.objects.filter(code=marker).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"agencies_agency"' in statement and "$1" in statement for statement in prepared), prepared
