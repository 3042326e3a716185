"""Per-token throttling: 429 with Retry-After; a cache server that is down never makes a request fail."""

from __future__ import annotations

import copy
import socket
import uuid

import pytest

from coordination.api.throttling import PerTokenThrottle

ITEMS = "/api/v1/action-items/"


@pytest.fixture(autouse=True)
def own_counters(settings):
    """Counters under a key prefix of this test's own: whatever else shares the cache server (another worker of a
    parallel run, another suite) can neither add to them nor empty them. They expire with their window."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"throttling-test-{uuid.uuid4().hex}"
    settings.CACHES = caches
    PerTokenThrottle._paused_until = 0.0  # no pause left by a test before, none left for a test after
    yield
    PerTokenThrottle._paused_until = 0.0


def test_each_token_has_its_own_budget(api, world, token_for, settings):
    settings.API_THROTTLE_RATE = "3/min"
    client = api("coordinator")
    assert [client.get(ITEMS).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(ITEMS)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"] == "application/problem+json"
    assert api("director").get(ITEMS).status_code == 200  # another token, another budget


def test_requests_pass_when_the_cache_server_cannot_be_reached(api, world, settings, caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.API_THROTTLE_RATE = "1/min"
    client = api("coordinator")
    assert [client.get(ITEMS).status_code for _ in range(3)] == [200, 200, 200]
    # Asked once: the process then leaves the cache alone for a while (a frozen one would slow every request).
    assert caplog.text.count("Throttling skipped for 10 s: the cache cannot be reached") == 1
    PerTokenThrottle._paused_until = 0.0  # the pause over
    assert client.get(ITEMS).status_code == 200
    assert caplog.text.count("Throttling skipped for 10 s: the cache cannot be reached") == 2
