"""The benchmark's measurements of queued work: the outbox relay's throughput into the broker, and digests sent end to
end by a real Celery worker on Redis (a delivery queued per recipient as the sweep queues it, the relay, the worker's
claim, render and send, the rows marked sent).

`outbox_measure` runs in a child process on the scratch database. `digests_measure` runs in the parent: it starts a
worker and child processes on the scratch database and its Redis database, and touches no database itself."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

from celery import current_app
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from agencies.models import Liaison
from coordination.calendar import japan_today
from coordination.models import ActionItem, OutboxMessage, Reminder
from coordination.queue import outbox_add_each, outbox_relay
from coordination.reminders.delivery import DELIVER_REMINDERS_TASK

ROOT = Path(__file__).resolve().parents[2]
WORKER_CONCURRENCY = 2
# Each recipient's digest lists this many items, one per section (overdue, due soon, no progress for a while).
DIGEST_RULES = (Reminder.Rule.OVERDUE, Reminder.Rule.DUE_SOON, Reminder.Rule.STALE)
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
MESSAGE_ID = re.compile(rb"^Message-ID: ", re.MULTILINE)


@contextlib.contextmanager
def _waiting_set_aside():
    """What was waiting in the outbox already (the sweep's deliveries) is held as if another relay had claimed it,
    then given back: the relay measured publishes the benchmark's messages only."""
    held = dict(OutboxMessage.objects.values_list("pk", "claimed_until"))
    OutboxMessage.objects.filter(pk__in=held).update(claimed_until=timezone.now() + datetime.timedelta(days=1))
    try:
        yield
    finally:
        by_value = defaultdict(list)
        for pk, claimed_until in held.items():
            by_value[claimed_until].append(pk)
        for claimed_until, pks in by_value.items():
            OutboxMessage.objects.filter(pk__in=pks).update(claimed_until=claimed_until)


def outbox_measure(count: int = 5000) -> dict:
    """Time the relay publishing `count` waiting deliveries to the broker, with no worker running; what it
    published is purged from the broker's queue afterwards, so none of it ever runs."""
    # Deliveries to recipients that cannot exist: distinct arguments (the relay publishes each distinct task once),
    # and a no-op should one ever run.
    nobody = ([-number] for number in range(1, count + 1))
    statements = 0

    def counted(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with _waiting_set_aside():
        started = time.perf_counter()
        with transaction.atomic():
            outbox_add_each(DELIVER_REMINDERS_TASK, nobody)
        add_seconds = time.perf_counter() - started
        published = calls = 0
        try:
            with connection.execute_wrapper(counted):
                started = time.perf_counter()
                while published < count and (done := outbox_relay()):
                    published += done
                    calls += 1
                seconds = time.perf_counter() - started
        finally:
            purged = current_app.control.purge()
            left, _deleted = OutboxMessage.objects.filter(task=DELIVER_REMINDERS_TASK, args__0__lt=0).delete()
    if published < count:
        raise CommandError(f"The relay published {published} of {count} messages: is the broker reachable?")
    return {
        "broker": current_app.conf.broker_url.split(":", 1)[0],  # redis, or the filesystem broker without Redis
        "messages": count,
        "seconds": round(seconds, 2),
        "per_second": round(count / seconds),
        "queries": statements,
        "queries_per_message": round(statements / count, 2),
        "relay_runs": calls,
        "outbox_insert_seconds": round(add_seconds, 2),
        "purged": purged,
        "left_in_outbox": left,
    }


# --- Digests through a real worker ------------------------------------------------------------------------------------


def digest_recipients_make(count: int, run: str) -> dict:
    """(In a child process.) `count` new alternate liaisons, spread over the agencies that lead items in work, each
    with one pending reminder per DIGEST_RULES about items their agency leads: one digest each, nothing withheld
    (a liaison sees the items their agency leads once assigned)."""
    led = defaultdict(list)
    in_work = ActionItem.objects.filter(status__in=ActionItem.ACTIVE_STATUSES, first_assigned_at__isnull=False)
    for item_id, agency_id in in_work.order_by("id").values_list("id", "lead_agency_id"):
        led[agency_id].append(item_id)
    agencies = sorted(led)
    if not agencies:
        raise CommandError("The data set has no items in work to remind anyone of.")
    today = japan_today()
    users = get_user_model().objects.bulk_create(
        get_user_model()(
            username=f"benchmark-{run}-{number:05d}",
            email=f"benchmark-{run}-{number:05d}@example.go.jp",
            password="!",  # no password: never signs in
            preferred_language="ja" if number % 2 else "en",
        )
        for number in range(count)
    )
    Liaison.objects.bulk_create(
        Liaison(
            user=user,
            agency_id=agencies[number % len(agencies)],
            role=Liaison.Role.ALTERNATE,
            start_date=today - datetime.timedelta(days=365),
        )
        for number, user in enumerate(users)
    )
    reminders = []
    for number, user in enumerate(users):
        items = led[agencies[number % len(agencies)]]
        for offset, rule in enumerate(DIGEST_RULES):
            reminders.append(
                Reminder(
                    action_item_id=items[(number * len(DIGEST_RULES) + offset) % len(items)],
                    rule=rule,
                    recipient=user,
                    occurrence=f"benchmark/{run}",
                    due_on=today,
                )
            )
    Reminder.objects.bulk_create(reminders, batch_size=2000, ignore_conflicts=True)
    purged = current_app.control.purge()  # the worker starts on an empty queue
    return {"recipients": len(users), "reminders": Reminder.objects.filter(occurrence=f"benchmark/{run}").count(),
            "purged": purged}  # fmt: skip


def digests_queue_and_wait(run: str, wait_seconds: float) -> dict:
    """(In a child process, with the worker running.) Queue one delivery per recipient as the sweep does (outbox,
    then the relay), wait until every reminder is sent; the time from queueing to the last row marked sent."""
    recipients = sorted(
        set(Reminder.objects.filter(occurrence=f"benchmark/{run}").values_list("recipient_id", flat=True))
    )
    rows = Reminder.objects.filter(recipient_id__in=recipients)
    with _waiting_set_aside():
        queued_at = timezone.now()
        started = time.perf_counter()
        with transaction.atomic():
            outbox_add_each(DELIVER_REMINDERS_TASK, ([recipient] for recipient in recipients))
        while outbox_relay():
            pass
        relay_seconds = time.perf_counter() - started
        if OutboxMessage.objects.filter(task=DELIVER_REMINDERS_TASK, claimed_until__isnull=True).exists():
            raise CommandError("The relay could not publish the deliveries: is the broker reachable?")
        deadline = time.monotonic() + wait_seconds
        while True:
            states = dict(rows.order_by().values_list("state").annotate(Count("id")))
            if not states.get(Reminder.State.PENDING) and not states.get(Reminder.State.SENDING):
                break
            if time.monotonic() > deadline:
                raise CommandError(f"Digests not all sent within {wait_seconds:.0f} s: {states}")
            time.sleep(0.2)
    if set(states) != {Reminder.State.SENT}:
        raise CommandError(f"Some reminders were not sent: {states}")
    last_sent = rows.aggregate(last=Max("sent_at"))["last"]
    return {
        "recipients": len(recipients),
        "reminders": states[Reminder.State.SENT],
        "seconds": (last_sent - queued_at).total_seconds(),
        "relay_seconds": round(relay_seconds, 2),
    }


def _in_child(env: dict, function: str, timeout: float, **arguments) -> dict:
    """Call one of this module's functions in a child process set up with `env`; what it returned."""
    script = (
        "import json, sys\nimport django\ndjango.setup()\nfrom coordination.benchmark import delivery\n"
        f"print(json.dumps(delivery.{function}(**json.loads(sys.argv[1]))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(arguments)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise CommandError(f"delivery.{function} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _worker_start(env: dict, log_path: Path) -> subprocess.Popen:
    """One Celery worker (prefork, WORKER_CONCURRENCY processes) on `env`'s broker, once it says it is ready."""
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", f"--concurrency={WORKER_CONCURRENCY}",
             "--without-gossip", "--without-mingle", "--loglevel=INFO", "-n", "benchmark@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise CommandError(f"The worker stopped at start:\n{log_path.read_text(errors='replace')[-3000:]}")
        if " ready." in log_path.read_text(errors="replace"):
            return worker
        time.sleep(0.2)
    _worker_stop(worker)
    raise CommandError(f"The worker was not ready within 60 s:\n{log_path.read_text(errors='replace')[-3000:]}")


def _worker_stop(worker: subprocess.Popen) -> None:
    """A warm shutdown (SIGTERM to the main process, which stops its pool); the whole group killed if it hangs."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def digests_measure(count: int = 1000, *, env: dict, folder: Path) -> dict:
    """`count` recipients' digests through one real worker on Redis: from queueing the deliveries until every
    reminder is marked sent; mail goes to files under `folder`, never to a mail server."""
    if not env.get("REDIS_URL"):
        return {"skipped": "needs Redis"}
    mail = folder / "digest-mail"
    mail.mkdir(parents=True, exist_ok=True)
    # environ's email URL drops one slash of an absolute path (config/settings/base.py); the backend is named too,
    # so that an EMAIL_BACKEND in the parent's environment cannot send these anywhere else.
    env = {**env, "EMAIL_URL": f"filemail:///{mail}", "EMAIL_BACKEND": EMAIL_BACKEND}
    run = uuid.uuid4().hex[:6]
    made = _in_child(env, "digest_recipients_make", 600, count=count, run=run)
    wait_seconds = max(120.0, count * 0.5)
    worker = _worker_start(env, folder / "digest-worker.log")
    try:
        delivered = _in_child(env, "digests_queue_and_wait", wait_seconds + 60, run=run, wait_seconds=wait_seconds)
    finally:
        _worker_stop(worker)
    emails = sum(len(MESSAGE_ID.findall(path.read_bytes())) for path in mail.iterdir() if path.is_file())
    seconds = delivered["seconds"]
    return {
        "digests": made["recipients"],
        "reminders": delivered["reminders"],
        "seconds": round(seconds, 2),
        "per_second": round(made["recipients"] / seconds, 1),
        "relay_seconds": delivered["relay_seconds"],
        "emails": emails,
        "worker_concurrency": WORKER_CONCURRENCY,
    }
