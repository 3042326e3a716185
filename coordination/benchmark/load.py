"""Requests against the benchmark's web processes: latency one at a time (each path interleaved with its baseline),
throughput with several connections, and the admin's session sign-in. Only to a loopback server the benchmark
started itself."""

from __future__ import annotations

import http.client
import math
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

LOOPBACK = ("127.0.0.1", "::1")


@dataclass
class Client:
    """One caller: a token or a signed-in session, on a loopback port."""

    port: int
    host: str = "127.0.0.1"
    token: str = ""
    cookies: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.host not in LOOPBACK:
            raise ValueError(f"The benchmark talks only to a loopback server it started, not {self.host}.")

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"Accept": "application/json" if self.token else "text/html", "Host": "127.0.0.1"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {**headers, **(extra or {})}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, seconds, queries, body, response headers)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=self.headers(headers))
            response = connection.getresponse()
            content = response.read()
            seconds = time.perf_counter() - started
        finally:
            connection.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(value)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        return response.status, seconds, int(response.headers.get("X-Queries", "-1")), content, response.headers

    def sign_in(self, username: str, password: str) -> None:
        """A session through the admin's sign-in form, as a person signs in."""
        self.request("GET", "/admin/login/")
        token = self.cookies["csrftoken"]
        body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}).encode()
        status, _seconds, _queries, _content, headers = self.request(
            "POST",
            "/admin/login/?next=/admin/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}/admin/login/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} could not sign in to the admin (answer {status}).")

    def form_token(self, path: str) -> str:
        """The CSRF token of the form at `path`."""
        status, _seconds, _queries, content, _headers = self.request("GET", path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if status != 200 or not match:
            raise RuntimeError(f"No form at {path} (answer {status}).")
        return match.group(1).decode()


@dataclass
class Timing:
    """One path's figures."""

    seconds: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)
    sizes: list[int] = field(default_factory=list)
    refusal: str = ""

    def add(self, status: int, seconds: float, queries: int, size: int, body: bytes = b"") -> None:
        if status >= 400:
            self.refusal = body[:500].decode(errors="replace")
        self.statuses.add(status)
        self.seconds.append(seconds)
        self.queries.append(queries)
        self.sizes.append(size)

    def summary(self) -> dict:
        ordered = sorted(self.seconds)
        p95 = ordered[min(len(ordered) - 1, max(0, math.ceil(0.95 * len(ordered)) - 1))]
        return {
            "median_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1),
            "queries": max(self.queries),
            "statuses": sorted(self.statuses),
            "bytes": round(statistics.median(self.sizes)),
            "requests": len(ordered),
            **({"refusal": self.refusal} if self.refusal else {}),
        }


def latencies(requests: list, *, rounds: int, warm: int = 3) -> list[Timing]:
    """Each of `requests` (callables answering (status, seconds, queries, body, headers)) once per round, in turn,
    so a path and its baseline see the same moment's machine; the first `warm` rounds are not counted."""
    timings = [Timing() for _ in requests]
    for round_number in range(warm + rounds):
        for timing, call in zip(timings, requests, strict=True):
            status, seconds, queries, body, _headers = call()
            if round_number >= warm:
                timing.add(status, seconds, queries, len(body), body)
    return timings


def _window(call, *, connections: int, seconds: float) -> tuple[int, float, int]:
    """(requests, elapsed seconds, failures) with `connections` callers asking back to back for `seconds`."""
    done, failures = [0] * connections, [0] * connections
    stop = time.perf_counter() + seconds

    def caller(index: int) -> None:
        while time.perf_counter() < stop:
            status = call()[0]
            done[index] += 1
            failures[index] += status >= 400

    started = time.perf_counter()
    threads = [threading.Thread(target=caller, args=(index,)) for index in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done), time.perf_counter() - started, sum(failures)


WINDOW_SECONDS = 2.0  # a throughput window's length, where the time allows four windows a side or more


def throughput_turns(seconds: float) -> int:
    """How many windows a side `seconds` of throughput are measured in: windows of `WINDOW_SECONDS`, four at least (a
    short run makes them shorter), an even number."""
    return max(4, 2 * int(seconds / WINDOW_SECONDS / 2))


def throughput_pair(call, baseline, *, connections: int, seconds: float, turns: int = 4) -> tuple[dict, dict]:
    """Requests per second of `call` and of `baseline`, each for `seconds` in all, measured in `turns` windows per
    side taken in the order call, baseline, baseline, call, ...: a machine whose speed drifts during the measurement
    weighs on both alike, where one window each would charge the drift to whichever came second. Each side also
    gives its windows' rates, in order: a call window and the baseline window beside it make a pair (`ratio_range`)."""
    if turns < 2 or turns % 2:
        raise ValueError("turns is an even number of windows per side.")
    totals = {"call": [0, 0.0, 0], "baseline": [0, 0.0, 0]}
    rates: dict[str, list[float]] = {"call": [], "baseline": []}
    for side in ["call", "baseline", "baseline", "call"] * (turns // 2):
        measured = _window(call if side == "call" else baseline, connections=connections, seconds=seconds / turns)
        totals[side] = [total + part for total, part in zip(totals[side], measured, strict=True)]
        rates[side].append(round(measured[0] / measured[1], 1) if measured[1] else 0.0)
    return tuple(
        {"per_second": round(requests / elapsed, 1), "failures": failures, "windows": rates[side]}
        for side, (requests, elapsed, failures) in (("call", totals["call"]), ("baseline", totals["baseline"]))
    )


def ratio_range(call: dict, baseline: dict) -> list[float] | None:
    """The lowest and highest ratio of a call window's rate to the baseline window's beside it (None for figures
    without windows): how far the machine's moments move one window's ratio."""
    pairs = [
        made / base for made, base in zip(call.get("windows", []), baseline.get("windows", []), strict=True) if base
    ]
    return [round(min(pairs), 2), round(max(pairs), 2)] if pairs else None
