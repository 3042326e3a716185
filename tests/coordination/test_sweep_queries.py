"""The sweep's queries: a few in all (one per rule, mostly), whatever the number of items due."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Liaison
from coordination.models import ActionItem, Concurrence, ExtensionRequest, Reminder
from coordination.reminders.sweep import reminders_due
from tests.factories import ActionItemFactory, LiaisonFactory

JAPAN = ZoneInfo("Asia/Tokyo")
AT = datetime.datetime(2026, 6, 22, 9, tzinfo=JAPAN)  # a Monday, three weeks after the world's NOW
TODAY = AT.date()
ASSIGNED = datetime.datetime(2026, 6, 1, 1, tzinfo=datetime.UTC)  # the world's NOW, 10:00 in Tokyo
Rule = Reminder.Rule
SWEEP_RULES = {
    Rule.UNACKNOWLEDGED,
    Rule.UNACKNOWLEDGED_ESCALATION,
    Rule.DUE_SOON,
    Rule.DUE_TODAY,
    Rule.OVERDUE,
    Rule.OVERDUE_COORDINATOR,
    Rule.OVERDUE_DIRECTOR,
    Rule.STALE,
    Rule.SUBMISSION_WAITING,
    Rule.EXTENSION_WAITING,
    Rule.CONCURRENCE_PENDING,
}


def items_due_under_every_rule(world, department) -> None:
    """One item of `department` for each rule of the sweep, led by MOD and coordinated by the world's coordinator."""
    Status = ActionItem.Status

    def item(status, due_date, **moments):
        return ActionItemFactory(
            department=department,
            lead_agency=world.mod,
            assigned_liaison=world.lead_term,
            coordinator=world.coordinator,
            status=status,
            due_date=due_date,
            assigned_at=ASSIGNED,
            **moments,
        )

    acknowledged = {"acknowledged_at": ASSIGNED}
    item(Status.ASSIGNED, datetime.date(2026, 7, 31))  # not acknowledged, escalated
    item(Status.ACKNOWLEDGED, TODAY, **acknowledged)  # due today
    soon = item(Status.ACKNOWLEDGED, datetime.date(2026, 6, 24), **acknowledged)  # due soon, MOFA not answered
    Concurrence.objects.create(action_item=soon, agency=world.mofa)
    item(Status.ACKNOWLEDGED, datetime.date(2026, 6, 1), **acknowledged)  # overdue, escalated twice
    item(Status.IN_PROGRESS, datetime.date(2026, 7, 31), last_progress_at=ASSIGNED, **acknowledged)  # stale
    item(Status.SUBMITTED, datetime.date(2026, 7, 31), submitted_at=ASSIGNED, **acknowledged)  # to review
    waiting = item(Status.ACKNOWLEDGED, datetime.date(2026, 7, 31), **acknowledged)  # an extension to decide
    ExtensionRequest.objects.create(
        action_item=waiting,
        requested_by=world.lead_liaison,
        requested_due_date=datetime.date(2026, 8, 31),
        previous_due_date=waiting.due_date,
        reason="Waiting for the Diet session",
    )


def sweep() -> tuple[int, list]:
    """The statements `reminders_due` runs at AT, and what it finds."""
    with CaptureQueriesContext(connection) as queries:
        due = reminders_due(at=AT)
    return len(queries), due


def test_the_sweep_runs_as_many_queries_for_many_items_as_for_few(world):
    for department in (world.department, world.other_department):
        items_due_under_every_rule(world, department)
    few_queries, few = sweep()
    assert {reminder.rule for reminder in few} == SWEEP_RULES
    for _ in range(4):
        for department in (world.department, world.other_department):
            items_due_under_every_rule(world, department)
    many_queries, many = sweep()
    assert len(many) == 5 * len(few)
    assert many_queries == few_queries


def test_each_reminder_is_found_once_when_one_person_holds_two_places(world):
    """The coordinator is also MOD's alternate liaison (so among the copies of the escalations they receive), and
    MOD's primary liaison holds a second term, ending later, beside the open one: each reminder still goes to each
    person once, and the coordinator gets their escalations themselves rather than copies of them."""
    items_due_under_every_rule(world, world.department)
    ActionItem.objects.update(assigned_liaison=None)  # the lead's reminders go to MOD's primary liaisons
    LiaisonFactory(user=world.coordinator, agency=world.mod, role=Liaison.Role.ALTERNATE)
    LiaisonFactory(user=world.lead_liaison, agency=world.mod, end_date=datetime.date(2026, 12, 31))
    _queries, due = sweep()
    keys = [reminder.key for reminder in due]
    assert len(keys) == len(set(keys))
    assert {reminder.rule for reminder in due} == SWEEP_RULES
    to_coordinator = {(r.rule, r.is_copy) for r in due if r.recipient_id == world.coordinator.pk}
    assert to_coordinator == {
        (Rule.UNACKNOWLEDGED_ESCALATION, False),
        (Rule.OVERDUE_COORDINATOR, False),
        (Rule.OVERDUE_DIRECTOR, True),  # the director's escalation, copied to MOD's alternates
        (Rule.SUBMISSION_WAITING, False),
        (Rule.EXTENSION_WAITING, False),
    }
    to_lead = sorted(r.rule for r in due if r.recipient_id == world.lead_liaison.pk)
    assert to_lead == sorted([Rule.UNACKNOWLEDGED, Rule.DUE_TODAY, Rule.DUE_SOON, Rule.OVERDUE, Rule.STALE])
