"""The benchmark's queued-work measurements at a tiny size: the relay's measurement publishes its own messages only and
leaves nothing behind; the digest recipients it makes each get one digest, nothing withheld. (The worker itself is
measured by `manage.py benchmark` on PostgreSQL and Redis.)"""

from __future__ import annotations

from django.core import mail

from coordination.benchmark.delivery import digest_recipients_make, digests_measure, outbox_measure
from coordination.models import ActionItem, OutboxMessage, Reminder
from coordination.queue import outbox_add
from coordination.reminders.delivery import DELIVER_REMINDERS_TASK, reminders_deliver


def test_the_relay_measurement_publishes_its_own_messages_and_leaves_the_waiting_ones_as_they_were(db):
    outbox_add(DELIVER_REMINDERS_TASK, 7)  # a sweep's delivery, waiting
    figures = outbox_measure(count=30)
    assert figures["messages"] == 30 and figures["per_second"] > 0
    assert 0 < figures["queries"] < 30 and figures["left_in_outbox"] == 0  # not one statement per message
    assert list(OutboxMessage.objects.values_list("args", "claimed_until")) == [([7], None)]


def test_each_recipient_made_for_the_benchmark_gets_one_digest_of_items_they_see(world, move_to_status):
    move_to_status(world.item, ActionItem.Status.IN_PROGRESS)
    mail.outbox.clear()
    made = digest_recipients_make(3, "test")
    assert made["recipients"] == 3 and made["reminders"] == 9
    recipients = sorted(
        set(Reminder.objects.filter(occurrence="benchmark/test").values_list("recipient_id", flat=True))
    )
    for recipient_id in recipients:
        assert reminders_deliver(recipient_id=recipient_id) == 3
    assert len(mail.outbox) == 3
    assert set(Reminder.objects.filter(occurrence="benchmark/test").values_list("state", flat=True)) == {"sent"}


def test_digests_are_not_measured_without_redis(tmp_path):
    assert digests_measure(env={"DATABASE_URL": "sqlite://"}, folder=tmp_path) == {"skipped": "needs Redis"}
