"""Beat's schedule: the reminder sweep first runs at 09:00 Japan time on weekdays (holidays are skipped by the
sweep itself), unsent messages are looked at every minute."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from coordination.reminders.sweep import reminders_due

JAPAN = ZoneInfo("Asia/Tokyo")


def test_the_sweep_runs_from_nine_in_japan_on_weekdays():
    sweep = settings.CELERY_BEAT_SCHEDULE["sweep-reminders"]
    assert sweep["task"] == "coordination.tasks.sweep_reminders_task"
    assert settings.CELERY_TIMEZONE == "Asia/Tokyo"
    schedule = sweep["schedule"]
    assert min(schedule.hour) == 9 and max(schedule.hour) == 17
    assert schedule.minute == {0, 15, 30, 45} and schedule.day_of_week == {1, 2, 3, 4, 5}
    requeue = settings.CELERY_BEAT_SCHEDULE["requeue-unsent-reminders"]
    assert requeue["task"] == "coordination.tasks.requeue_reminders_task" and requeue["schedule"] == 60


def test_nothing_is_due_on_a_closed_weekday(db):
    new_years_eve = datetime.datetime(2026, 12, 31, 9, tzinfo=JAPAN)  # a Thursday in the year-end closure
    assert reminders_due(at=new_years_eve) == []
