"""Recurring items: when an occurrence's due date comes, the next one is created and assigned, due one period
later on the government calendar; a series never drifts, never doubles, and stops when cancelled."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from coordination import services
from coordination.models import ActionItem, Reminder

JAPAN = ZoneInfo("Asia/Tokyo")


def at(day: str) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(9), tzinfo=JAPAN)


@pytest.fixture
def quarterly(world, move_to_status):
    services.action_item_update(actor=world.coordinator, item=world.item, changes={"recurrence": "quarterly"})
    return move_to_status(world.item, ActionItem.Status.IN_PROGRESS)  # due Tuesday 30 June 2026


def test_the_next_occurrence_is_created_on_the_due_date_and_assigned(world, quarterly):
    assert services.action_items_recur(now=at("2026-06-29")) == []
    [following] = services.action_items_recur(now=at("2026-06-30"))
    assert following.due_date == datetime.date(2026, 9, 30)
    assert following.status == ActionItem.Status.ASSIGNED and following.recurrence == "quarterly"
    assert following.recurrence_previous == quarterly and following.assigned_liaison == world.lead_term
    assert (following.title, following.lead_agency, following.department) == (
        quarterly.title,
        quarterly.lead_agency,
        quarterly.department,
    )
    assert list(following.concurrences.values_list("agency__code", "state")) == [("MOFA", "pending")]
    record = following.history.earliest()
    assert record.history_user is None and f"#{quarterly.pk}" in record.history_change_reason
    assert set(
        Reminder.objects.filter(action_item=following, rule="assigned").values_list("recipient__username", flat=True)
    ) == {"mod-liaison", "mofa-liaison"}
    assert services.action_items_recur(now=at("2026-07-01")) == []  # once only


def test_the_series_follows_the_calendar_without_drifting(world, quarterly):
    [second] = services.action_items_recur(now=at("2026-06-30"))
    [third] = services.action_items_recur(now=at("2026-09-30"))
    assert third.due_date == datetime.date(2027, 1, 4)  # 30 December is in the year-end closure
    [fourth] = services.action_items_recur(now=at("2027-01-04"))
    assert fourth.due_date == datetime.date(2027, 3, 30)  # counted from 30 June, not from 4 January
    assert [second.recurrence_index, third.recurrence_index, fourth.recurrence_index] == [1, 2, 3]


def test_a_cancelled_or_stopped_series_creates_nothing(world, quarterly):
    services.action_item_transition(actor=world.coordinator, item=quarterly, name="cancel", reason="Overtaken")
    assert services.action_items_recur(now=at("2026-06-30")) == []
    world.item.refresh_from_db()
    services.action_item_transition(actor=world.coordinator, item=world.item, name="reopen", reason="Needed")
    services.action_item_update(actor=world.coordinator, item=world.item, changes={"recurrence": ""})
    assert services.action_items_recur(now=at("2026-06-30")) == []


def test_months_without_the_day_use_their_last_day(world):
    item = services.action_item_create(
        actor=world.coordinator,
        department=world.department,
        title="Monthly report",
        lead_agency=world.mofa,
        due_date=datetime.date(2027, 1, 29),
        recurrence="monthly",
    )
    services.action_item_transition(actor=world.coordinator, item=item, name="assign")
    [following] = services.action_items_recur(now=at("2027-01-29"))
    assert following.due_date == datetime.date(2027, 3, 1)  # 28 February 2027 is a Sunday


def test_a_recurring_item_needs_a_due_date_and_only_coordinators_set_it(world, move_to_status):
    with pytest.raises(ValidationError):
        services.action_item_create(
            actor=world.coordinator, department=world.department, title="x", lead_agency=world.mofa,
            recurrence="monthly",
        )  # fmt: skip
    from django.core.exceptions import PermissionDenied

    move_to_status(world.item, ActionItem.Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        services.action_item_update(actor=world.lead_liaison, item=world.item, changes={"recurrence": "monthly"})
