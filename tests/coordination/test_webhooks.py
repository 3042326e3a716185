"""Webhooks: signed deliveries to a department's receiver (a real HTTP server started by the test), retried on
errors, logged, and an endpoint that keeps failing is disabled and its owner told."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from coordination import services
from coordination.models import ActionItem, WebhookDelivery, WebhookEndpoint
from coordination.reminders.webhooks import WebhookFailed, webhook_deliver, webhooks_to_requeue

SECRET = "s3cret-shared-with-the-receiver"


class Receiver:
    """A local HTTP server that records what it receives and answers with `status`."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/tracker"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def endpoint(world, receiver):
    return WebhookEndpoint.objects.create(
        department=world.department,
        name="MOD tracker",
        url=receiver.url,
        secret=SECRET,
        events=["assigned", "closed", "overdue"],
        owner=world.coordinator,
    )


def deliver_all():
    for delivery in WebhookDelivery.objects.filter(state="pending"):
        try:
            webhook_deliver(delivery_pk=delivery.pk)
        except WebhookFailed:
            pass


def test_an_event_is_delivered_signed_and_logged(world, endpoint, receiver):
    services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
    deliver_all()
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    expected = hmac.new(SECRET.encode(), headers["X-Tracker-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["X-Tracker-Signature"] == f"sha256={expected.hexdigest()}"
    assert headers["X-Tracker-Event"] == "assigned"
    payload = json.loads(body)
    assert payload["delivery"] == headers["X-Tracker-Delivery"]
    assert payload["action_item"]["id"] == world.item.pk and payload["action_item"]["lead_agency"] == "MOD"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_status_code, delivery.attempts) == ("delivered", 200, 1)


def test_events_the_endpoint_did_not_ask_for_are_not_sent(world, endpoint, receiver, move_to_status):
    move_to_status(world.item, ActionItem.Status.SUBMITTED)
    services.action_item_transition(actor=world.coordinator, item=world.item, name="return", reason="More")
    assert set(WebhookDelivery.objects.values_list("event", flat=True)) == {"assigned"}


def test_restricted_items_carry_only_id_title_due_date_and_links(world, endpoint, receiver):
    services.action_item_update(actor=world.coordinator, item=world.item, changes={"marking": "restricted"})
    services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
    deliver_all()
    item = json.loads(receiver.requests[0]["body"])["action_item"]
    assert set(item) == {"id", "title", "due_date", "url", "admin_url"}


def test_failures_are_retried_and_an_endpoint_that_keeps_failing_is_disabled(world, endpoint, receiver, settings):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.status = 503
    services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
    delivery = WebhookDelivery.objects.get()
    for _attempt in range(3):
        with pytest.raises(WebhookFailed):
            webhook_deliver(delivery_pk=delivery.pk)
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 3, 503)
    assert endpoint.is_active is False and endpoint.disabled_at is not None
    assert mail.outbox[0].to == [world.coordinator.email] and "MOD tracker" in mail.outbox[0].subject
    assert webhook_deliver(delivery_pk=delivery.pk) is False  # nothing goes to a disabled endpoint
    assert len(receiver.requests) == 3


def test_a_receiver_that_cannot_be_reached_counts_as_a_failure(world, endpoint):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        endpoint.url = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    endpoint.save()
    services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
    with pytest.raises(WebhookFailed):
        webhook_deliver(delivery_pk=WebhookDelivery.objects.get().pk)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending" and "refused" in delivery.last_error.lower()


def test_a_delivery_left_by_a_dead_worker_is_queued_again(world, endpoint, receiver, time_machine):
    services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
    WebhookDelivery.objects.update(state="sending", claimed_at=datetime.datetime.now(tz=datetime.UTC))
    time_machine.shift(datetime.timedelta(minutes=6))
    [pk] = webhooks_to_requeue()
    assert webhook_deliver(delivery_pk=pk) is True and len(receiver.requests) == 1


def test_the_sweep_sends_reminders_to_webhooks_once_per_item_and_occurrence(world, endpoint, time_machine):
    from zoneinfo import ZoneInfo

    from coordination.reminders.sweep import reminders_sweep

    services.action_item_update(
        actor=world.coordinator, item=world.item, changes={"due_date": datetime.date(2026, 6, 3)}
    )
    services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
    moment = datetime.datetime(2026, 6, 5, 9, tzinfo=ZoneInfo("Asia/Tokyo"))
    time_machine.move_to(moment)
    reminders_sweep(at=moment)
    reminders_sweep(at=moment)
    assert list(WebhookDelivery.objects.filter(event="overdue").values_list("occurrence", flat=True)) == ["2026-06-05"]


def test_a_delivery_about_an_item_its_department_no_longer_sees_is_withheld_without_connecting(world):
    """Access is checked again at send time; the URL points nowhere reachable, so any attempt would fail."""
    endpoint = WebhookEndpoint.objects.create(
        department=world.department, name="Closed dashboard", url="http://127.0.0.1:9/hook", secret="x" * 32,
        events=["assigned"], owner=world.coordinator,
    )  # fmt: skip
    services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    world.department.is_active = False
    world.department.save(update_fields=["is_active"])
    assert webhook_deliver(delivery_pk=delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.WITHHELD and delivery.attempts == 1
    assert "no longer sees" in delivery.last_error and delivery.last_status_code is None


def test_the_owner_is_told_even_when_a_stored_name_holds_line_breaks(world, endpoint, receiver, settings):
    """A name saved before line breaks were refused must not stop the disable notice (no BadHeaderError)."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(name="MOD tracker\r\nBcc: someone@example.com")
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 1
    receiver.status = 500
    services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
    with pytest.raises(WebhookFailed):
        webhook_deliver(delivery_pk=WebhookDelivery.objects.get().pk)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.coordinator.email]
    assert "\n" not in mail.outbox[0].subject and "MOD tracker Bcc:" in mail.outbox[0].subject
    assert mail.outbox[0].bcc == []
