"""The outbox: work a change calls for is written in the change's own transaction and published by the relay, each
distinct task once, the rest kept when the broker fails; a relay's claim keeps a second relay off its rows. The real
broker paths are the end-to-end tests' (test_broker_unreachable, test_broker_faults, test_notifications_broker_down)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_guid.context import guid

from coordination.models import OutboxMessage
from coordination.queue import RELAY_CLAIM, outbox_add, outbox_add_each, outbox_relay, queueing_suspended

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 6, 15, 0, 0, tzinfo=datetime.UTC)


class Broker:
    """Takes what the relay publishes, with the request id in force; refuses from the `refuse_from`-th on."""

    def __init__(self, refuse_from: int | None = None):
        self.published: list[tuple] = []
        self.refuse_from = refuse_from

    def __call__(self, task, *args):
        if self.refuse_from is not None and len(self.published) + 1 >= self.refuse_from:
            raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.published.append((task, args, guid.get()))


def test_a_rolled_back_change_leaves_nothing_queued_and_a_committed_one_its_row():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_add("coordination.tasks.deliver_reminders_task", 1)
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    with transaction.atomic():
        outbox_add("coordination.tasks.deliver_reminders_task", 1)
    assert list(OutboxMessage.objects.values_list("task", "args")) == [
        ("coordination.tasks.deliver_reminders_task", [1])
    ]


def test_the_relay_publishes_each_distinct_task_once_oldest_first_under_its_requests_id():
    token = guid.set("6b1f0c0e-5d2a-4a8b-9d8e-3c1f2a4b5c6d")
    outbox_add("coordination.tasks.deliver_reminders_task", 7)
    guid.reset(token)
    outbox_add("coordination.tasks.deliver_webhook_task", 3)
    outbox_add("coordination.tasks.deliver_reminders_task", 7)  # a second change for the same recipient
    broker = Broker()
    assert outbox_relay(now=NOW, publish=broker) == 2
    assert broker.published == [
        ("coordination.tasks.deliver_reminders_task", (7,), "6b1f0c0e-5d2a-4a8b-9d8e-3c1f2a4b5c6d"),
        ("coordination.tasks.deliver_webhook_task", (3,), None),
    ]
    assert not OutboxMessage.objects.exists()


def test_a_broker_that_fails_keeps_what_was_not_published_for_the_next_run(caplog):
    for recipient in (1, 2, 3):
        outbox_add("coordination.tasks.deliver_reminders_task", recipient)
    broker = Broker(refuse_from=2)
    assert outbox_relay(now=NOW, publish=broker) == 1
    waiting = OutboxMessage.objects.order_by("pk")
    assert [row.args for row in waiting] == [[2], [3]]
    assert {(row.attempts, row.claimed_until) for row in waiting} == {(1, None)}
    assert "Connection refused" in waiting[0].last_error
    assert "Broker unreachable: 2 queued messages wait for the next relay" in caplog.text
    broker.refuse_from = None
    assert outbox_relay(now=NOW, publish=broker) == 2
    assert [args for _task, args, _id in broker.published] == [(1,), (2,), (3,)]


def test_rows_a_relay_holds_are_left_to_it_until_its_claim_runs_out():
    outbox_add("coordination.tasks.heartbeat_task")
    OutboxMessage.objects.update(claimed_until=NOW + RELAY_CLAIM)  # a relay publishing them now
    broker = Broker()
    assert outbox_relay(now=NOW, publish=broker) == 0
    assert outbox_relay(now=NOW + RELAY_CLAIM + datetime.timedelta(seconds=1), publish=broker) == 1  # it died


def test_nothing_is_queued_while_queueing_is_suspended():
    with queueing_suspended():
        outbox_add("coordination.tasks.deliver_reminders_task", 1)
        outbox_add_each("coordination.tasks.deliver_reminders_task", [[2], [3]])
    assert not OutboxMessage.objects.exists()


def test_a_delivery_for_each_recipient_is_queued_in_one_insert(django_assert_num_queries):
    with django_assert_num_queries(1):
        outbox_add_each("coordination.tasks.deliver_reminders_task", ([recipient] for recipient in range(50)))
    assert OutboxMessage.objects.count() == 50
    assert outbox_relay(now=NOW, publish=Broker()) == 50


def test_a_relay_costs_the_same_statements_for_three_messages_as_for_three_hundred():
    counts = []
    for size in (3, 300):
        outbox_add_each("coordination.tasks.deliver_reminders_task", ([recipient] for recipient in range(size)))
        with CaptureQueriesContext(connection) as queries:
            assert outbox_relay(now=NOW, publish=Broker()) == size
        counts.append(len(queries))
        assert not OutboxMessage.objects.exists()
    assert counts[0] == counts[1]
