"""Weeks of reminders on the government calendar: which go out on which days, across the year-end closure and a
national holiday (Coming of Age Day, 11 January 2027), with the department's default policy."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from agencies.models import Liaison
from coordination import services
from coordination.models import Reminder
from coordination.reminders.sweep import reminders_record
from tests.factories import LiaisonFactory

JAPAN = ZoneInfo("Asia/Tokyo")
EVENTS = [Reminder.Rule.ASSIGNED]  # recorded when the item was assigned, not by the sweep


def at(day: str, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=JAPAN)


def days(first: str, last: str):
    day = datetime.date.fromisoformat(first)
    while day <= datetime.date.fromisoformat(last):
        yield day
        day += datetime.timedelta(days=1)


@pytest.fixture
def year_end_item(world, time_machine):
    """Assigned on Thursday 24 December 2026 at 10:00, due Wednesday 6 January 2027; MOFA must concur."""
    LiaisonFactory(user__username="mod-alternate", agency=world.mod, role=Liaison.Role.ALTERNATE)
    time_machine.move_to(at("2026-12-24", 10))
    item = services.action_item_create(
        actor=world.coordinator,
        department=world.department,
        title="Agree the evacuation plan",
        lead_agency=world.mod,
        supporting_agencies=[world.mofa],
        due_date=datetime.date(2027, 1, 6),
        assigned_liaison=world.lead_term,
    )
    services.action_item_transition(actor=world.coordinator, item=item, name="assign")
    return item


def test_which_reminders_go_out_on_which_days(world, year_end_item, time_machine):
    sent: dict[str, set[tuple[str, str, bool]]] = {}
    for day in days("2026-12-25", "2027-01-22"):
        moment = at(day.isoformat())
        time_machine.move_to(moment)
        new = reminders_record(at=moment)
        if new:
            users = {world.lead_liaison.pk: "mod-liaison", world.coordinator.pk: "coordinator"}
            users |= {world.director.pk: "director", world.supporting_liaison.pk: "mofa-liaison"}
            users |= {term.user_id: term.user.username for term in Liaison.objects.filter(role="alternate")}
            sent[day.isoformat()] = {(r.rule, users[r.recipient_id], r.is_copy) for r in new}
        if day == datetime.date(2027, 1, 4):  # the liaison acknowledges after the 09:00 run on the first work day
            time_machine.move_to(at("2027-01-04", 10))
            services.action_item_transition(actor=world.lead_liaison, item=year_end_item, name="acknowledge")

    overdue = {("overdue", "mod-liaison", False)}
    assert sent == {
        "2026-12-25": {("unacknowledged", "mod-liaison", False)},
        "2026-12-28": {
            ("unacknowledged_escalation", "coordinator", False),
            ("unacknowledged_escalation", "mod-alternate", True),
            ("due_soon", "mod-liaison", False),  # 3 business days before: 28 Dec, then the closure, 4 and 5 Jan
        },
        # 29 December to 3 January: the year-end closure, nothing at all.
        "2027-01-04": {("concurrence_pending", "mofa-liaison", False)},
        "2027-01-05": {("due_soon", "mod-liaison", False)},
        "2027-01-06": {("due_today", "mod-liaison", False)},
        "2027-01-07": overdue,
        "2027-01-08": overdue,
        # 9-10 January: weekend; 11 January: Coming of Age Day.
        "2027-01-12": overdue
        | {("overdue_coordinator", "coordinator", False), ("overdue_coordinator", "mod-alternate", True)},
        "2027-01-13": overdue,
        "2027-01-14": overdue,
        "2027-01-15": overdue,
        "2027-01-18": overdue,
        "2027-01-19": overdue,
        "2027-01-20": overdue,
        "2027-01-21": overdue | {("overdue_director", "director", False), ("overdue_director", "mod-alternate", True)},
        "2027-01-22": overdue,
    }
    swept = Reminder.objects.exclude(rule__in=EVENTS)
    assert swept.count() == sum(len(found) for found in sent.values())


def test_a_second_sweep_at_the_same_moment_records_nothing(world, year_end_item, time_machine):
    time_machine.move_to(at("2026-12-28"))
    first = reminders_record(at=at("2026-12-28"))
    assert len(first) == 4  # the 25 December reminder was missed, so it comes now with the escalation
    assert reminders_record(at=at("2026-12-28")) == []
    assert reminders_record(at=at("2026-12-28", 15)) == []
    assert Reminder.objects.exclude(rule__in=EVENTS).count() == 4


def test_a_missed_day_is_caught_up_by_the_next_sweep(world, year_end_item, time_machine):
    # Nothing ran on 25 or 28 December; the first sweep after the closure still sends what is owed.
    time_machine.move_to(at("2027-01-04"))
    rules = {reminder.rule for reminder in reminders_record(at=at("2027-01-04"))}
    assert rules == {"unacknowledged", "unacknowledged_escalation", "due_soon", "concurrence_pending"}


def test_reminders_go_to_the_primary_once_the_assigned_liaisons_term_has_ended(world, year_end_item, time_machine):
    primary = LiaisonFactory(user__username="mod-new-primary", agency=world.mod, role=Liaison.Role.PRIMARY)
    Liaison.objects.filter(pk=world.lead_term.pk).update(
        end_date=datetime.date(2026, 12, 25)
    )  # a future end, set earlier
    time_machine.move_to(at("2026-12-25"))
    recipients = {reminder.recipient_id for reminder in reminders_record(at=at("2026-12-25"))}
    assert recipients == {primary.user_id}


def test_a_department_can_switch_reminders_off_or_change_its_numbers(world, year_end_item, time_machine):
    from coordination.models import ReminderPolicy

    policy = ReminderPolicy.objects.create(department=world.department, is_active=False)
    time_machine.move_to(at("2026-12-25"))
    assert reminders_record(at=at("2026-12-25")) == []
    policy.is_active = True
    policy.unacknowledged_remind_after = 2
    policy.unacknowledged_escalate_after = 3
    policy.save()
    assert reminders_record(at=at("2026-12-25")) == []  # one business day is not two
    time_machine.move_to(at("2026-12-28"))
    assert {r.rule for r in reminders_record(at=at("2026-12-28"))} == {"unacknowledged", "due_soon"}


def test_stale_items_and_work_waiting_on_coordinators(world, time_machine):
    """June 2026 has no holiday: business days are the weekdays."""

    def create(title):
        item = services.action_item_create(
            actor=world.coordinator,
            department=world.department,
            title=title,
            lead_agency=world.mod,
            due_date=datetime.date(2026, 9, 30),
            assigned_liaison=world.lead_term,
        )
        for actor, name in [(world.coordinator, "assign"), (world.lead_liaison, "acknowledge")]:
            services.action_item_transition(actor=actor, item=item, name=name)
        return item

    time_machine.move_to(at("2026-06-01", 10))
    quiet = create("Quiet item")
    services.progress_update_create(actor=world.lead_liaison, item=quiet, text="Started", percent_complete=10)
    services.extension_request_create(
        actor=world.lead_liaison, item=quiet, requested_due_date=datetime.date(2026, 10, 30), reason="Diet"
    )
    done = create("Finished item")
    services.action_item_transition(actor=world.lead_liaison, item=done, name="start")
    services.action_item_transition(actor=world.lead_liaison, item=done, name="submit")

    watched = {"stale", "submission_waiting", "extension_waiting"}
    sent = {}
    for day in days("2026-06-02", "2026-06-30"):
        time_machine.move_to(at(day.isoformat()))
        found = {(r.rule, r.occurrence) for r in reminders_record(at=at(day.isoformat())) if r.rule in watched}
        if found:
            sent[day.isoformat()] = found
    request = quiet.extension_requests.get()
    assert sent == {
        "2026-06-03": {("submission_waiting", "2026-06-01"), ("extension_waiting", f"extension/{request.pk}")},
        "2026-06-15": {("stale", "2026-06-01/1")},  # ten business days without an update
        "2026-06-29": {("stale", "2026-06-01/2")},  # and again ten business days later
    }  # fmt: skip
