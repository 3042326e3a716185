"""`manage.py benchmark` refuses what it cannot use with a clear error before it makes anything, and its client
talks only to a loopback server it started."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from coordination.benchmark.load import Client


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"sizes": "ten thousand"}, "--sizes takes item counts"),
        ({"sizes": "100"}, "at least 300 items"),
        ({"sizes": ""}, "at least 300 items"),
        ({"rounds": 0}, "must be positive"),
        ({"sizes": "1000", "today": "2026-13-45"}, "YYYY-MM-DD"),
    ],
)
def test_bad_options_are_refused_with_a_reason(db, arguments, message, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with pytest.raises(CommandError, match=message):
        call_command("benchmark", **arguments)


def test_it_runs_on_postgresql_only(db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/tracker.sqlite3")
    with pytest.raises(CommandError, match="runs on PostgreSQL"):
        call_command("benchmark", sizes="1000")


@pytest.mark.parametrize("host", ["10.0.0.5", "example.org", "192.168.1.1"])
def test_the_client_refuses_any_server_but_loopback_without_connecting(host):
    with pytest.raises(ValueError, match="loopback"):
        Client(8000, host=host)
