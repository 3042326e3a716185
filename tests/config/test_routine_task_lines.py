"""Celery's INFO lines about the outbox relay (every few seconds) are kept out of the log; its other lines, and the
relay's own warnings and errors, are not."""

from __future__ import annotations

import logging

import pytest

from config.log_formats import QuietRoutineTasks


@pytest.mark.parametrize("name", ["celery.beat", "celery.worker.strategy", "celery.app.trace"])
def test_celerys_task_lines_pass_the_routine_filter(name):
    assert any(isinstance(each, QuietRoutineTasks) for each in logging.getLogger(name).filters)


@pytest.mark.parametrize(
    ("level", "message", "args", "kept"),
    [
        (
            logging.INFO,
            "Scheduler: Sending due task %s (%s)",
            ("relay-outbox", "coordination.tasks.relay_outbox_task"),
            False,
        ),
        (logging.INFO, "Task %s[%s] received", ("coordination.tasks.relay_outbox_task", "1f2e"), False),
        (logging.INFO, "Task %s[%s] received", ("coordination.tasks.deliver_reminders_task", "3c4d"), True),
        (logging.ERROR, "Task %s[%s] raised", ("coordination.tasks.relay_outbox_task", "5b6a"), True),
    ],
)
def test_only_the_routine_info_lines_are_dropped(level, message, args, kept):
    record = logging.LogRecord("celery.app.trace", level, __file__, 1, message, args, None)
    assert QuietRoutineTasks().filter(record) is kept
