"""The log line formats, shared by Django's LOGGING and gunicorn's own: plain text, or one JSON object per line.

Free of Django, so gunicorn's master process reads it before any app is loaded."""

from __future__ import annotations

PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def formatters(*fields: str) -> dict:
    """logging's `formatters` section: "plain" and "json", the JSON lines also carrying these record attributes."""
    return {
        "plain": {"format": PLAIN},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": " ".join(["%(levelname)s %(name)s %(message)s", *(f"%({field})s" for field in fields)]),
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC
        },
    }
