"""Event notifications: recorded in the reminder ledger in the same transaction as the change, delivered after it.

So an event is never lost: if the broker is down when the change commits, the row waits in the ledger and the
periodic requeue sends it once the broker is back.
"""

from __future__ import annotations

import datetime

from coordination.calendar import japan_today
from coordination.models import ActionItem, Reminder
from coordination.queue import outbox_add_each

from .delivery import DELIVER_REMINDERS_TASK
from .sweep import People
from .webhooks import webhook_record

Rule = Reminder.Rule

# Which transitions people hear about, and as which rule.
TRANSITION_EVENTS = {
    "assign": Rule.ASSIGNED,
    "decline": Rule.DECLINED,
    "return": Rule.RETURNED,
    "close": Rule.CLOSED,
    "cancel": Rule.CANCELLED,
}


def _item_fields(item: ActionItem) -> dict:
    return {
        "id": item.pk,
        "department_id": item.department_id,
        "lead_agency_id": item.lead_agency_id,
        "assigned_liaison_id": item.assigned_liaison_id,
        "coordinator_id": item.coordinator_id,
    }


def event_recipients(item: ActionItem, rule: str, people: People, *, requester_id: int | None = None) -> list[int]:
    """Who hears of an event: the lead and supporting agencies of an assignment, closure or cancellation; the
    coordinator of a decline or a concurrence; the lead of a return; the requester of an extension decision."""
    fields = _item_fields(item)
    supporting = [
        user for agency_id in item.concurrences.values_list("agency_id", flat=True)
        for user in people.agency_contacts(agency_id)
    ]  # fmt: skip
    if rule in (Rule.ASSIGNED, Rule.CLOSED, Rule.CANCELLED):
        return [*people.lead(fields), *supporting]
    if rule in (Rule.DECLINED, Rule.CONCURRENCE_RECORDED):
        return people.coordinator(fields)
    if rule in (Rule.RETURNED, Rule.REMINDED):
        return people.lead(fields)
    if rule == Rule.EXTENSION_DECIDED:
        return [requester_id] if requester_id else people.lead(fields)
    return []


def event_record(
    *,
    item: ActionItem,
    rule: str,
    actor,
    occurrence: str,
    requester_id: int | None = None,
    now: datetime.datetime | None = None,
) -> list[Reminder]:
    """Record the event for everyone who should hear of it (not the person who caused it) and queue delivery
    after the transaction commits. Call inside the service's transaction."""
    today = japan_today(now)
    recipients = event_recipients(item, rule, People.on(today), requester_id=requester_id)
    recipients = sorted(set(recipients) - {getattr(actor, "pk", None)})
    rows = [
        Reminder(
            action_item=item, rule=rule, recipient_id=recipient, occurrence=occurrence, due_on=today
        )
        for recipient in recipients
    ]  # fmt: skip
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    outbox_add_each(DELIVER_REMINDERS_TASK, ([recipient] for recipient in recipients))
    webhook_record(item=item, event=rule, occurrence=occurrence)
    return rows
