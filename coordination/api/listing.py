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

from django.db.models import Aggregate, CharField, OuterRef, QuerySet, Subquery, TextField
from django.utils import timezone
from rest_framework import serializers

from coordination import workflow
from coordination.access import action_items_visible
from coordination.models import ActionItem, Concurrence
from coordination.selectors import item_roles
from coordination.workflow import Viewer

from .serializers import PRIORITY_NAMES, ActionItemSerializer

# Shown from a related row or worked out per reader rather than read from a column of the item.
COMPUTED = {
    "department": "department__code",
    "lead_agency": "lead_agency__code",
    "coordinator": "coordinator__username",
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
    plan, columns = [], set(NEEDED) | {"due_date", "priority"} | set(COMPUTED.values())
    for name in ActionItemSerializer.Meta.fields:
        if name in WORKED_OUT:
            plan.append((name, "", WORKED, None))
            continue
        if name in COMPUTED:
            plan.append((name, COMPUTED[name], AS_READ, None))
            continue
        column = ActionItem._meta.get_field(name).attname
        columns.add(column)
        field = fields[name]
        if isinstance(field, serializers.DateTimeField):
            kind = MOMENT  # the field's own format, with the reader's time zone looked up once a page
        elif isinstance(field, serializers.DateField):
            kind = DAY
        elif type(field) in (*PASSED_THROUGH, serializers.IntegerField) or isinstance(field, PASSED_THROUGH):
            kind = AS_READ
        else:
            kind = FIELD
        plan.append((name, column, kind, field))
    return plan, sorted(columns)


def _shown_time(value: datetime.datetime, zone) -> str:
    """A moment as DRF's DateTimeField shows it (ISO 8601 in the current time zone, "Z" for UTC)."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class IdList(Aggregate):
    """The ids of a group as comma-separated text: string_agg on PostgreSQL, group_concat on SQLite."""

    function = "group_concat"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, function="string_agg", template="%(function)s(%(expressions)s::text, ',')",
            **extra_context,
        )  # fmt: skip


class AnswerRows(Aggregate):
    """A group's rows as a JSON array of arrays of the given columns: json_agg on PostgreSQL, json_group_array on
    SQLite (whose version here cannot order inside an aggregate: the rows are ordered after reading)."""

    function = "json_group_array"
    template = "%(function)s(json_array(%(expressions)s))"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, function="json_agg", template="%(function)s(json_build_array(%(expressions)s))",
            **extra_context,
        )  # fmt: skip


# An answer as the page query reads it, in this order (the id orders the answers of one agency code).
ANSWER_COLUMNS = ("agency__code", "state", "comment", "responded_by__username", "responded_at", "agency_id", "id")


# Built once: a query takes a copy of an expression when it uses one, so the same Subquery serves every page.
@functools.cache
def _answer_rows() -> Subquery:
    """The supporting agencies' answers of an item (a JSON array of ANSWER_COLUMNS, or null), read with its row."""
    answers = Concurrence.objects.filter(action_item_id=OuterRef("pk")).order_by().values("action_item_id")
    return Subquery(answers.annotate(rows=AnswerRows(*ANSWER_COLUMNS)).values("rows"))


@functools.cache
def _dependency_ids() -> Subquery:
    """The ids of an item's dependencies (comma-separated text, or null), read with the item's row."""
    through = ActionItem.dependencies.through
    links = through.objects.filter(from_actionitem_id=OuterRef("pk")).order_by().values("from_actionitem_id")
    return Subquery(links.annotate(ids=IdList("to_actionitem_id")).values("ids"))


def item_list_values(items: QuerySet[ActionItem]) -> QuerySet:
    """`items` (filtered and ordered) as the rows `item_rows` needs, with their dependencies' ids, keeping the
    annotations they are ordered by (the cursor pagination reads its position from them)."""
    _fields, columns = _plan()
    annotations = [name for name in ("due_order", "search_rank") if name in items.query.annotations]
    return items.values(*columns, *annotations, dependency_ids=_dependency_ids(), answer_rows=_answer_rows())


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
    if linked - seen:
        visible = action_items_visible(viewer) if visible is None else visible
        seen.update(visible.filter(pk__in=linked - seen).values_list("pk", flat=True))
    allowed: dict[tuple, list[str]] = {}  # by status and what decides the viewer's roles: few distinct on a page
    shown = []
    for row in rows:
        item_answers = answers.get(row["id"], [])
        depends_on = dependencies.get(row["id"], [])
        supporting = tuple(answer["_agency_id"] for answer in item_answers)
        key = (row["status"], row["department_id"], row["lead_agency_id"], supporting, row["first_assigned_at"] is None)
        if key not in allowed:
            roles = item_roles(
                viewer,
                department_id=row["department_id"],
                lead_agency_id=row["lead_agency_id"],
                supporting_agency_ids=list(supporting),
                first_assigned_at=row["first_assigned_at"],
            )
            allowed[key] = [transition.name for transition in workflow.available_transitions(row["status"], roles)]
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
            "allowed_transitions": list(allowed[key]),
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
