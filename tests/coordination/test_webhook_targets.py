"""Webhooks never reach inside: refused at save and at send, after name resolution and at the connection itself.

Name resolution is stubbed (there is no DNS here). No test sends traffic anywhere but to a receiver it started on
127.0.0.1; refusals of other addresses are checked with every outgoing connection made to fail the test.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from coordination import services
from coordination.models import WebhookDelivery, WebhookEndpoint
from coordination.reminders import targets
from coordination.reminders.webhooks import webhook_deliver

PUBLIC = "93.184.216.34"

REFUSED_ADDRESSES = {
    "loopback": ["127.0.0.2", "::1"],
    "private": ["10.0.0.5", "172.16.3.4", "192.168.1.1", "fc00::1"],
    "link-local": ["169.254.169.254", "fe80::1"],
    "multicast": ["224.0.0.1", "ff02::1"],
    "reserved": ["240.0.0.1"],
    "unspecified": ["0.0.0.0", "::"],
    "non-public": ["100.64.0.1"],
}


@pytest.fixture
def no_outside_traffic(monkeypatch):
    """Any connection to an address other than 127.0.0.1 fails the test before a packet leaves."""
    real_connect = socket.socket.connect

    def connect(sock, address):
        assert address[0] == "127.0.0.1", f"tried to connect to {address}"
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.mark.parametrize(
    ("kind", "address"), [(kind, address) for kind, addresses in REFUSED_ADDRESSES.items() for address in addresses]
)
def test_every_inside_address_family_is_refused_as_a_literal_and_behind_a_name(
    kind, address, dns, no_outside_traffic, settings
):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    literal = f"[{address}]" if ":" in address else address
    refusal = targets.url_refusal(f"https://{literal}:8443/hook")
    assert refusal and f"{kind} address" in refusal
    dns["hooks.example.go.jp"] = [PUBLIC, address]  # one inside address among public ones is enough to refuse
    refusal = targets.url_refusal("https://hooks.example.go.jp/hook")
    assert refusal and address in refusal and f"{kind} address" in refusal


def test_an_ipv4_address_mapped_into_ipv6_is_judged_as_ipv4(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    assert "private address" in targets.url_refusal("https://[::ffff:10.0.0.1]/hook")


def test_schemes_localhost_and_the_allowed_hosts(dns, settings, no_outside_traffic):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    settings.WEBHOOK_ALLOW_HTTP = False
    dns["hooks.example.go.jp"] = [PUBLIC]
    assert targets.url_refusal("https://hooks.example.go.jp/hook") is None
    assert targets.url_refusal("http://hooks.example.go.jp/hook") == "Webhook URLs must use https."
    assert targets.url_refusal("ftp://hooks.example.go.jp/hook") == "Webhook URLs must use https."
    assert "localhost" in targets.url_refusal("https://localhost/hook")
    assert "localhost" in targets.url_refusal("https://api.localhost/hook")
    assert "does not resolve" in targets.url_refusal("https://nowhere.invalid/hook")
    assert "port" in targets.url_refusal("https://hooks.example.go.jp:99999/hook")
    settings.WEBHOOK_ALLOWED_HOSTS = ["localhost", "10.1.2.3"]
    assert targets.url_refusal("https://localhost/hook") is None
    assert targets.url_refusal("https://10.1.2.3/hook") is None
    settings.WEBHOOK_ALLOW_HTTP = True
    assert targets.url_refusal("http://hooks.example.go.jp/hook") is None


def test_the_admin_refuses_an_inside_url_and_saves_nothing(client, world, settings, dns, no_outside_traffic):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    world.coordinator.is_staff = True
    world.coordinator.save(update_fields=["is_staff"])
    client.force_login(world.coordinator)
    form = {
        "department": world.department.pk,
        "name": "Probe",
        "events": ["assigned"],
        "owner": world.coordinator.pk,
        "is_active": "on",
    }
    for url in ("http://127.0.0.1:5432/", "https://169.254.169.254/latest/meta-data/", "https://10.0.0.1/"):
        response = client.post("/admin/coordination/webhookendpoint/add/", {**form, "url": url})
        assert response.status_code == 200
        assert "public addresses only" in str(response.context["adminform"].form.errors["url"])
    assert not WebhookEndpoint.objects.exists()


def endpoint_for(world, url: str) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        department=world.department, name="Sync", url=url, secret="x" * 43, events=["assigned"], owner=world.coordinator
    )


def test_a_name_that_later_points_inside_is_refused_at_send_without_a_connection(
    world, settings, dns, no_outside_traffic
):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    dns["hooks.example.go.jp"] = [PUBLIC]
    endpoint = endpoint_for(world, "https://hooks.example.go.jp/hook")
    dns["hooks.example.go.jp"] = ["10.20.30.40"]  # the name now points inside
    services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert webhook_deliver(delivery_pk=delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.FAILED and "10.20.30.40" in delivery.last_error
    assert delivery.last_status_code is None


class Receiver:
    """A loopback receiver that records what reaches it and answers with `status` (and `location`)."""

    def __init__(self, status=200, location=""):
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.requests.append(self.path)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_the_connection_itself_refuses_an_address_the_check_did_not_see(world, settings, dns, monkeypatch):
    """The check resolves the name to a public address; the connection reaches loopback (a name that changed in
    between): the connection is closed before a byte is sent, and the receiver gets nothing."""
    receiver = Receiver()
    try:
        settings.WEBHOOK_ALLOWED_HOSTS = []
        dns["rebinding.example.go.jp"] = [PUBLIC]
        real_getaddrinfo = socket.getaddrinfo

        def getaddrinfo(host, *args, **kwargs):
            return real_getaddrinfo("127.0.0.1" if host == "rebinding.example.go.jp" else host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        endpoint = endpoint_for(world, f"http://rebinding.example.go.jp:{receiver.port}/hook")
        services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        with pytest.raises(Exception, match="loopback"):
            webhook_deliver(delivery_pk=delivery.pk)
        assert receiver.requests == []
        delivery.refresh_from_db()
        assert "loopback address" in delivery.last_error
    finally:
        receiver.close()


def test_a_redirect_is_not_followed(world, settings):
    target = Receiver()
    redirecting = Receiver(status=307, location=f"http://127.0.0.1:{target.port}/inside")
    try:
        endpoint = endpoint_for(world, f"http://127.0.0.1:{redirecting.port}/hook")
        services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        with pytest.raises(Exception, match="307"):
            webhook_deliver(delivery_pk=delivery.pk)
        assert redirecting.requests == ["/hook"] and target.requests == []
    finally:
        target.close()
        redirecting.close()
