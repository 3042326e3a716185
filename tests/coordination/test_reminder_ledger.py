"""Recording the sweep in the ledger: one insert per batch that skips the rows already there, so what recording
costs does not grow with a year of earlier reminders, and only the rows it inserted are reported as new."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Liaison
from coordination.models import ActionItem, Reminder
from coordination.reminders.sweep import reminders_due, reminders_record, reminders_sweep
from tests.factories import ActionItemFactory, LiaisonFactory

JAPAN = ZoneInfo("Asia/Tokyo")
AT = datetime.datetime(2026, 6, 22, 9, tzinfo=JAPAN)  # a Monday, three weeks after the items fell due
TODAY = AT.date()
ITEMS = 80  # more due reminders than one SQLite batch holds


@pytest.fixture
def overdue_items(world):
    """Acknowledged items of the world's department, due on Monday 1 June 2026 and still open; MOD has an alternate,
    copied on the escalations."""
    LiaisonFactory(user__username="mod-alternate", agency=world.mod, role=Liaison.Role.ALTERNATE)
    return [
        ActionItemFactory(
            department=world.department,
            lead_agency=world.mod,
            assigned_liaison=world.lead_term,
            coordinator=world.coordinator,
            status=ActionItem.Status.ACKNOWLEDGED,
            due_date=datetime.date(2026, 6, 1),
            assigned_at=datetime.datetime(2026, 5, 25, 1, tzinfo=datetime.UTC),
            acknowledged_at=datetime.datetime(2026, 5, 25, 2, tzinfo=datetime.UTC),
        )
        for _ in range(ITEMS)
    ]


def ledger_history(items, world, days: int) -> None:
    """A daily overdue reminder to the lead for every item on each of `days` earlier days, as a long year leaves."""
    Reminder.objects.bulk_create(
        [
            Reminder(
                action_item=item,
                rule=Reminder.Rule.OVERDUE,
                recipient=world.lead_liaison,
                occurrence=(TODAY - datetime.timedelta(days=back)).isoformat(),
                due_on=TODAY - datetime.timedelta(days=back),
                state=Reminder.State.SENT,
                sent_at=AT - datetime.timedelta(days=back),
            )
            for item in items
            for back in range(1, days + 1)
        ],
        batch_size=1000,
    )


def ledger() -> dict[tuple, tuple]:
    """Every ledger row by its key: its id, delivery attempts and when it was recorded."""
    rows = Reminder.objects.values_list(
        "action_item_id", "rule", "recipient_id", "occurrence", "id", "attempts", "created_at"
    )
    return {row[:4]: row[4:] for row in rows}


def test_a_second_sweep_at_the_same_moment_records_nothing(world, overdue_items):
    first = reminders_record(at=AT)
    assert len(first) > len(overdue_items)  # the daily overdue reminder and the escalations
    assert first == reminders_due(at=AT)
    rows = Reminder.objects.count()
    assert reminders_record(at=AT) == []
    assert reminders_sweep(at=AT) == []
    assert reminders_record(at=AT, dry_run=True) == []
    assert Reminder.objects.count() == rows


def test_recording_runs_as_many_queries_over_a_long_ledger_as_over_an_empty_one(world, overdue_items):
    table = connection.ops.quote_name(Reminder._meta.db_table)
    with CaptureQueriesContext(connection) as empty:
        over_empty = reminders_record(at=AT)
    Reminder.objects.all().delete()
    ledger_history(overdue_items, world, days=120)
    with CaptureQueriesContext(connection) as long:
        over_long = reminders_record(at=AT)

    assert over_long == over_empty
    assert len(long.captured_queries) == len(empty.captured_queries)
    # The ledger is only written to: no query reads its earlier rows back.
    assert not [q["sql"] for q in long.captured_queries if q["sql"].startswith("SELECT") and table in q["sql"]]
    inserts = [q["sql"] for q in long.captured_queries if q["sql"].startswith("INSERT")]
    assert inserts and all("ON CONFLICT" in sql and "RETURNING" in sql for sql in inserts)
    # One statement a batch (500 keys on PostgreSQL; fewer on SQLite, whose statements take fewer parameters), as
    # many over the long ledger as over the empty one.
    assert len(inserts) == len([q for q in empty.captured_queries if q["sql"].startswith("INSERT")])
    assert Reminder.objects.count() == ITEMS * 120 + len(over_long)


def test_dry_run_queries_do_not_grow_with_the_ledger_either(world, overdue_items):
    with CaptureQueriesContext(connection) as empty:
        would = reminders_record(at=AT, dry_run=True)
    ledger_history(overdue_items, world, days=120)
    with CaptureQueriesContext(connection) as long:
        assert reminders_record(at=AT, dry_run=True) == would
    assert len(long.captured_queries) == len(empty.captured_queries)
    assert Reminder.objects.count() == ITEMS * 120  # a dry run writes nothing


def test_rows_already_there_are_skipped_and_the_rest_of_the_batch_inserted(world, overdue_items):
    due = reminders_due(at=AT)
    held = due[::3]  # spread over every batch
    Reminder.objects.bulk_create(
        [
            Reminder(
                action_item_id=r.item_id,
                rule=r.rule,
                recipient_id=r.recipient_id,
                occurrence=r.occurrence,
                is_copy=r.is_copy,
                due_on=TODAY,
                attempts=2,
                last_error="SMTP 451",
            )
            for r in held
        ]
    )
    ledger_history(overdue_items, world, days=5)
    before = ledger()

    expected = [r for r in due if r not in held]
    assert reminders_record(at=AT, dry_run=True) == expected
    assert Reminder.objects.count() == len(before)

    assert reminders_record(at=AT) == expected
    after = ledger()
    assert Reminder.objects.count() == len(after) == len(before) + len(expected)
    assert set(after) >= {r.key for r in due}
    # The rows that were there are untouched.
    assert all(after[key] == row for key, row in before.items())
    # The new ones carry what bulk_create would have given them.
    new_ids = [after[r.key][0] for r in expected]
    for reminder in Reminder.objects.filter(pk__in=new_ids):
        assert reminder.state == Reminder.State.PENDING
        assert (reminder.attempts, reminder.last_error, reminder.message_id) == (0, "", "")
        assert reminder.due_on == TODAY
        assert reminder.created_at is not None
        assert (reminder.claimed_at, reminder.claim_token, reminder.sent_at) == (None, None, None)
    copies = {r.key for r in expected if r.is_copy}
    assert copies
    stored_copies = Reminder.objects.filter(pk__in=new_ids, is_copy=True)
    assert {(c.action_item_id, c.rule, c.recipient_id, c.occurrence) for c in stored_copies} == copies
