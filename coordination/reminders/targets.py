"""Where a webhook may be sent: public addresses, over https, and nowhere inside the tracker's own network.

A URL is checked when an endpoint is saved and again at each send, after name resolution (a name that later
points inside is caught), and the connection itself checks the address it reached before sending a byte (a name
that changes between the check and the connection is caught too). Redirects are not followed and no proxy is
used. `WEBHOOK_ALLOWED_HOSTS` names hosts (names or IP literals) allowed whatever their address, for a receiver
inside a deployment's own network and for the tests' loopback receivers; `WEBHOOK_ALLOW_HTTP` allows plain http
(development and tests only).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class TargetRefused(OSError):
    """The receiver's address is not one a webhook may reach; nothing was sent."""


def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to (the tests replace this: there is no DNS where they run)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def allowed_hosts() -> set[str]:
    return {host.strip().lower().strip("[]") for host in settings.WEBHOOK_ALLOWED_HOSTS if host.strip()}


def address_refusal(address: str) -> str | None:
    """Why an IP address is not a webhook target, or None for a public address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return _("%(address)s is not an IP address.") % {"address": address}
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    kinds = [
        (ip.is_loopback, _("loopback")),
        (ip.is_link_local, _("link-local")),
        (ip.is_multicast, _("multicast")),
        (ip.is_unspecified, _("unspecified")),
        (ip.is_reserved, _("reserved")),
        (ip.is_private, _("private")),
        (not ip.is_global, _("non-public")),
    ]
    for matches, kind in kinds:
        if matches:
            return _("%(address)s is a %(kind)s address; webhooks go to public addresses only.") % {
                "address": ip,
                "kind": kind,
            }
    return None


def url_refusal(url: str) -> str | None:
    """Why `url` is not a webhook target, or None. Resolves the host name (a failure to resolve is a refusal)."""
    parts = urlsplit(url)
    schemes = {"https", "http"} if settings.WEBHOOK_ALLOW_HTTP else {"https"}
    if parts.scheme.lower() not in schemes:
        return _("Webhook URLs must use https.")
    host = (parts.hostname or "").lower()
    if not host:
        return _("The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        return _("The URL's port is not a number from 1 to 65535.")
    if host in allowed_hosts():
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return address_refusal(host)
    if host == "localhost" or host.endswith(".localhost"):
        return _("localhost is not a webhook target.")
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        return _("%(host)s does not resolve to an address.") % {"host": host}
    if not addresses:
        return _("%(host)s does not resolve to an address.") % {"host": host}
    for address in addresses:
        refusal = address_refusal(address)
        if refusal:
            return _("%(host)s resolves to %(address)s: %(refusal)s") % {
                "host": host,
                "address": address,
                "refusal": refusal,
            }
    return None


def _check_peer(connection: http.client.HTTPConnection) -> None:
    """After connecting and before sending: the address actually reached must be allowed too."""
    if connection.host.lower().strip("[]") in allowed_hosts():
        return
    refusal = address_refusal(connection.sock.getpeername()[0])
    if refusal:
        connection.close()
        raise TargetRefused(refusal)


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def connect(self):
        super().connect()
        _check_peer(self)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self):
        # The TCP connection is checked before the TLS handshake sends anything.
        http.client.HTTPConnection.connect(self)
        _check_peer(self)
        server_hostname = self._tunnel_host or self.host
        self.sock = self._context.wrap_socket(self.sock, server_hostname=server_hostname)


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_CheckedHTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is the receiver's answer, recorded as a failure: never followed to another address


def opener() -> urllib.request.OpenerDirector:
    """An opener that uses no proxy, follows no redirect and checks every address it connects to."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _HTTPHandler, _HTTPSHandler, _NoRedirects)
