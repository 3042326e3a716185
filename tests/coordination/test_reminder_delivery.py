"""Delivery: one digest per recipient, grouped by urgency, in their language; sent once; retried; never lost."""

from __future__ import annotations

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from coordination import services
from coordination.models import ActionItem, Reminder
from coordination.reminders.delivery import (
    MAX_ATTEMPTS,
    DeliveryFailed,
    reminders_deliver,
    reminders_to_requeue,
)
from coordination.reminders.sweep import reminders_record

JAPAN = ZoneInfo("Asia/Tokyo")
MONDAY = datetime.datetime(2026, 6, 15, 9, 0, tzinfo=JAPAN)


@pytest.fixture
def overdue_items(world, time_machine):
    """Three items led by MOD, assigned on 1 June; two overdue by 15 June, one of them restricted."""

    def item(title, due, **fields):
        created = services.action_item_create(
            actor=world.coordinator,
            department=world.department,
            title=title,
            lead_agency=world.mod,
            due_date=due,
            assigned_liaison=world.lead_term,
            **fields,
        )
        services.action_item_transition(actor=world.coordinator, item=created, name="assign")
        return created

    items = [
        item("Map the port access rules", datetime.date(2026, 6, 10)),
        item("Assess the hostile state's intentions", datetime.date(2026, 6, 11), marking="restricted",
             description="SECRET-ISH DETAIL"),
        item("Draft the press lines", datetime.date(2026, 6, 17)),
    ]  # fmt: skip
    Reminder.objects.filter(rule=Reminder.Rule.ASSIGNED).delete()  # the assignment notices: tested on their own
    time_machine.move_to(MONDAY)
    reminders_record(at=MONDAY)
    return items


def test_one_digest_per_recipient_grouped_by_urgency(world, overdue_items):
    assert reminders_deliver(recipient_id=world.lead_liaison.pk) == 6
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.lead_liaison.email]
    assert message.subject == "[Coordination tracker] 3 items need your attention"
    text = message.body
    assert text.index("== Overdue ==") < text.index("== Waiting for acknowledgement ==") < text.index("== Due soon ==")
    assert "Map the port access rules" in text and "/admin/coordination/actionitem/" in text and "/api/v1/" in text
    html = message.alternatives[0][0]
    assert "<h2" in html and "Draft the press lines" in html
    assert Reminder.objects.filter(recipient=world.lead_liaison, state="sent").count() == 6
    assert reminders_deliver(recipient_id=world.lead_liaison.pk) == 0  # nothing left: nothing sent twice
    assert len(mail.outbox) == 1


def test_restricted_items_show_only_id_title_due_date_and_links(world, overdue_items):
    reminders_deliver(recipient_id=world.lead_liaison.pk)
    text = mail.outbox[0].body
    restricted = overdue_items[1]
    block = text.split(f"#{restricted.pk} ")[1].split("\n#")[0]
    assert "Assess the hostile state's intentions" in block and "2026-06-11" in block
    assert "Lead:" not in block and "Assigned" not in block
    assert "SECRET-ISH DETAIL" not in text and "SECRET-ISH DETAIL" not in mail.outbox[0].alternatives[0][0]


def test_the_digest_speaks_the_recipients_language(world, overdue_items):
    world.lead_liaison.preferred_language = "ja"
    world.lead_liaison.save(update_fields=["preferred_language"])
    reminders_deliver(recipient_id=world.lead_liaison.pk)
    message = mail.outbox[0]
    assert "3" in message.subject and "対応事項" in message.subject
    assert "期限超過" in message.body


def test_a_refused_message_is_retried_then_marked_failed(world, overdue_items, settings):
    settings.EMAIL_BACKEND = "tests.mail_backends.RefusingEmailBackend"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with pytest.raises(DeliveryFailed):
            reminders_deliver(recipient_id=world.lead_liaison.pk)
        states = set(Reminder.objects.filter(recipient=world.lead_liaison).values_list("state", flat=True))
        assert states == ({"pending"} if attempt < MAX_ATTEMPTS else {"failed"})
    row = Reminder.objects.filter(recipient=world.lead_liaison).first()
    assert row.attempts == MAX_ATTEMPTS and "Connection unexpectedly closed" in row.last_error
    assert mail.outbox == []


def test_a_claim_left_by_a_dead_worker_is_freed_and_queued_again(world, overdue_items, time_machine):
    Reminder.objects.filter(recipient=world.lead_liaison).update(state="sending", claimed_at=MONDAY)
    time_machine.move_to(MONDAY + datetime.timedelta(minutes=2))
    assert world.lead_liaison.pk not in reminders_to_requeue()  # still within the claim timeout
    time_machine.move_to(MONDAY + datetime.timedelta(minutes=6))
    assert world.lead_liaison.pk in reminders_to_requeue()
    assert reminders_deliver(recipient_id=world.lead_liaison.pk) == 6
    assert len(mail.outbox) == 1


def test_a_recipient_without_an_email_address_is_marked_failed(world, overdue_items):
    world.lead_liaison.email = ""
    world.lead_liaison.save(update_fields=["email"])
    assert reminders_deliver(recipient_id=world.lead_liaison.pk) == 0
    assert set(Reminder.objects.filter(recipient=world.lead_liaison).values_list("state", flat=True)) == {"failed"}


def test_the_sweep_costs_the_same_queries_for_5_and_50_items(world, time_machine, django_assert_num_queries):
    from tests.factories import ActionItemFactory

    def make(count):
        for index in range(count):
            ActionItemFactory(
                department=world.department,
                lead_agency=world.mod,
                status=ActionItem.Status.ASSIGNED,
                assigned_at=datetime.datetime(2026, 6, 1, 10, tzinfo=JAPAN),
                due_date=datetime.date(2026, 6, 10),
                title=f"Item {index}",
            )

    make(5)
    time_machine.move_to(MONDAY)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        reminders_record(at=MONDAY, dry_run=True)
    make(45)
    with django_assert_num_queries(len(few.captured_queries)):
        found = reminders_record(at=MONDAY, dry_run=True)
    assert len({reminder.item_id for reminder in found}) == 50


def test_send_reminders_dry_run_prints_one_line_each_and_records_nothing(world, overdue_items):
    Reminder.objects.exclude(rule=Reminder.Rule.ASSIGNED).delete()
    out = io.StringIO()
    call_command("send_reminders", "--at", "2026-06-15 09:00", "--dry-run", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1] == "2026-06-15: would record 10 reminders."
    assert any(line.startswith("mod-liaison\toverdue\t#") for line in lines)
    assert not Reminder.objects.exclude(rule=Reminder.Rule.ASSIGNED).exists()
    call_command("send_reminders", "--at", "2026-06-15 09:00", stdout=io.StringIO())
    assert Reminder.objects.exclude(rule=Reminder.Rule.ASSIGNED).count() == 10


def test_send_reminders_explains_closed_days_and_bad_input(world):
    out = io.StringIO()
    call_command("send_reminders", "--at", "2026-12-31 09:00", stdout=out)
    assert "not a business day (Year-end closure)" in out.getvalue()
    with pytest.raises(CommandError, match="Japan time"):
        call_command("send_reminders", "--at", "tomorrow")


def test_an_agency_taken_off_an_item_gets_nothing_more_about_it_and_the_row_says_why(world, move_to_status):
    """MOFA supports the item and is told of its assignment; before the notice goes out MOFA is taken off the
    item: the notice is withheld, with the reason on the ledger row, and no later sweep addresses MOFA again."""
    item = move_to_status(world.item, ActionItem.Status.ASSIGNED)
    notice = Reminder.objects.get(action_item=item, recipient=world.supporting_liaison, rule=Reminder.Rule.ASSIGNED)
    services.action_item_update(actor=world.coordinator, item=item, changes={"supporting_agencies": []})
    mail.outbox.clear()

    assert reminders_deliver(recipient_id=world.supporting_liaison.pk) == 0
    assert mail.outbox == []
    notice.refresh_from_db()
    assert notice.state == Reminder.State.WITHHELD
    assert notice.last_error == "Not sent: the recipient no longer sees this item."
    # The lead's notice of the same event still goes out.
    assert reminders_deliver(recipient_id=world.lead_liaison.pk) == 1 and len(mail.outbox) == 1

    overdue_day = datetime.datetime(2026, 7, 6, 9, 0, tzinfo=JAPAN)  # past the due date of 30 June
    reminders_record(at=overdue_day)
    later = Reminder.objects.filter(action_item=item, recipient=world.supporting_liaison).exclude(pk=notice.pk)
    assert not later.exists()
    assert Reminder.objects.filter(action_item=item, recipient=world.lead_liaison, rule="overdue").exists()


def test_a_liaison_whose_term_ended_before_sending_is_told_nothing(world, move_to_status):
    item = move_to_status(world.item, ActionItem.Status.ASSIGNED)
    services.liaison_end_term(actor=world.superuser, liaison=world.supporting_term)
    mail.outbox.clear()
    assert reminders_deliver(recipient_id=world.supporting_liaison.pk) == 0
    row = Reminder.objects.get(action_item=item, recipient=world.supporting_liaison)
    assert row.state == Reminder.State.WITHHELD and "no current role" in row.last_error
    assert mail.outbox == []
