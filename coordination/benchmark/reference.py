"""A fixed amount of work timed beside the measurements, so that runs on machines of different speed (or on one
machine whose neighbours load it differently from day to day) can be compared: a Python loop and a PostgreSQL
query whose work never changes with the code or the data set. Read at the start and at the end of a run; a figure
that moved between the two says the machine's speed moved during the run."""

from __future__ import annotations

import hashlib
import time

from django.db import connection

PYTHON_ROUNDS = 200_000
SQL = "SELECT count(*), sum(value % 7) FROM generate_series(1, 2000000) AS value"
# A request pays the way to the database and back once per statement: a write's dozen statements weigh more than
# their work, and that way's speed can move while the two figures above do not.
ROUND_TRIPS = 500
REPEATS = 5


def _python_work() -> int:
    """Dictionaries, string formatting and hashing, the kind of work a request's Python does."""
    seen: dict[str, int] = {}
    for number in range(PYTHON_ROUNDS):
        key = f"item-{number % 5000}"
        seen[key] = seen.get(key, 0) + number
    return len(hashlib.sha256(repr(sorted(seen.items())).encode()).hexdigest())


def _fastest(work) -> float:
    """The fastest of REPEATS runs of `work`, in milliseconds: the least disturbed by anything else on the machine."""
    best = float("inf")
    for _repeat in range(REPEATS):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def machine_reference() -> dict:
    """{"python_ms", "postgresql_ms", "round_trips_ms"}: the fixed Python work, the fixed query on the configured
    database, and ROUND_TRIPS statements that ask it nothing (SELECT 1), one after the other."""

    def query():
        with connection.cursor() as cursor:
            cursor.execute(SQL)
            cursor.fetchone()

    def round_trips():
        with connection.cursor() as cursor:
            for _trip in range(ROUND_TRIPS):
                cursor.execute("SELECT 1")
                cursor.fetchone()

    return {
        "python_ms": _fastest(_python_work),
        "postgresql_ms": _fastest(query),
        "round_trips_ms": _fastest(round_trips),
    }
