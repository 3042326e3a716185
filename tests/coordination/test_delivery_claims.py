"""Claims fence every send: a digest keeps the Message-ID fixed when it was first claimed, only the holder of a
claim marks rows sent, a worker held up past its claim sends nothing, and marking survives a database blip."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from coordination import services
from coordination.models import ActionItem, Reminder, WebhookDelivery, WebhookEndpoint
from coordination.reminders import claims, webhooks
from coordination.reminders.delivery import (
    DeliveryFailed,
    _claim,
    _digest_send,
    reminders_deliver,
    reminders_to_requeue,
)
from coordination.reminders.webhooks import WebhookFailed, webhook_deliver, webhooks_to_requeue
from tests import mail_backends
from tests.coordination.test_webhooks import Receiver

ROOT = Path(__file__).resolve().parents[2]
START = datetime.datetime(2026, 6, 15, 0, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def notices(world, clock):
    """An assignment: one notice each for the lead and the supporting liaison."""
    services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
    return Reminder.objects.filter(recipient=world.lead_liaison)


@pytest.fixture
def during_send():
    yield mail_backends.DURING_SEND
    mail_backends.DURING_SEND.clear()


def past_the_claim() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS + 1)


def message_ids(rows) -> set[str]:
    return set(rows.values_list("message_id", flat=True))


def test_the_message_id_is_fixed_at_the_claim_and_kept_on_every_attempt(world, notices, settings):
    settings.EMAIL_BACKEND = "tests.mail_backends.RefusingEmailBackend"
    for _attempt in range(2):
        with pytest.raises(DeliveryFailed):
            reminders_deliver(recipient_id=world.lead_liaison.pk)
    [message_id] = message_ids(notices)
    assert message_id.startswith("<") and message_id.endswith(f"@{settings.EMAIL_MESSAGE_ID_DOMAIN}>")
    assert set(notices.values_list("state", "attempts", "claim_token")) == {("pending", 2, None)}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders_deliver(recipient_id=world.lead_liaison.pk) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == message_id
    assert set(notices.values_list("state", "message_id")) == {("sent", message_id)}


def test_a_digest_freed_from_a_dead_worker_goes_again_as_itself_and_rows_recorded_since_go_apart(world, notices, clock):
    dead = _claim(world.lead_liaison.pk, START)  # the worker dies here, perhaps after the server accepted it
    assert dead.message_id and notices.get().state == "sending"
    for name in ("acknowledge", "start", "submit"):
        services.action_item_transition(
            actor=world.lead_liaison, item=ActionItem.objects.get(pk=world.item.pk), name=name
        )
    services.action_item_transition(
        actor=world.coordinator, item=ActionItem.objects.get(pk=world.item.pk), name="return", reason="More detail"
    )
    clock.shift(past_the_claim())
    assert world.lead_liaison.pk in reminders_to_requeue()
    assert reminders_deliver(recipient_id=world.lead_liaison.pk) == 2
    again, new = mail.outbox
    assert again.extra_headers["Message-ID"] == dead.message_id  # a copy, if there is one, says so
    assert "Assigned to your agency" in again.body and "Returned" not in again.body
    assert new.extra_headers["Message-ID"] != dead.message_id and "Returned to the lead agency" in new.body


def test_a_worker_whose_claim_was_taken_over_sends_nothing(world, notices, clock):
    stalled = _claim(world.lead_liaison.pk, START)
    clock.shift(past_the_claim())
    reminders_to_requeue()
    assert reminders_deliver(recipient_id=world.lead_liaison.pk) == 1  # the second worker sends it
    with pytest.raises(DeliveryFailed):
        _digest_send(stalled, clock=timezone.now)  # the first wakes up: its claim is gone
    assert len(mail.outbox) == 1 and notices.get().state == "sent"


def test_a_worker_held_up_since_its_claim_gives_the_rows_back_unsent(world, notices):
    claim = _claim(world.lead_liaison.pk, START)
    late = START + datetime.timedelta(
        seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS - settings.DELIVERY_LONGEST_SECONDS + 1
    )
    with pytest.raises(DeliveryFailed):
        _digest_send(claim, clock=lambda: late)
    assert mail.outbox == []
    row = notices.get()
    assert (row.state, row.claim_token, row.message_id) == ("pending", None, claim.message_id)
    assert "claim ran short" in row.last_error


def test_a_claim_taken_over_while_the_server_accepts_is_marked_by_its_new_holder_only(
    world, notices, clock, settings, during_send, caplog
):
    settings.EMAIL_BACKEND = "tests.mail_backends.HookEmailBackend"
    taken = []

    def taken_over():  # the first worker froze past its claim while the server accepted; a second one claims
        clock.shift(past_the_claim())
        reminders_to_requeue()
        taken.append(_claim(world.lead_liaison.pk, datetime.datetime.now(tz=datetime.UTC)))

    during_send.append(taken_over)
    assert reminders_deliver(recipient_id=world.lead_liaison.pk) == 1
    row = notices.get()
    assert (row.state, row.claim_token) == ("sending", taken[0].token)  # the first worker marked nothing
    assert row.message_id == taken[0].message_id == mail.outbox[0].extra_headers["Message-ID"]
    assert "the copy carries the same Message-ID" in caplog.text


def test_marking_sent_is_retried_through_a_database_blip(world, notices, settings, monkeypatch, caplog):
    settings.DELIVERY_MARK_RETRY_SECONDS = 30
    waits = []
    monkeypatch.setattr(claims.time, "sleep", waits.append)
    real_update = type(Reminder.objects.all()).update
    blips = iter([True, True])

    def update(queryset, **changes):
        if changes.get("state") == "sent" and next(blips, False):
            raise OperationalError("server closed the connection unexpectedly")
        return real_update(queryset, **changes)

    monkeypatch.setattr(type(Reminder.objects.all()), "update", update)
    assert reminders_deliver(recipient_id=world.lead_liaison.pk) == 1
    assert notices.get().state == "sent" and len(mail.outbox) == 1
    assert waits == [claims.FIRST_WAIT, 2 * claims.FIRST_WAIT]
    assert caplog.text.count("Database unreachable while recording that digest") == 2


def test_marking_gives_up_after_its_budget_and_leaves_the_rows_to_the_claim_timeout(settings, monkeypatch):
    settings.DELIVERY_MARK_RETRY_SECONDS = 1
    monkeypatch.setattr(claims.time, "sleep", lambda seconds: None)
    tries = []

    def write():
        tries.append(1)
        raise OperationalError("the database system is shutting down")

    with pytest.raises(OperationalError):
        claims.through_outage(write, what="something was sent")
    assert len(tries) == 3  # waits of 0.25 and 0.5 s fit in one second; a third of 1 s would not


def test_a_webhook_retry_carries_the_same_delivery_id_and_a_taken_over_claim_marks_nothing(world, clock):
    receiver = Receiver()
    try:
        WebhookEndpoint.objects.create(
            department=world.department, name="MOD tracker", url=receiver.url, secret="s" * 32,
            events=["assigned"], owner=world.coordinator,
        )  # fmt: skip
        services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
        delivery = WebhookDelivery.objects.get()
        receiver.status = 503
        with pytest.raises(WebhookFailed):
            webhook_deliver(delivery_pk=delivery.pk)
        receiver.status = 200
        assert webhook_deliver(delivery_pk=delivery.pk) is True
        first, second = (request["headers"]["X-Tracker-Delivery"] for request in receiver.requests)
        assert first == second == str(delivery.delivery_id)
        assert json.loads(receiver.requests[1]["body"])["delivery"] == first

        # Its worker held up past its claim, which the requeue frees; the next worker sends it; the first, back,
        # finds nothing it may mark.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(state="pending")
        stalled = webhooks._claim(delivery.pk, START)
        clock.shift(past_the_claim())
        assert delivery.pk in webhooks_to_requeue()
        assert webhook_deliver(delivery_pk=delivery.pk) is True
        assert webhooks._held(stalled).update(state="pending") == 0
        assert WebhookDelivery.objects.get(pk=delivery.pk).state == "delivered"
        assert {request["headers"]["X-Tracker-Delivery"] for request in receiver.requests} == {first}
    finally:
        receiver.close()


def test_timeouts_that_do_not_fit_twice_in_a_claim_are_refused_at_start_up():
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.local", "EMAIL_TIMEOUT": "30", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "REMINDER_CLAIM_TIMEOUT_SECONDS (300) must be at least twice the longest a delivery can take" in (
        result.stderr
    )
    assert "10 x EMAIL_TIMEOUT 30" in result.stderr
