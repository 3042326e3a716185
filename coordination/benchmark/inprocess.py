"""The benchmark's measurements made inside one process on the scratch database: the reminder sweep against the raw
SQL of its due set, verify_audit, and the plans of the queries the measured requests ran."""

from __future__ import annotations

import datetime
import gc
import statistics
import time
import tracemalloc

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit.verify import audit_verify
from coordination.calendar import JAPAN, get_calendar, start_of
from coordination.models import ActionItem, Concurrence, Department, ExtensionRequest, Reminder, ReminderPolicy
from coordination.reminders.rules import Policy, cutoffs_for
from coordination.reminders.sweep import reminders_due, reminders_sweep

ITEM_COLUMNS = "i.id, i.department_id, i.lead_agency_id, i.assigned_liaison_id, i.coordinator_id, i.due_date"
ACTIVE = tuple(ActionItem.ACTIVE_STATUSES)


def _department_sql(department_id: int, policy: Policy, today: datetime.date) -> tuple[list[str], list]:
    """One SELECT per rule for one department, with the cut-off dates the rules use (written here, not taken from the
    sweep: this is what the database alone needs to find the due set)."""
    cut = cutoffs_for(policy, get_calendar(), today)
    items, extensions, answers = (
        ActionItem._meta.db_table,
        ExtensionRequest._meta.db_table,
        Concurrence._meta.db_table,
    )
    latest = max((up_to for _days, _after, up_to in cut.due_soon_windows), default=today)
    selects = [
        (f"FROM {items} i WHERE i.status = 'assigned' AND i.assigned_at < %s", [start_of(cut.unacknowledged_before)]),
        (
            f"FROM {items} i WHERE i.status = ANY(%s) AND i.due_date >= %s AND i.due_date <= %s",
            [list(ACTIVE), today, latest],
        ),
        (f"FROM {items} i WHERE i.status = ANY(%s) AND i.due_date < %s", [list(ACTIVE), today]),
        (
            f"FROM {items} i WHERE i.status = 'in_progress' "
            "AND COALESCE(i.last_progress_at, i.acknowledged_at, i.assigned_at) < %s",
            [start_of(cut.stale_before)],
        ),
        (f"FROM {items} i WHERE i.status = 'submitted' AND i.submitted_at < %s", [start_of(cut.review_before)]),
        (
            f"FROM {extensions} e JOIN {items} i ON i.id = e.action_item_id "
            "WHERE e.state = 'pending' AND e.created_at < %s",
            [start_of(cut.review_before)],
        ),
        (
            f"FROM {answers} c JOIN {items} i ON i.id = c.action_item_id WHERE c.state = 'pending' "
            "AND i.status = ANY(%s) AND i.due_date >= %s AND i.due_date <= %s",
            [[*ACTIVE, "submitted"], today, cut.concurrence_due_up_to],
        ),
    ]
    statements, parameters = [], []
    for body, values in selects:
        statements.append(f"SELECT {ITEM_COLUMNS} {body} AND i.department_id = %s")
        parameters += [*values, department_id]
    return statements, parameters


def due_set_sql(today: datetime.date) -> tuple[str, list]:
    """The raw SQL of the sweep's due set: every rule of every department with reminders on, in one UNION ALL."""
    policies = {row.department_id: row for row in ReminderPolicy.objects.all()}
    statements, parameters = [], []
    for department_id in Department.objects.filter(is_active=True).order_by("id").values_list("id", flat=True):
        row = policies.get(department_id)
        if row is not None and not row.is_active:
            continue
        more, values = _department_sql(department_id, Policy.from_model(row) if row else Policy(), today)
        statements += more
        parameters += values
    return " UNION ALL ".join(statements), parameters


def _median_seconds(call, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def _queries_and_peak(call) -> tuple[int, float]:
    """Statements run and peak Python memory (MB) of one call."""
    gc.collect()
    tracemalloc.start()
    with CaptureQueriesContext(connection) as queries:
        call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return len(queries), round(peak / 1e6, 1)


def sweep_measure(today: datetime.date, *, repeat: int = 5) -> dict:
    """The sweep's selector against the raw SQL of its due set, then a real sweep (which records) and a second one at
    the same moment (nothing new): time, statements and peak memory."""
    at = datetime.datetime.combine(today, datetime.time(9, 0), tzinfo=JAPAN)
    sql, parameters = due_set_sql(today)

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return cursor.fetchall()

    raw_rows = len(raw())
    due = len(reminders_due(at=at))
    raw_seconds = _median_seconds(raw, repeat)
    due_seconds = _median_seconds(lambda: reminders_due(at=at), repeat)
    due_queries, due_peak = _queries_and_peak(lambda: reminders_due(at=at))
    ledger_before = Reminder.objects.count()
    started = time.perf_counter()
    recorded = len(reminders_sweep(at=at))
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = len(reminders_sweep(at=at))
    second_seconds = time.perf_counter() - started
    second_queries, second_peak = _queries_and_peak(lambda: reminders_sweep(at=at))
    return {
        "at": at.isoformat(),
        "raw_sql_due_rows": raw_rows,
        "raw_sql_ms": round(raw_seconds * 1000, 1),
        "due_reminders": due,
        "reminders_due_ms": round(due_seconds * 1000, 1),
        "ratio_to_raw_sql": round(due_seconds / raw_seconds, 2),
        "reminders_due_queries": due_queries,
        "reminders_due_peak_mb": due_peak,
        "ledger_rows_before": ledger_before,
        "sweep_recorded": recorded,
        "sweep_ms": round(first_seconds * 1000, 1),
        "second_sweep_recorded": again,
        "second_sweep_ms": round(second_seconds * 1000, 1),
        "second_sweep_queries": second_queries,
        "second_sweep_peak_mb": second_peak,
    }


def verify_measure() -> dict:
    report = audit_verify()
    return {
        "rows": report.rows,
        "seconds": round(report.seconds, 1),
        "rows_per_second": round(report.rows / report.seconds),
        "ok": report.ok,
    }


def plans(paths: list[dict]) -> list[dict]:
    """For each path (name, url, token or username), its request run here once and the plan of its slowest query."""
    found = []
    for path in paths:
        client = Client(HTTP_HOST="127.0.0.1")
        headers = {}
        if path.get("token"):
            headers["HTTP_AUTHORIZATION"] = f"Token {path['token']}"
        else:
            client.force_login(get_user_model().objects.get(username=path["username"]))
        client.get(path["url"], **headers)  # warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path["url"], **headers)
        slowest = max(queries.captured_queries, key=lambda query: float(query["time"]))
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {slowest['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        found.append(
            {
                "name": path["name"],
                "status": response.status_code,
                "queries": len(queries),
                "sql": slowest["sql"],
                "ms": round(float(slowest["time"]) * 1000, 1),
                "plan": plan,
            }
        )
    return found
