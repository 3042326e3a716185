"""Event notifications go through the ledger: recorded with the change, delivered after it commits."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from coordination import services
from coordination.models import ActionItem, Reminder
from coordination.reminders.delivery import DELIVER_REMINDERS_TASK, reminders_deliver

Status = ActionItem.Status


def notices(rule) -> set[str]:
    return set(Reminder.objects.filter(rule=rule).values_list("recipient__username", flat=True))


def test_an_assignment_tells_the_lead_and_supporting_agencies_and_is_sent_after_commit(world, queued):
    services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
    assert notices("assigned") == {"mod-liaison", "mofa-liaison"}  # not the coordinator who assigned it
    # One delivery queued per recipient, in the change's own transaction (the relay publishes it).
    assert sorted(queued()) == sorted(
        (DELIVER_REMINDERS_TASK, (user.pk,)) for user in (world.lead_liaison, world.supporting_liaison)
    )
    assert reminders_deliver(recipient_id=world.lead_liaison.pk) == 1
    assert "Draft a defense diplomacy strategy" in mail.outbox[0].body
    assert "Assigned to your agency" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("status", "actor", "name", "reason", "rule", "recipients"),
    [
        (Status.ASSIGNED, "lead_liaison", "decline", "Not ours", "declined", {"coordinator"}),
        (Status.SUBMITTED, "coordinator", "return", "More detail", "returned", {"mod-liaison"}),
        (Status.SUBMITTED, "director", "cancel", "Overtaken", "cancelled", {"mod-liaison", "mofa-liaison"}),
    ],
)
def test_transitions_tell_the_people_concerned(world, move_to_status, status, actor, name, reason, rule, recipients):
    move_to_status(world.item, status)
    services.action_item_transition(actor=getattr(world, actor), item=world.item, name=name, reason=reason)
    assert notices(rule) == recipients


def test_closing_tells_the_agencies(world, move_to_status):
    move_to_status(world.item, Status.CLOSED)
    assert notices("closed") == {"mod-liaison", "mofa-liaison"}


def test_a_concurrence_tells_the_coordinator_and_a_decision_tells_the_requester(world, move_to_status):
    move_to_status(world.item, Status.IN_PROGRESS)
    services.concurrence_record(actor=world.supporting_liaison, item=world.item, agency=world.mofa, state="concur")
    assert notices("concurrence_recorded") == {"coordinator"}
    request = services.extension_request_create(
        actor=world.lead_liaison, item=world.item, requested_due_date=datetime.date(2026, 7, 31), reason="Diet"
    )
    services.extension_request_decide(actor=world.director, extension_request=request, approve=True)
    assert notices("extension_decided") == {"mod-liaison"}


def test_reopening_and_assigning_again_is_a_new_event(world, move_to_status):
    move_to_status(world.item, Status.ASSIGNED)
    services.action_item_transition(actor=world.lead_liaison, item=world.item, name="decline", reason="Not ours")
    services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
    assert Reminder.objects.filter(rule="assigned", recipient=world.lead_liaison).count() == 2
