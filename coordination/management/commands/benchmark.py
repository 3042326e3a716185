"""`manage.py benchmark`: the tracker's speed at government scale, against the database's own, on PostgreSQL.

For each size it makes a scratch database beside DATABASE_URL (the configured database is never touched), fills it
(coordination.benchmark.dataset), starts gunicorn with two sync workers on it (config/settings/benchmark.py), and
measures the API, the admin, the reminder sweep and verify_audit; then drops it. The figures go to a JSON file and
a Markdown report with a plot of latency against table size (`make bench`: BENCHMARKS.md; `make bench-quick`:
docs/benchmarks/quick.md)."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from coordination.benchmark import delivery, inprocess
from coordination.benchmark.children import manage_py
from coordination.benchmark.dataset import dataset_fill
from coordination.benchmark.load import Client, latencies, ratio_range, throughput_pair, throughput_turns
from coordination.benchmark.reference import machine_reference
from coordination.benchmark.report import FULL_ROUNDS, FULL_THROUGHPUT_SECONDS, report_write
from coordination.calendar import BusinessCalendar, japan_today
from coordination.management.commands.seed_demo import parse_day
from coordination.models import ActionItem
from coordination.scratch_database import is_postgres, scratch_database
from users.backends import DEMO_PASSWORD
from users.services import api_token_issue

COORDINATOR, LIAISON, LIAISON_AGENCY = "coordinator", "mod-liaison", "MOD"
BENCHMARK_REDIS_DB = 14  # the scratch run's queue and cache, apart from a developer's own


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Command(BaseCommand):
    help = (
        "Measure the API, the admin, the reminder sweep and verify_audit at each --sizes on scratch PostgreSQL "
        "databases beside DATABASE_URL (never the configured one), and write the figures and the report."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="10000,100000", help="Item counts, comma-separated.")
        parser.add_argument("--rounds", type=int, default=FULL_ROUNDS, help="Timed requests per path (after warming).")
        parser.add_argument("--throughput-seconds", type=float, default=FULL_THROUGHPUT_SECONDS)
        parser.add_argument("--walks", type=int, default=5, help="Times the demo's stories are walked (54 items each).")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "BENCHMARKS.md"))
        parser.add_argument("--today", help="The data set's day (YYYY-MM-DD); the latest business day by default.")
        for hidden in ("--fill", "--setup", "--sweep", "--verify", "--explain", "--outbox"):
            parser.add_argument(hidden, help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if options["fill"]:
            return self._emit(
                dataset_fill(items=int(options["fill"]), today=self._today(options), rounds=options["walks"])
            )
        if options["setup"]:
            return self._emit(self._setup(self._today(options)))
        if options["sweep"]:
            return self._emit(inprocess.sweep_measure(self._today(options)))
        if options["verify"]:
            return self._emit(inprocess.verify_measure())
        if options["explain"]:
            return self._emit(inprocess.plans(json.loads(Path(options["explain"]).read_text())))
        if options["outbox"]:
            return self._emit(delivery.outbox_measure(int(options["outbox"])))
        self._run(options)

    def _emit(self, figures: dict | list) -> None:
        self.stdout.write(json.dumps(figures, default=str))

    def _today(self, options) -> datetime.date:
        if options.get("today"):
            return parse_day(options["today"])
        # The national calendar only: the parent runs before the scratch database (and its closure days) exists.
        calendar, day = BusinessCalendar(()), japan_today()
        while not calendar.is_business_day(day):
            day -= datetime.timedelta(days=1)
        return day

    # --- In the scratch database -----------------------------------------------------------------------------------

    def _setup(self, today: datetime.date) -> dict:
        """Tokens for a coordinator and a primary liaison, and the items the write paths use."""
        users = get_user_model().objects
        tokens = {}
        for username in (COORDINATOR, LIAISON):
            _token, key = api_token_issue(
                actor=None, user=users.get(username=username), name="benchmark", expires_days=1, read_only=False,
                issued_from="manage.py benchmark",
            )  # fmt: skip
            tokens[username] = key
        led = ActionItem.objects.filter(
            lead_agency__code=LIAISON_AGENCY,
            department__code="NSS-SC",
            status__in=[ActionItem.Status.ACKNOWLEDGED, ActionItem.Status.IN_PROGRESS],
        ).order_by("-id")
        writable = list(led.values_list("id", flat=True)[:40])
        if len(writable) < 4:
            raise CommandError("The data set has too few items in progress to measure writes.")
        detail = ActionItem.objects.filter(department__code="NSS-SC").order_by("-id").values_list("id", flat=True)[0]
        return {"tokens": tokens, "writable": writable, "detail": detail, "today": today.isoformat()}

    # --- The parent ------------------------------------------------------------------------------------------------

    def _run(self, options) -> None:
        try:
            sizes = sorted({int(size) for size in options["sizes"].split(",") if size.strip()})
        except ValueError:
            raise CommandError("--sizes takes item counts, e.g. 10000,100000.") from None
        if not sizes or sizes[0] < 300:
            raise CommandError("Each size is at least 300 items.")
        if options["rounds"] < 1 or options["throughput_seconds"] <= 0:
            raise CommandError("--rounds and --throughput-seconds must be positive.")
        today = self._today(options)
        current = os.environ.get("DATABASE_URL", "")
        if connection.vendor != "postgresql" or not is_postgres(current):
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL to the server it may use.")
        output = Path(options["output"])
        reference_start = machine_reference()
        runs = []
        for items in sizes:
            self.stdout.write(f"--- {items} items (data set built around {today}) ---")
            runs.append(self._measure_size(items, today, options))
        document = {
            "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": {**_machine(), "reference": {"start": reference_start, "end": machine_reference()}},
            "options": {key: options[key] for key in ("sizes", "rounds", "throughput_seconds", "walks")},
            "runs": runs,
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        output.with_suffix(".json").write_text(json.dumps(document, indent=2, default=str) + "\n")
        report_write(document, output)
        self.stdout.write(f"Written: {output} and {output.with_suffix('.json')}")

    def _measure_size(self, items: int, today: datetime.date, options) -> dict:
        folder = Path(tempfile.mkdtemp(prefix="tracker-benchmark-"))
        url, drop = scratch_database(os.environ["DATABASE_URL"], f"tracker_benchmark_{uuid.uuid4().hex[:8]}", folder)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings.benchmark",
            "CELERY_BROKER_DIR": str(folder / "broker"),
            "LOG_FORMAT": "plain",
        }
        if os.environ.get("REDIS_URL"):
            env["REDIS_URL"] = urlunparse(urlparse(os.environ["REDIS_URL"])._replace(path=f"/{BENCHMARK_REDIS_DB}"))
        day = ["--today", today.isoformat()]
        web = None
        try:
            self._child(env, "migrate", "--noinput", "-v0")
            started = time.monotonic()
            walks = ["--walks", str(options["walks"])]
            filled = json.loads(self._child(env, "benchmark", "--fill", str(items), *walks, *day))
            self.stdout.write(f"filled in {time.monotonic() - started:.0f} s: {filled}")
            setup = json.loads(self._child(env, "benchmark", "--setup", "1", *day))
            port = free_port()
            web = self._web(env, port, folder)
            api = self._measure_api(port, setup, options)
            admin = self._measure_admin(port, setup, options)
            memory = _peak_memory_mb(web.pid)
            self._stop(web)
            web = None
            sweep = json.loads(self._child(env, "benchmark", "--sweep", "1", *day))
            self.stdout.write(f"sweep: {sweep}")
            verify = json.loads(self._child(env, "benchmark", "--verify", "1"))
            self.stdout.write(f"verify_audit: {verify}")
            plans_file = folder / "plans.json"
            plans_file.write_text(json.dumps(_plan_paths(setup)))
            plans = json.loads(self._child(env, "benchmark", "--explain", str(plans_file)))
            # Last: the digests add a thousand liaisons to the data set.
            outbox = json.loads(self._child(env, "benchmark", "--outbox", "5000"))
            self.stdout.write(f"outbox relay: {outbox}")
            digests = delivery.digests_measure(1000, env=env, folder=folder)
            self.stdout.write(f"digests through a worker: {digests}")
        finally:
            if web is not None:
                self._stop(web)
            drop()
        return {
            "items": items,
            "data_set": filled,
            "api": api,
            "admin": admin,
            "web_peak_memory_mb": memory,
            "sweep": sweep,
            "verify_audit": verify,
            "plans": plans,
            "outbox_relay": outbox,
            "digests": digests,
        }

    def _measure_api(self, port: int, setup: dict, options) -> list[dict]:
        rounds, seconds = options["rounds"], options["throughput_seconds"]
        results = []
        for role in (COORDINATOR, LIAISON):
            client = Client(port, token=setup["tokens"][role])
            for name, query in LIST_QUERIES:
                path = f"/api/v1/action-items/{query}"
                baseline = f"/api/v1/benchmark-baseline/{query}"
                timed, base = latencies(
                    [lambda c=client, p=path: c.request("GET", p), lambda c=client, p=baseline: c.request("GET", p)],
                    rounds=rounds,
                )
                row = {"path": f"list {name}", "role": role, **timed.summary(), "baseline": base.summary()}
                row["rows"] = _page_rows(client.request("GET", path)[3])
                row["throughput"], row["baseline_throughput"] = throughput_pair(
                    lambda c=client, p=path: c.request("GET", p),
                    lambda c=client, p=baseline: c.request("GET", p),
                    connections=4,
                    seconds=seconds,
                    turns=throughput_turns(seconds),
                )
                row["throughput_ratio"] = round(
                    row["throughput"]["per_second"] / row["baseline_throughput"]["per_second"], 2
                )
                row["throughput_ratio_range"] = ratio_range(row["throughput"], row["baseline_throughput"])
                results.append(row)
                self.stdout.write(_line(row))
        results += self._measure_writes(port, setup, rounds)
        return results

    def _measure_writes(self, port: int, setup: dict, rounds: int) -> list[dict]:
        coordinator = Client(port, token=setup["tokens"][COORDINATOR])
        liaison = Client(port, token=setup["tokens"][LIAISON])
        json_body = {"Content-Type": "application/json"}
        detail = f"/api/v1/action-items/{setup['detail']}/"
        writable = setup["writable"]
        state = {"turn": 0}

        def transition():
            item = writable[state["turn"] % len(writable)]
            name = "block" if (state["turn"] // len(writable)) % 2 == 0 else "unblock"
            state["turn"] += 1
            body = json.dumps({"reason": "Benchmark: waiting on another office."}).encode()
            return liaison.request("POST", f"/api/v1/action-items/{item}/{name}/", body, json_body)

        def patch():
            # Each item's priority flips on every round through the items, so every PATCH changes it.
            state["turn"] += 1
            item = writable[state["turn"] % len(writable)]
            body = json.dumps({"priority": "high" if (state["turn"] // len(writable)) % 2 else "normal"}).encode()
            return coordinator.request("PATCH", f"/api/v1/action-items/{item}/", body, json_body)

        results = []
        for name, call in (
            ("detail", lambda: coordinator.request("GET", detail)),
            ("transition (block/unblock)", transition),
            ("PATCH", patch),
        ):
            (timing,) = latencies([call], rounds=rounds)
            row = {"path": name, "role": LIAISON if name.startswith("transition") else COORDINATOR, **timing.summary()}
            results.append(row)
            self.stdout.write(_line(row))
        return results

    def _measure_admin(self, port: int, setup: dict, options) -> list[dict]:
        client = Client(port)
        client.sign_in(COORDINATOR, DEMO_PASSWORD)
        results = []
        for name, path in _admin_paths(setup):
            (timing,) = latencies([lambda p=path: client.request("GET", p)], rounds=max(options["rounds"] // 3, 10))
            row = {"path": name, "role": COORDINATOR, **timing.summary()}
            results.append(row)
            self.stdout.write(_line(row))
        return results

    # --- Processes -------------------------------------------------------------------------------------------------

    def _child(self, env, *arguments) -> str:
        return manage_py(env, *arguments)

    def _web(self, env, port: int, folder: Path) -> subprocess.Popen:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        log = (folder / "web.log").open("w")
        web = subprocess.Popen(
            [str(gunicorn), "-c", "config/gunicorn.py", "config.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--access-logfile", "/dev/null"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if web.poll() is not None:
                raise CommandError(f"gunicorn stopped at start:\n{(folder / 'web.log').read_text()[-3000:]}")
            try:
                if Client(port).request("GET", "/health/")[0] in (200, 503):
                    return web
            except OSError:
                time.sleep(0.3)
        self._stop(web)
        raise CommandError("gunicorn did not answer within 60 s.")

    def _stop(self, web: subprocess.Popen) -> None:
        os.killpg(web.pid, signal.SIGTERM)
        try:
            web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(web.pid, signal.SIGKILL)
            web.wait()


LIST_QUERIES = [
    ("default", ""),
    ("ordering=due_date", "?ordering=due_date"),
    ("overdue=true", "?overdue=true"),
    # Searches a reader of this tracker types, from rare to common (share of the data set's items that hold them):
    # two-character terms go through the two-character index, longer ones through the trigram index; every match is
    # ranked, so the more an item set holds a term, the more rows the search weighs.
    ("search 調整", "?search=%E8%AA%BF%E6%95%B4"),  # "coordination": only the other department's items (0.4%)
    ("search ウクライナ", "?search=%E3%82%A6%E3%82%AF%E3%83%A9%E3%82%A4%E3%83%8A"),  # "Ukraine" (10%)
    ("search 輸出", "?search=%E8%BC%B8%E5%87%BA"),  # "export" (20%)
    ("search 防衛", "?search=%E9%98%B2%E8%A1%9B"),  # "defence" (half the items)
]


def _admin_paths(setup: dict) -> list[tuple[str, str]]:
    return [
        ("admin changelist", "/admin/coordination/actionitem/"),
        ("admin change form", f"/admin/coordination/actionitem/{setup['detail']}/change/"),
        ("admin dashboard", "/admin/"),
        ("admin review queue", "/admin/review/"),
    ]


def _plan_paths(setup: dict) -> list[dict]:
    paths = [
        {"name": f"list {name} ({role})", "url": f"/api/v1/action-items/{query}", "token": setup["tokens"][role]}
        for role in (COORDINATOR, LIAISON)
        for name, query in LIST_QUERIES
    ]
    paths += [{"name": name, "url": url, "username": COORDINATOR} for name, url in _admin_paths(setup)]
    return paths


def _page_rows(body: bytes) -> int | None:
    """How many items a list page shows (a search that finds nothing measures little but the finding)."""
    try:
        return len(json.loads(body)["results"])
    except (ValueError, KeyError, TypeError):
        return None


def _line(row: dict) -> str:
    base = row.get("baseline")
    extra = f"  baseline {base['median_ms']} ms, throughput x{row['throughput_ratio']}" if base else ""
    return (
        f"  {row['path']:<28} {row['role']:<12} median {row['median_ms']:>7} ms  p95 {row['p95_ms']:>7} ms  "
        f"{row['queries']:>3} queries  {row['statuses']}{extra}"
        + (f"\n    refused: {row['refusal']}" if "refusal" in row else "")
    )


def _peak_memory_mb(master: int) -> dict:
    """Peak resident memory (VmHWM) of gunicorn's master and workers."""
    peaks = {}
    for pid in [master, *_children(master)]:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[pid] = round(int(line.split()[1]) / 1024, 1)
    return {"master": peaks.get(master), "workers": [value for pid, value in peaks.items() if pid != master]}


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
        "gunicorn_workers": 2,
    }
