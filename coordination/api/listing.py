"""The item list's rows, built from plain values rather than model instances: a page of 50 items costs the
database's rows and little else.

Each row equals what `ActionItemSerializer` shows for that item (the serializer stays the single description of an
item, used for one item and for the schema; every value here is formatted as the serializer's field formats it, and a
test compares the two for every item and reader). The page's query reads each item's dependencies' ids and its
supporting agencies' answers (as JSON) with its row; one more query per page whatever its size, when the page links
to other items: which of them the reader sees."""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Field, Func, QuerySet, TextField
from django.utils import timezone
from rest_framework import serializers

from agencies.models import Agency
from coordination import workflow
from coordination.models import ActionItem, Concurrence
from coordination.selectors import item_ids_seen, item_roles
from coordination.workflow import Viewer

from .serializers import PRIORITY_NAMES, ActionItemSerializer

# Shown from a related row (read as `shown_<name>`: see `_per_row`) or worked out per reader rather than read from a
# column of the item.
RELATED = {
    "department": ("department_id", "code"),
    "lead_agency": ("lead_agency_id", "code"),
    "coordinator": ("coordinator_id", "username"),
}
WORKED_OUT = {
    "supporting_agencies",
    "parent",
    "parent_hidden",
    "dependencies",
    "hidden_dependencies",
    "recurrence_previous",
    "overdue",
    "allowed_transitions",
    "priority",
}
# What the rows need beyond the shown columns: to work out roles, links and overdue.
NEEDED = ("department_id", "lead_agency_id", "first_assigned_at", "parent_id", "recurrence_previous_id", "status")


# How each shown column becomes its value: as read (the serializer's field returns a text, a choice, a whole number or
# a related row's id as it is), a date or a moment in ISO 8601, through the serializer's field, or worked out per row.
AS_READ, DAY, MOMENT, FIELD, WORKED = "as read", "day", "moment", "field", "worked out"
PASSED_THROUGH = (serializers.CharField, serializers.ChoiceField, serializers.PrimaryKeyRelatedField)


@functools.cache
def _plan() -> tuple[list[tuple[str, str, str, object]], list[str]]:
    """For each shown field in order: (name, source column, how it is shown, the serializer's field)."""
    fields = ActionItemSerializer().fields
    plan, columns = [], set(NEEDED) | {"due_date", "priority"}
    for name in ActionItemSerializer.Meta.fields:
        if name in WORKED_OUT:
            plan.append((name, "", WORKED, None))
            continue
        if name in RELATED:
            plan.append((name, f"shown_{name}", AS_READ, None))
            continue
        column = ActionItem._meta.get_field(name).attname
        columns.add(column)
        field = fields[name]
        if isinstance(field, serializers.DateTimeField):
            kind = MOMENT  # the field's own format, with the reader's time zone looked up once a page
        elif isinstance(field, serializers.DateField):
            kind = DAY
        elif type(field) is serializers.IntegerField or isinstance(field, PASSED_THROUGH):
            kind = AS_READ
        else:
            kind = FIELD
        plan.append((name, column, kind, field))
    return plan, sorted(columns)


def _shown_time(value: datetime.datetime, zone) -> str:
    """A moment as DRF's DateTimeField shows it (ISO 8601 in the current time zone, "Z" for UTC)."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class PerRow(Func):
    """A value of each row of the page from a scalar subquery written out around one of the item's columns (`{key}` in
    the text `write(connection)` returns). A fixed text costs next to nothing to compile, where an ORM subquery
    compiles a whole inner query on every request (the list's subqueries took a third of its own Python time); and
    PostgreSQL works out select-list subqueries for the page's rows alone, after the sort and the limit, where a join
    is made for every row that matches (hundreds for a search)."""

    def __init__(self, key: str, write: Callable[[BaseDatabaseWrapper], str], output_field: Field):
        super().__init__(F(key), output_field=output_field)
        self.write = write

    def as_sql(self, compiler, connection, **extra_context):
        key, params = compiler.compile(self.source_expressions[0])
        return "(" + self.write(connection).format(key=key) + ")", params


def _names(connection: BaseDatabaseWrapper, model, *fields: str) -> tuple[str, ...]:
    """The quoted table of `model` and the quoted columns of its `fields`."""
    quote = connection.ops.quote_name
    return (quote(model._meta.db_table), *(quote(model._meta.get_field(name).column) for name in fields))


def _lookup(model, shown: str) -> Callable[[BaseDatabaseWrapper], str]:
    """The `shown` column of the `model` row whose key is `{key}`."""

    def write(connection: BaseDatabaseWrapper) -> str:
        table, column, key = _names(connection, model, shown, model._meta.pk.name)
        return f"SELECT {column} FROM {table} WHERE {key} = {{key}}"

    return write


def _dependency_ids(connection: BaseDatabaseWrapper) -> str:
    """The ids of the item's dependencies as comma-separated text, or null."""
    table, source, target = _names(connection, ActionItem.dependencies.through, "from_actionitem", "to_actionitem")
    ids = f"string_agg({target}::text, ',')" if connection.vendor == "postgresql" else f"group_concat({target})"
    return f"SELECT {ids} FROM {table} WHERE {source} = {{key}}"


# An answer as the page reads it, in this order (the id orders the answers of one agency code).
ANSWER_COLUMNS = ("agency code", "state", "comment", "responder", "responded_at", "agency_id", "id")


def _answer_rows(connection: BaseDatabaseWrapper) -> str:
    """The supporting agencies' answers of the item as a JSON array of arrays of ANSWER_COLUMNS, or null:
    json_agg on PostgreSQL, json_group_array on SQLite (whose version here cannot order inside an aggregate: the
    answers are ordered after reading)."""
    answers, item, state, comment, responder, responded_at, agency, pk = _names(
        connection, Concurrence, "action_item", "state", "comment", "responded_by", "responded_at", "agency", "id"
    )
    agencies, code, agency_key = _names(connection, Agency, "code", "id")
    users, username, user_key = _names(connection, get_user_model(), get_user_model().USERNAME_FIELD, "id")
    row = ", ".join(
        [
            f"(SELECT {code} FROM {agencies} WHERE {agency_key} = answer.{agency})",
            f"answer.{state}",
            f"answer.{comment}",
            f"(SELECT {username} FROM {users} WHERE {user_key} = answer.{responder})",
            f"answer.{responded_at}",
            f"answer.{agency}",
            f"answer.{pk}",
        ]
    )
    rows = (
        f"json_agg(json_build_array({row}))"
        if connection.vendor == "postgresql"
        else f"json_group_array(json_array({row}))"
    )
    return f"SELECT {rows} FROM {answers} answer WHERE answer.{item} = {{key}}"


@functools.cache
def _per_row() -> dict[str, PerRow]:
    """What each row reads beside the item's columns: who and what it names, its dependencies, its answers."""
    found = {
        f"shown_{name}": PerRow(column, _lookup(ActionItem._meta.get_field(name).related_model, shown), TextField())
        for name, (column, shown) in RELATED.items()
    }
    found["dependency_ids"] = PerRow("id", _dependency_ids, TextField())
    found["answer_rows"] = PerRow("id", _answer_rows, TextField())
    return found


def item_list_values(items: QuerySet[ActionItem]) -> QuerySet:
    """`items` (filtered and ordered) as the rows `item_rows` needs, with their dependencies' ids, keeping the
    annotations they are ordered by (the cursor pagination reads its position from them)."""
    _fields, columns = _plan()
    annotations = [name for name in ("due_order", "search_rank") if name in items.query.annotations]
    return items.values(*columns, *annotations, **_per_row())


def _moment(text: str) -> datetime.datetime:
    """A moment as the JSON of the answers holds it: ISO 8601 with its offset (PostgreSQL), or naive UTC (SQLite)."""
    moment = datetime.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _answers(rows: list[dict], zone) -> dict[int, list[dict]]:
    """The supporting agencies' answers of the page's items, in agency-code order, shown as the serializer shows
    them; and their agency ids."""
    answers = {}
    for row in rows:
        if not row["answer_rows"]:
            continue
        read = row["answer_rows"]  # decoded by psycopg on PostgreSQL, text on SQLite
        read = sorted(json.loads(read) if isinstance(read, str) else read, key=lambda answer: (answer[0], answer[6]))
        answers[row["id"]] = [
            {
                "agency": code,
                "state": state,
                "comment": comment,
                "responded_by": username,
                "responded_at": _shown_time(_moment(responded_at), zone) if responded_at else None,
                "_agency_id": agency_id,
            }
            for code, state, comment, username, responded_at, agency_id, _id in read
        ]
    return answers


def item_rows(
    rows: list[dict], *, viewer: Viewer, today: datetime.date, visible: QuerySet[ActionItem] | None = None
) -> list[dict]:
    """The page's items as the API shows them to `viewer` on `today`; `visible` is what the viewer sees, when the
    caller has built it already (the page was read from it)."""
    if not rows:
        return []
    plan, _columns = _plan()
    zone = timezone.get_current_timezone()
    answers = _answers(rows, zone)
    dependencies = {
        row["id"]: [int(pk) for pk in row["dependency_ids"].split(",")] for row in rows if row["dependency_ids"]
    }
    linked = {pk for row in rows for pk in (row["parent_id"], row["recurrence_previous_id"]) if pk}
    linked |= {pk for targets in dependencies.values() for pk in targets}
    # What is on the page the viewer sees; the rest of what the page links to is asked of the database.
    seen = linked & {row["id"] for row in rows}
    seen |= item_ids_seen(viewer, linked - seen, visible=visible)
    allowed: dict[tuple, list[str]] = {}  # by status and what decides the viewer's roles: few distinct on a page
    shown = []
    for row in rows:
        item_answers = answers.get(row["id"], [])
        depends_on = dependencies.get(row["id"], [])
        supporting = tuple(answer["_agency_id"] for answer in item_answers)
        deciding = (
            row["status"],
            row["department_id"],
            row["lead_agency_id"],
            supporting,
            row["first_assigned_at"] is None,
        )
        if deciding not in allowed:
            roles = item_roles(
                viewer,
                department_id=row["department_id"],
                lead_agency_id=row["lead_agency_id"],
                supporting_agency_ids=list(supporting),
                first_assigned_at=row["first_assigned_at"],
            )
            allowed[deciding] = [transition.name for transition in workflow.available_transitions(row["status"], roles)]
        worked_out = {
            "supporting_agencies": [
                {key: value for key, value in answer.items() if key != "_agency_id"} for answer in item_answers
            ],
            "parent": row["parent_id"] if row["parent_id"] in seen else None,
            "parent_hidden": row["parent_id"] is not None and row["parent_id"] not in seen,
            "dependencies": sorted(pk for pk in depends_on if pk in seen),
            "hidden_dependencies": sum(1 for pk in depends_on if pk not in seen),
            "recurrence_previous": row["recurrence_previous_id"] if row["recurrence_previous_id"] in seen else None,
            "overdue": row["status"] in ActionItem.ACTIVE_STATUSES
            and row["due_date"] is not None
            and row["due_date"] < today,
            "priority": PRIORITY_NAMES[int(row["priority"])],
            "allowed_transitions": list(allowed[deciding]),
        }
        item = {}
        for name, column, kind, field in plan:
            if kind is WORKED:
                item[name] = worked_out[name]
                continue
            value = row[column]
            if value is None or kind is AS_READ:
                item[name] = value
            elif kind is MOMENT:
                item[name] = _shown_time(value, zone)
            elif kind is DAY:
                item[name] = value.isoformat()
            else:
                item[name] = field.to_representation(value)
        shown.append(item)
    return shown
