"""The log line formats, shared by Django's LOGGING and gunicorn's own: plain text, or one JSON object per line; and
the filter that keeps routine Celery tasks out of the log.

Free of Django, so gunicorn's master process reads it before any app is loaded."""

from __future__ import annotations

import logging

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


# The periodic tasks whose every run Celery would otherwise announce in three INFO lines: the outbox relay runs
# every few seconds, and a terminal or a log should show work, not clockwork.
ROUTINE_TASKS = ("coordination.tasks.relay_outbox_task",)


class QuietRoutineTasks(logging.Filter):
    """Drops Celery's INFO lines about a routine task being sent, received or done; its warnings and errors pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        message = record.getMessage()
        return not any(task in message for task in ROUTINE_TASKS)
