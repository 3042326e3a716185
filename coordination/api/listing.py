"""The item list's rows, built from plain values rather than model instances: a page of 50 items costs the
database's rows and little else.

Each row equals what `ActionItemSerializer` shows for that item (the serializer stays the single description of an
item, used for one item and for the schema; every value here is formatted as the serializer's field formats it, and a
test compares the two for every item and reader). One query reads the page: each item's row with its dependencies'
ids, its supporting agencies' answers (as JSON), its moments (as one text) and which of the items it links to the
reader sees."""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable
from operator import itemgetter
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DateTimeField, F, Field, Func, QuerySet, TextField
from django.utils import timezone
from rest_framework import serializers

from agencies.models import Agency
from coordination import workflow
from coordination.models import ActionItem, Concurrence
from coordination.selectors import item_roles, visible_item_ids_sql
from coordination.workflow import Viewer

from .filters import ItemOrderingFilter
from .pagination import UpdatedCursorPagination
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
KINDS = (AS_READ, DAY, MOMENT, FIELD)  # those read from a column
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


# The offset from UTC of a zone on a day of UTC, by zone and day ("YYYY-MM-DD"), when it is the same all day; VARIES
# when the zone changes its offset that day (a day or two a year where clocks change). A process learns a day once.
VARIES = (None, "")
DAYS_KEPT = 20_000  # about 55 years of days a zone: past that, a zone's days are learnt again
_zone_days: dict[object, dict[str, tuple[datetime.timedelta | None, str]]] = {}


def _day_offset(zone, day: str) -> tuple[datetime.timedelta | None, str]:
    """The zone's offset through the UTC `day` and how DRF writes it after a moment ("Z" for none), or VARIES. The
    offset is looked up at every hour of the day and at its last microsecond: a zone that changed its offset and back
    within one hour would be missed, and no zone does."""
    start = datetime.datetime.fromisoformat(day).replace(tzinfo=datetime.UTC)
    hours = [start + datetime.timedelta(hours=hour) for hour in range(24)]
    offsets = {
        moment.astimezone(zone).utcoffset() for moment in [*hours, start + datetime.timedelta(days=1, microseconds=-1)]
    }
    if len(offsets) != 1:
        return VARIES
    (offset,) = offsets
    suffix = _shown_time(start, datetime.timezone(offset))[19:]  # "+09:00", "Z", "-03:30", "+05:45"
    return offset, suffix


class ReaderMoments:
    """Moments read as text in UTC without an offset ("YYYY-MM-DD HH:MM:SS[.ffffff]", as `MomentsAsText` and the
    answers' JSON give them), shown as DRF's DateTimeField shows them in `zone`. The zone's offset is looked up once a
    day of UTC rather than once a moment: the moment is then its text read, the offset added and written out again,
    half the work of converting it to the zone (a page shows some 350 moments)."""

    def __init__(self, zone):
        self.zone = zone
        self.days = _zone_days.setdefault(zone, {})
        if len(self.days) > DAYS_KEPT:
            self.days.clear()

    def shown(self, text: str) -> str:
        day = text[:10]
        offset = self.days.get(day)
        if offset is None:
            offset = self.days[day] = _day_offset(self.zone, day)
        if offset is VARIES:
            return _shown_time(_moment(text), self.zone)
        return (datetime.datetime.fromisoformat(text) + offset[0]).isoformat() + offset[1]


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
    """The supporting agencies' answers of the item as the text of a JSON array of arrays of ANSWER_COLUMNS, or null;
    the moment of an answer in UTC without an offset, as `ReaderMoments` reads it. json_agg on PostgreSQL (as text:
    `_answers` reads a page's answers in one go), json_group_array on SQLite (whose version here cannot order inside
    an aggregate: the answers are ordered after reading)."""
    answers, item, state, comment, responder, responded_at, agency, pk = _names(
        connection, Concurrence, "action_item", "state", "comment", "responded_by", "responded_at", "agency", "id"
    )
    agencies, code, agency_key = _names(connection, Agency, "code", "id")
    users, username, user_key = _names(connection, get_user_model(), get_user_model().USERNAME_FIELD, "id")
    postgresql = connection.vendor == "postgresql"
    row = ", ".join(
        [
            f"(SELECT {code} FROM {agencies} WHERE {agency_key} = answer.{agency})",
            f"answer.{state}",
            f"answer.{comment}",
            f"(SELECT {username} FROM {users} WHERE {user_key} = answer.{responder})",
            f"answer.{responded_at} AT TIME ZONE 'UTC'" if postgresql else f"answer.{responded_at}",
            f"answer.{agency}",
            f"answer.{pk}",
        ]
    )
    rows = f"json_agg(json_build_array({row}))::text" if postgresql else f"json_group_array(json_array({row}))"
    return f"SELECT {rows} FROM {answers} answer WHERE answer.{item} = {{key}}"


@functools.cache
def _moment_columns() -> tuple[str, ...]:
    """The columns of the item's moments that the rows need, read as text; not those a page can be ordered by (the
    cursor pagination reads its position from the row's own value)."""
    _fields, columns = _plan()
    moments = {field.attname for field in ActionItem._meta.concrete_fields if isinstance(field, DateTimeField)}
    ordered_by = {*ItemOrderingFilter.internal.values(), *UpdatedCursorPagination.ordering}
    return tuple(column for column in columns if column in moments and column not in ordered_by)


class MomentsAsText(Func):
    """The item's moments (`_moment_columns`) as one text, "|" between them and nothing for a null, each in UTC
    without an offset ("YYYY-MM-DD HH:MM:SS[.ffffff]"). Read that way, a page skips loading each moment through
    Django's time-zone loader for psycopg, which is Python code (about 1 ms of a 51-row page, measured at 100,000
    items), and `ReaderMoments` writes each text in the reader's zone. The text is PostgreSQL's own output in ISO style
    (which psycopg requires anyway), or the text SQLite stores."""

    def __init__(self):
        super().__init__(output_field=TextField())

    def as_sql(self, compiler, connection, **extra_context):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        quote = connection.ops.quote_name
        columns = [f"{table}.{quote(column)}" for column in _moment_columns()]
        if connection.vendor == "postgresql":
            texts = ", ".join(f"coalesce(({column} AT TIME ZONE 'UTC')::text, '')" for column in columns)
            return f"concat_ws('|', {texts})", ()
        return " || '|' || ".join(f"coalesce({column}, '')" for column in columns), ()


class LinksSeen(Func):
    """The ids, comma-separated, of the items a row links to (its parent, its previous occurrence, its dependencies)
    that `viewer` sees, or null: asked in the page's own query rather than in a query after it, which cost a list
    whose items link outside the page a tenth of its throughput. The visible items' SQL is compiled once per viewer
    (`selectors.visible_item_ids_sql`); PostgreSQL looks the linked ids up by key, for the page's rows alone."""

    empty_result_set_value = None  # a viewer who sees nothing (whose page is empty too) sees none of the links

    def __init__(self, viewer: Viewer):
        super().__init__(output_field=TextField())
        self.viewer = viewer

    def as_sql(self, compiler, connection, **extra_context):
        item = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        key, parent, previous = (
            f"{item}.{connection.ops.quote_name(column)}" for column in ("id", "parent_id", "recurrence_previous_id")
        )
        table, source, target = _names(connection, ActionItem.dependencies.through, "from_actionitem", "to_actionitem")
        dependencies = f"SELECT {target} FROM {table} WHERE {source} = {key}"
        seen, params = visible_item_ids_sql(self.viewer)
        if connection.vendor == "postgresql":
            # = ANY of one array: an index lookup of the few linked ids (an OR of two tests and an IN would not be).
            sql = (
                f"(SELECT string_agg(seen.id::text, ',') FROM ({seen}) seen "
                f"WHERE seen.id = ANY(ARRAY[{parent}, {previous}] || ARRAY({dependencies})))"
            )
        else:
            sql = (
                f"(SELECT group_concat(seen.id) FROM ({seen}) seen "
                f"WHERE seen.id IN ({parent}, {previous}) OR seen.id IN ({dependencies}))"
            )
        return sql, params


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


def item_list_values(items: QuerySet[ActionItem], *, viewer: Viewer) -> QuerySet:
    """`items` (filtered and ordered, among those `viewer` sees) as the rows `item_rows` needs, with their
    dependencies' ids and which of their linked items the viewer sees, keeping the annotations they are ordered by
    (the cursor pagination reads its position from them)."""
    _fields, columns = _plan()
    annotations = [name for name in ("due_order", "search_rank") if name in items.query.annotations]
    read = [column for column in columns if column not in _moment_columns()]
    return items.values(*read, *annotations, **_per_row(), moments=MomentsAsText(), links_seen=LinksSeen(viewer))


def _moment(text: str) -> datetime.datetime:
    """A moment read as text in UTC without an offset (`MomentsAsText`, the answers' JSON) as an aware datetime."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)


def _answers(rows: list[dict], moments: ReaderMoments) -> dict[int, tuple[list[dict], tuple[int, ...]]]:
    """The supporting agencies' answers of the page's items, in agency-code order, shown as the serializer shows
    them; with their agency ids. The page's answers are read as one JSON text."""
    held = [row for row in rows if row["answer_rows"]]
    if not held:
        return {}
    read = json.loads("[" + ",".join(row["answer_rows"] for row in held) + "]")
    answers = {}
    for row, item_answers in zip(held, read, strict=True):
        item_answers.sort(key=lambda answer: (answer[0], answer[6]))
        shown = [
            {
                "agency": code,
                "state": state,
                "comment": comment,
                "responded_by": username,
                "responded_at": moments.shown(responded_at) if responded_at else None,
            }
            for code, state, comment, username, responded_at, _agency_id, _id in item_answers
        ]
        answers[row["id"]] = (shown, tuple(answer[5] for answer in item_answers))
    return answers


class RowPlan(NamedTuple):
    """How `item_rows` fills a row, worked out once from `_plan`."""

    names: tuple[str, ...]  # the shown fields, in the serializer's order
    read_names: tuple[str, ...]  # those shown as read ...
    get_read: Callable[[dict], tuple]  # ... and a getter of their columns, in that order
    moments_in_text: tuple[tuple[str, int], ...]  # (name, place in `MomentsAsText`'s text)
    moments_read: tuple[tuple[str, str], ...]  # (name, column) of those read as datetimes
    first_assigned: int  # the first assignment's place in that text
    days: tuple[tuple[str, str], ...]  # (name, column)
    fields: tuple[tuple[str, str, object], ...]  # (name, column, the serializer's field that shows it)


@functools.cache
def _row_plan() -> RowPlan:
    plan, _columns = _plan()
    kinds = {kind: [(name, column, field) for name, column, each, field in plan if each is kind] for kind in KINDS}
    read_columns = [column for _name, column, _field in kinds[AS_READ]]
    as_text = _moment_columns()
    return RowPlan(
        names=tuple(name for name, *_rest in plan),
        read_names=tuple(name for name, _column, _field in kinds[AS_READ]),
        get_read=itemgetter(*read_columns) if len(read_columns) > 1 else lambda row: (row[read_columns[0]],),
        moments_in_text=tuple(
            (name, as_text.index(column)) for name, column, _field in kinds[MOMENT] if column in as_text
        ),
        moments_read=tuple((name, column) for name, column, _field in kinds[MOMENT] if column not in as_text),
        first_assigned=as_text.index("first_assigned_at"),
        days=tuple((name, column) for name, column, _field in kinds[DAY]),
        fields=tuple(kinds[FIELD]),
    )


def item_rows(rows: list[dict], *, viewer: Viewer, today: datetime.date) -> list[dict]:
    """The page's items (read by `item_list_values`) as the API shows them to `viewer` on `today`."""
    if not rows:
        return []
    zone = timezone.get_current_timezone()
    moments = ReaderMoments(zone)
    answers = _answers(rows, moments)
    dependencies = {
        row["id"]: [int(pk) for pk in row["dependency_ids"].split(",")] for row in rows if row["dependency_ids"]
    }
    seen = {int(pk) for row in rows if row["links_seen"] for pk in row["links_seen"].split(",")}
    allowed: dict[tuple, list[str]] = {}  # by status and what decides the viewer's roles: few distinct on a page
    names, read_names, get_read, moments_in_text, moments_read, first_assigned, days, fields = _row_plan()
    no_answers: tuple[list[dict], tuple[int, ...]] = ([], ())
    shown = []
    for row in rows:
        texts = row["moments"].split("|")
        item_answers, supporting = answers.get(row["id"], no_answers)
        depends_on = dependencies.get(row["id"], [])
        deciding = (row["status"], row["department_id"], row["lead_agency_id"], supporting, texts[first_assigned])
        if deciding not in allowed:
            roles = item_roles(
                viewer,
                department_id=row["department_id"],
                lead_agency_id=row["lead_agency_id"],
                supporting_agency_ids=list(supporting),
                first_assigned_at=_moment(texts[first_assigned]) if texts[first_assigned] else None,
            )
            allowed[deciding] = [transition.name for transition in workflow.available_transitions(row["status"], roles)]
        item = dict.fromkeys(names)  # the serializer's order; a null column stays None
        item.update(zip(read_names, get_read(row), strict=True))
        for name, place in moments_in_text:
            if texts[place]:
                item[name] = moments.shown(texts[place])
        for name, column in moments_read:
            if row[column] is not None:
                item[name] = _shown_time(row[column], zone)
        for name, column in days:
            if row[column] is not None:
                item[name] = row[column].isoformat()
        for name, column, field in fields:
            if row[column] is not None:
                item[name] = field.to_representation(row[column])
        parent, previous = row["parent_id"], row["recurrence_previous_id"]
        item["supporting_agencies"] = item_answers or []  # a list of its own
        item["parent"] = parent if parent in seen else None
        item["parent_hidden"] = parent is not None and parent not in seen
        item["dependencies"] = sorted(pk for pk in depends_on if pk in seen)
        item["hidden_dependencies"] = sum(1 for pk in depends_on if pk not in seen)
        item["recurrence_previous"] = previous if previous in seen else None
        item["overdue"] = (
            row["status"] in ActionItem.ACTIVE_STATUSES and row["due_date"] is not None and row["due_date"] < today
        )
        item["priority"] = PRIORITY_NAMES[int(row["priority"])]
        item["allowed_transitions"] = list(allowed[deciding])
        shown.append(item)
    return shown
