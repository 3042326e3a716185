"""The benchmark's data set: a live tracker's year at any size, on PostgreSQL.

A few hundred items are walked through the real services (the demo's items, then the same stories again under new
keys); those are the templates. The rest are copies of them made by the database itself (INSERT ... SELECT, one
statement per table), each copy moved back in time by whole weeks: recent copies of every template, so the open
items have due dates around today like a live tracker's, and older copies, over a year, of the finished ones only,
so most of the table is closed work. Every history row of a copy is sealed in chain order as the application seals
it (audit.sealing.seal_rows), so the whole data set verifies."""

from __future__ import annotations

import datetime
import math
import time
from dataclasses import dataclass

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max

from agencies.models import Agency
from audit.sealing import seal_rows
from coordination import demo_content
from coordination.demo import (
    SeedReport,
    seed_demo,
    seed_initiatives_and_meetings,
    seed_item,
    seed_organisations,
    seed_people,
)
from coordination.models import (
    ActionItem,
    Concurrence,
    Department,
    ExtensionRequest,
    Initiative,
    ProgressUpdate,
    Reminder,
)
from coordination.queue import queueing_suspended

FINISHED = tuple(ActionItem.FINISHED_STATUSES)
# Tables copied with their items, in an order that keeps foreign keys satisfied (dependencies after items).
LIVE_MODELS = (ActionItem, ActionItem.dependencies.through, Concurrence, ProgressUpdate, ExtensionRequest, Reminder)
HISTORY_MODELS = (
    ActionItem.history.model,
    Concurrence.history.model,
    ProgressUpdate.history.model,
    ExtensionRequest.history.model,
)
RECENT_WEEKS = 5  # copies of every template are moved back by 0..4 weeks
YEAR_WEEKS = 53  # copies of the finished ones by 0..52 weeks
OPEN_SHARE = 0.2  # of the items, from copies of every template (the rest are finished work)
INITIATIVES = 50


@dataclass(frozen=True)
class Copy:
    """One copy of the templates: its number (ids move by number x stride), how many days back, and whether it
    holds every template or the finished ones only."""

    number: int
    days_back: int
    everything: bool


def _history_m2m_models() -> list:
    """The many-to-many history tables of the copied models (the items' dependencies)."""
    return [
        model
        for model in apps.get_models()
        if model._meta.db_table == f"{ActionItem.history.model._meta.db_table}_dependencies"
    ]


def copies_plan(items: int, *, templates: int, finished_templates: int) -> list[Copy]:
    """The copies that bring the table to about `items` items."""
    wanted = max(items - templates, 0)
    everything = min(round(items * OPEN_SHARE / templates), math.ceil(wanted / templates))
    everything = max(everything - 1, 0)  # the templates themselves are the first
    rest = max(wanted - everything * templates, 0)
    finished = math.ceil(rest / finished_templates) if finished_templates else 0
    plan = [Copy(n + 1, 7 * ((n + 1) % RECENT_WEEKS), True) for n in range(everything)]
    plan += [Copy(everything + n + 1, 7 * ((n + 1) % YEAR_WEEKS), False) for n in range(finished)]
    return plan


# --- The templates, through the services ----------------------------------------------------------------------------


def templates_walk(*, today: datetime.date, rounds: int) -> int:
    """The demo, then its stories `rounds - 1` more times under new keys: every item walked through the services."""
    seed_demo(today=today)
    report = SeedReport()
    agencies = seed_organisations(report)
    people = seed_people(agencies, report, today=today)
    initiatives, meetings = seed_initiatives_and_meetings(report, today=today)
    with queueing_suspended():
        for round_number in range(1, rounds):
            items: dict[str, ActionItem] = {}
            for spec in demo_content.ACTION_ITEMS:
                renamed = {
                    **spec,
                    "key": f"{spec['key']}-{round_number}",
                    "depends_on": [f"{key}-{round_number}" for key in spec["depends_on"]],
                    "parent": f"{spec['parent']}-{round_number}" if spec["parent"] else None,
                    "due_in": spec["due_in"] + round_number,
                }
                items[spec["key"] + f"-{round_number}"] = seed_item(
                    renamed,
                    people=people,
                    agencies=agencies,
                    initiatives=initiatives,
                    meetings=meetings,
                    items=items,
                    report=report,
                    today=today,
                )
    return ActionItem.objects.count()


def initiatives_fill(count: int) -> dict[int, list[int]]:
    """Initiatives up to `count`, spread over the departments; their ids by department."""
    departments = list(Department.objects.order_by("id"))
    existing = Initiative.objects.count()
    Initiative.objects.bulk_create(
        [
            Initiative(
                code=f"BENCH-{number:03d}",
                department=departments[number % len(departments)],
                title_en=f"Standing coordination line {number}",
                title_ja=f"継続調整事項 {number}",
            )
            for number in range(existing, count)
        ]
    )
    by_department: dict[int, list[int]] = {}
    for initiative_id, department_id in Initiative.objects.order_by("id").values_list("id", "department_id"):
        by_department.setdefault(department_id, []).append(initiative_id)
    return by_department


# --- Copies, by the database ----------------------------------------------------------------------------------------


def _item_finished(column: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM {ActionItem._meta.db_table} f WHERE f.id = t.{column} AND f.status = ANY(%(finished)s))"
    )


def _column_expression(model, field, *, copied: set, initiatives: dict[int, list[int]]) -> str:
    """How a copy's value of `field` is made from the template row `t` and the copy `c`."""
    column = f"t.{field.column}"
    related = getattr(field, "related_model", None)
    if field.primary_key or related in copied:
        if related is ActionItem and not field.primary_key and model is not ActionItem.dependencies.through:
            # Only present in copies holding every template, or when the item it names was finished too.
            return f"CASE WHEN c.everything OR {_item_finished(field.column)} THEN {column} + c.shift END"
        return f"{column} + c.shift"
    if related is Initiative:
        cases = " ".join(
            f"WHEN {department_id} THEN (ARRAY{ids})[1 + c.number %% {len(ids)}]"
            for department_id, ids in initiatives.items()
        )
        return f"CASE WHEN {column} IS NULL THEN NULL ELSE CASE t.department_id {cases} END END"
    if field.name == "external_id":
        return f"CASE WHEN {column} = '' THEN '' ELSE {column} || '/copy-' || c.number END"
    if isinstance(field, models.DateTimeField):
        return f"{column} - c.days_back * INTERVAL '1 day'"
    if isinstance(field, models.DateField):
        return f"{column} - c.days_back"
    if isinstance(field, models.UUIDField):
        return "gen_random_uuid()"
    return column


def _copy_condition(model) -> str:
    """Which template rows a copy of the finished templates only takes."""
    if model is ActionItem:
        return "t.status = ANY(%(finished)s)"
    if model is ActionItem.dependencies.through:
        return f"{_item_finished('from_actionitem_id')} AND {_item_finished('to_actionitem_id')}"
    return _item_finished("action_item_id")


def live_copy(model, *, plan: list[Copy], stride: int, top: int, initiatives) -> int:
    """Copy the template rows (primary key up to `top`) of one table for every copy of the plan: one statement."""
    copied = set(LIVE_MODELS)
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = ", ".join(_column_expression(model, field, copied=copied, initiatives=initiatives) for field in fields)
    copies = ", ".join(f"({copy.number}, {copy.days_back}, {copy.everything})" for copy in plan)
    statement = (
        f"INSERT INTO {model._meta.db_table} ({columns}) "
        f"SELECT {values} FROM {model._meta.db_table} t, "
        f"(SELECT number, days_back, everything, number * {stride} AS shift "
        f" FROM (VALUES {copies}) AS v(number, days_back, everything)) c "
        f"WHERE t.{model._meta.pk.column} <= {top} AND (c.everything OR {_copy_condition(model)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, {"finished": list(FINISHED)})
        return cursor.rowcount


def _shifted(model) -> tuple[list[str], list[str], list[str], list]:
    """A history table's columns: those naming copied rows, dates, times, and every column a copy takes."""
    fields = [field for field in model._meta.concrete_fields if field.name not in ("seal_seq", "seal")]
    live = {*LIVE_MODELS, *HISTORY_MODELS}
    ids = [
        field.attname
        for field in fields
        if field.primary_key or field.name == "id" or getattr(field, "related_model", None) in live
    ]
    days = [field.attname for field in fields if isinstance(field, models.DateField)]
    times = [name for name in days if isinstance(model._meta.get_field(name), models.DateTimeField)]
    dates = [name for name in days if name not in times]
    return ids, dates, times, fields


def history_copy(model, *, plan: list[Copy], stride: int, top: int, finished_items: set[int], initiatives) -> int:
    """Copy and seal the template history rows (primary key up to `top`) of one table for every copy of the plan,
    in chain order; returns how many rows."""
    ids, dates, times, fields = _shifted(model)
    attnames = [field.attname for field in fields]
    pk = model._meta.pk.attname
    template = list(model.objects.filter(**{f"{pk}__lte": top}).order_by("seal_seq").values(*attnames))
    item_key = "id" if model is ActionItem.history.model else "action_item_id"
    if "from_actionitem_id" in attnames:
        item_key = "from_actionitem_id"
    ends = [name for name in (item_key, "to_actionitem_id") if name in attnames]
    finished_rows = [row for row in template if all(row[name] in finished_items for name in ends)]
    nullable = [name for name in ("parent_id", "recurrence_previous_id") if name in attnames]
    written = 0
    for copy in plan:
        shift = copy.number * stride
        step = datetime.timedelta(days=copy.days_back)
        rows = []
        for values in template if copy.everything else finished_rows:
            row = dict(values)
            for name in ids:
                if row[name] is not None:
                    row[name] += shift
            for name in nullable:
                if row[name] is not None and not copy.everything and values[name] not in finished_items:
                    row[name] = None
            for name in times:
                if row[name] is not None:
                    row[name] -= step
            for name in dates:
                if row[name] is not None:
                    row[name] -= step
            if row.get("initiative_id") is not None:
                choices = initiatives[row["department_id"]]
                row["initiative_id"] = choices[copy.number % len(choices)]
            if row.get("external_id"):
                row["external_id"] = f"{row['external_id']}/copy-{copy.number}"
            rows.append(model(**row))
        with transaction.atomic():
            seal_rows(model, rows)
            model.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
    return written


def dataset_fill(*, items: int, today: datetime.date, rounds: int) -> dict:
    """Fill an empty database with about `items` items dated around `today`; returns what it made."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The benchmark's data set is made on PostgreSQL.")
    started = time.monotonic()
    templates = templates_walk(today=today, rounds=rounds)
    walked_seconds = time.monotonic() - started
    initiatives = initiatives_fill(INITIATIVES)
    finished_items = set(ActionItem.objects.filter(status__in=FINISHED).values_list("id", flat=True))
    history_m2m = _history_m2m_models()
    tops = {
        model: model.objects.aggregate(top=Max(model._meta.pk.attname))["top"] or 0
        for model in (*LIVE_MODELS, *HISTORY_MODELS, *history_m2m)
    }
    stride = 10 ** len(str(max(tops.values()) + 1))
    plan = copies_plan(items, templates=templates, finished_templates=len(finished_items))
    counts = {}
    with transaction.atomic():
        for model in LIVE_MODELS:
            counts[model._meta.db_table] = live_copy(
                model, plan=plan, stride=stride, top=tops[model], initiatives=initiatives
            )
    for model in (*HISTORY_MODELS, *history_m2m):
        counts[model._meta.db_table] = history_copy(
            model, plan=plan, stride=stride, top=tops[model], finished_items=finished_items, initiatives=initiatives
        )
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [*LIVE_MODELS, *HISTORY_MODELS, *history_m2m]):
            cursor.execute(statement)
    # As autovacuum leaves tables some time after a bulk load (and a tracker's years-old rows always): vacuumed, so
    # the visibility map lets index-only scans skip the rows' pages, and analysed. VACUUM cannot run in a transaction.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return {
        "items": ActionItem.objects.count(),
        "walked_through_services": templates,
        "copies": len(plan),
        "concurrences": Concurrence.objects.count(),
        "progress_updates": ProgressUpdate.objects.count(),
        "extension_requests": ExtensionRequest.objects.count(),
        "reminders": Reminder.objects.count(),
        "history_rows": sum(model.objects.count() for model in (*HISTORY_MODELS, *history_m2m)),
        "agencies": Agency.objects.count(),
        "initiatives": Initiative.objects.count(),
        "walk_seconds": round(walked_seconds, 1),
        "fill_seconds": round(time.monotonic() - started, 1),
    }
