"""The sweep: which reminders are due at a moment (set-based queries, a few in all and none per item), and
their recording in the ledger, where (item, rule, recipient, occurrence) is unique.

The sweep reads the items' state, not events, so it can run as often as wanted: a run that was missed is caught
up by the next one, and a second run at the same moment records nothing new.
"""

from __future__ import annotations

import datetime
import gc
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, reduce
from operator import or_
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db import connections, router, transaction
from django.db.models import DateField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate

from agencies.models import Liaison
from coordination.calendar import BusinessCalendar, get_calendar, japan_today, start_of
from coordination.models import (
    ActionItem,
    Concurrence,
    Department,
    DepartmentMember,
    ExtensionRequest,
    Reminder,
    ReminderPolicy,
)
from coordination.queue import outbox_add_each

from .delivery import DELIVER_REMINDERS_TASK
from .rules import Cutoffs, Policy, cutoffs_for, stale_round
from .webhooks import active_endpoints, webhook_record

logger = logging.getLogger(__name__)
JAPAN = ZoneInfo("Asia/Tokyo")
Rule = Reminder.Rule
BATCH = 500  # ledger rows per statement


class DueReminder(NamedTuple):
    """A reminder the sweep found due: who gets what about which item, and the occurrence that keys it."""

    # A named tuple rather than a frozen dataclass: the sweep makes one per recipient, tens of thousands a day.
    item_id: int
    rule: str
    recipient_id: int
    occurrence: str
    is_copy: bool = False

    @property
    def key(self) -> tuple:
        return self[:4]


def japan_day(field_name: str) -> ExpressionWrapper:
    """The date in Japan of a moment, computed by the database: the sweep needs only the day, and a date costs less
    to load than a moment with its time zone."""
    # Wrapped, the value is loaded as a plain date: TruncDate alone would also pass each one through its own
    # conversion in Python, made for moments, which a date does not need.
    return ExpressionWrapper(TruncDate(field_name, tzinfo=JAPAN), output_field=DateField())


def _add_once(people: list[int], user_id: int) -> None:
    """Add a person to a list of recipients unless there already (two terms at one agency overlap for a while)."""
    if user_id not in people:
        people.append(user_id)


@dataclass
class People:
    """Who is in office on a day, loaded in two queries: liaisons by agency and role, department members by role."""

    user_of_liaison: dict[int, int] = field(default_factory=dict)
    primaries: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    alternates: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    coordinators: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    directors: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    active_members: set[tuple[int, int]] = field(default_factory=set)

    @classmethod
    def on(cls, today: datetime.date) -> People:
        people = cls()
        terms = Liaison.objects.active_on(today).filter(user__is_active=True).order_by("start_date", "id")
        for liaison_id, user_id, agency_id, role in terms.values_list("id", "user_id", "agency_id", "role"):
            people.user_of_liaison[liaison_id] = user_id
            _add_once((people.primaries if role == Liaison.Role.PRIMARY else people.alternates)[agency_id], user_id)
        members = DepartmentMember.objects.filter(is_active=True, user__is_active=True).order_by("id")
        for department_id, user_id, role in members.values_list("department_id", "user_id", "role"):
            bucket = people.directors if role == DepartmentMember.Role.DIRECTOR else people.coordinators
            _add_once(bucket[department_id], user_id)
            people.active_members.add((department_id, user_id))
        return people

    def agency_contacts(self, agency_id: int) -> list[int]:
        """An agency's primary liaisons in office, or its alternates when it has no primary."""
        return self.primaries.get(agency_id) or self.alternates.get(agency_id, [])

    def lead_of(self, assigned_liaison_id: int | None, lead_agency_id: int) -> list[int]:
        """The assigned liaison while in office, else the lead agency's primary liaisons."""
        assigned = self.user_of_liaison.get(assigned_liaison_id)
        return [assigned] if assigned else self.agency_contacts(lead_agency_id)

    def coordinator_of(self, department_id: int, coordinator_id: int | None) -> list[int]:
        """The item's coordinator while a member of its department, else the department's coordinators."""
        if (department_id, coordinator_id) in self.active_members:
            return [coordinator_id]
        return self.coordinators.get(department_id) or self.directors.get(department_id, [])

    def directors_of(self, department_id: int) -> list[int]:
        return self.directors.get(department_id, [])

    def copies_of(self, lead_agency_id: int) -> list[int]:
        """Escalations copy the lead agency's alternates in office."""
        return self.alternates.get(lead_agency_id, [])

    def lead(self, item: dict) -> list[int]:
        """`lead_of` an item given as a dict of its fields."""
        return self.lead_of(item["assigned_liaison_id"], item["lead_agency_id"])

    def coordinator(self, item: dict) -> list[int]:
        """`coordinator_of` an item given as a dict of its fields."""
        return self.coordinator_of(item["department_id"], item["coordinator_id"])


class Collector:
    """Accumulates due reminders in the order found.

    No key can come twice, so none is looked up: each rule reads an item at most once (one row per item, per answer
    or per extension request, and the last two carry their own occurrence), an item belongs to one department, and
    `People` lists each person once. Only an escalation and its copies share a rule: `escalation` leaves out of the
    copies whoever the escalation itself goes to."""

    def __init__(self):
        self.found: list[DueReminder] = []

    def rule(self, rule: str) -> Callable[[int, list[int], str], None]:
        """A function that adds the reminders of `rule` about an item to its recipients at an occurrence (called once
        per due item, so what it needs is looked up here, once)."""
        append, new = self.found.append, tuple.__new__

        def add(item_id: int, recipients: list[int], occurrence: str) -> None:
            for recipient in recipients:
                # DueReminder(...) without the Python-level __new__ of a named tuple.
                append(new(DueReminder, (item_id, rule, recipient, occurrence, False)))

        return add

    def escalation(self, rule: str) -> Callable[[int, list[int], list[int], str], None]:
        """Like `rule`, with copies: the escalation to its recipients, then a copy to each of `copies` who is not one
        of them."""
        append, new = self.found.append, tuple.__new__

        def add(item_id: int, recipients: list[int], copies: list[int], occurrence: str) -> None:
            for recipient in recipients:
                append(new(DueReminder, (item_id, rule, recipient, occurrence, False)))
            for recipient in copies:
                if recipient not in recipients:
                    append(new(DueReminder, (item_id, rule, recipient, occurrence, True)))

        return add


def _policies() -> dict[int, Policy | None]:
    """Each active department's policy (the defaults when it has none yet); None where reminders are switched off."""
    rows = {policy.department_id: policy for policy in ReminderPolicy.objects.all()}
    policies = {}
    for department_id in Department.objects.filter(is_active=True).values_list("id", flat=True):
        row = rows.get(department_id)
        policies[department_id] = None if row and not row.is_active else (Policy.from_model(row) if row else Policy())
    return policies


def _by_department(
    queryset: QuerySet,
    fields: tuple[str, ...],
    cuts: dict[int, Cutoffs],
    condition: Callable[[Cutoffs], Q],
    department: str = "department_id",
) -> dict[int, list[tuple]]:
    """The `fields` of the rows of `queryset` that meet `condition` for their department, for every department of
    `cuts`, in one query; by department, each department's rows in the order of their ids (a fixed order, cheaper for
    the database than the models' own: sorting 6,000 overdue items by due date and priority cost it more than finding
    them). Departments whose cut-offs give the same condition share one branch of the query."""
    departments_of: dict[Q, list[int]] = defaultdict(list)
    for department_id, cut in cuts.items():
        departments_of[condition(cut)].append(department_id)
    where = reduce(or_, (Q(**{f"{department}__in": ids}) & branch for branch, ids in departments_of.items()))
    rows: dict[int, list[tuple]] = defaultdict(list)
    for row in queryset.filter(where).order_by("id").values_list(department, *fields):
        rows[row[0]].append(row[1:])
    return rows


def _due_rows(cuts: dict[int, Cutoffs]) -> dict[str, dict[int, list[tuple]]]:
    """What each rule needs of the items that may be due, by department: one query per rule (not per rule and
    department), each loading only the columns the rule needs. Moments come as their dates in Japan."""
    Status = ActionItem.Status
    items = ActionItem.objects.all()
    active = items.filter(status__in=ActionItem.ACTIVE_STATUSES)
    # The item's department and coordinator are looked up per pending request (few, by the partial index) rather
    # than joined: PostgreSQL merges the join along the items' primary key, reading most of the items.
    item = ActionItem.objects.filter(pk=OuterRef("action_item_id")).order_by()
    requests = ExtensionRequest.objects.filter(state=ExtensionRequest.State.PENDING).annotate(
        item_department_id=Subquery(item.values("department_id")),
        item_coordinator_id=Subquery(item.values("coordinator_id")),
    )
    pending = Concurrence.objects.filter(
        action_item__status__in=[*ActionItem.ACTIVE_STATUSES, Status.SUBMITTED], state=Concurrence.State.PENDING
    )
    return {
        "waiting": _by_department(
            items.filter(status=Status.ASSIGNED).annotate(assigned_day=japan_day("assigned_at")),
            ("id", "assigned_liaison_id", "lead_agency_id", "coordinator_id", "assigned_day"),
            cuts,
            lambda cut: Q(assigned_at__lt=start_of(cut.unacknowledged_before)),
        ),
        "soon": _by_department(
            active,
            ("id", "assigned_liaison_id", "lead_agency_id", "due_date"),
            cuts,
            lambda cut: Q(due_date__gte=cut.today, due_date__lte=_due_soon_up_to(cut)),
        ),
        "late": _by_department(
            active,
            ("id", "assigned_liaison_id", "lead_agency_id", "coordinator_id", "due_date"),
            cuts,
            lambda cut: Q(due_date__lt=cut.today),
        ),
        "quiet": _by_department(
            items.filter(status=Status.IN_PROGRESS)
            .annotate(last_activity=Coalesce(F("last_progress_at"), F("acknowledged_at"), F("assigned_at")))
            .annotate(last_day=japan_day("last_activity")),
            ("id", "assigned_liaison_id", "lead_agency_id", "last_day"),
            cuts,
            lambda cut: Q(last_activity__lt=start_of(cut.stale_before)),
        ),
        "submitted": _by_department(
            items.filter(status=Status.SUBMITTED).annotate(submitted_day=japan_day("submitted_at")),
            ("id", "coordinator_id", "submitted_day"),
            cuts,
            lambda cut: Q(submitted_at__lt=start_of(cut.review_before)),
        ),
        "requests": _by_department(
            requests,
            ("id", "action_item_id", "item_coordinator_id"),
            cuts,
            lambda cut: Q(created_at__lt=start_of(cut.review_before)),
            department="item_department_id",
        ),
        "pending": _by_department(
            pending,
            ("action_item_id", "action_item__due_date", "agency_id", "agency__code"),
            cuts,
            lambda cut: Q(action_item__due_date__gte=cut.today, action_item__due_date__lte=cut.concurrence_due_up_to),
            department="action_item__department_id",
        ),
    }


def _due_soon_up_to(cut: Cutoffs) -> datetime.date:
    """The last due date a due-soon (or due-today) reminder goes out for."""
    return max((up_to for _days, _after, up_to in cut.due_soon_windows), default=cut.today)


def _department_rules(
    department_id: int,
    policy: Policy,
    cut: Cutoffs,
    calendar: BusinessCalendar,
    people: People,
    rows: dict[str, list[tuple]],
    found: Collector,
) -> None:
    """The reminders due in one department, from its rows of each rule's query. Recipients and occurrences are
    worked out once per distinct value (an agency, a day), not once per item."""
    today = cut.today
    lead = cache(people.lead_of)
    coordinator = cache(lambda coordinator_id: people.coordinator_of(department_id, coordinator_id))
    directors = people.directors_of(department_id)
    copies = cache(people.copies_of)
    iso = cache(datetime.date.isoformat)
    on_today = today.isoformat()

    # Assigned and not acknowledged.
    unacknowledged = found.rule(Rule.UNACKNOWLEDGED)
    escalation = found.escalation(Rule.UNACKNOWLEDGED_ESCALATION)
    for item_id, liaison_id, agency_id, coordinator_id, assigned_day in rows["waiting"]:
        occurrence = iso(assigned_day)
        unacknowledged(item_id, lead(liaison_id, agency_id), occurrence)
        if assigned_day < cut.unacknowledged_escalate_before:  # assigned before that day's start in Japan
            escalation(item_id, coordinator(coordinator_id), copies(agency_id), occurrence)

    # Due soon (the tightest offset that applies) and due today.
    due_today = found.rule(Rule.DUE_TODAY)
    due_soon = found.rule(Rule.DUE_SOON)

    @cache
    def due_soon_occurrence(due_date: datetime.date) -> str | None:
        """The occurrence of the due-soon reminder of an item due on `due_date`, None when no offset applies."""
        for days, after, up_to in cut.due_soon_windows:
            if after < due_date <= up_to:
                return f"{due_date.isoformat()}/{days}"
        return None

    for item_id, liaison_id, agency_id, due_date in rows["soon"]:
        if due_date == today:
            if policy.remind_on_due_date:
                due_today(item_id, lead(liaison_id, agency_id), on_today)
        elif (occurrence := due_soon_occurrence(due_date)) is not None:
            due_soon(item_id, lead(liaison_id, agency_id), occurrence)

    # Overdue: every business day to the lead; escalations once per due date, copying the alternates.
    overdue = found.rule(Rule.OVERDUE)
    to_coordinator = found.escalation(Rule.OVERDUE_COORDINATOR)
    to_director = found.escalation(Rule.OVERDUE_DIRECTOR)
    for item_id, liaison_id, agency_id, coordinator_id, due_date in rows["late"]:
        overdue(item_id, lead(liaison_id, agency_id), on_today)
        if due_date < cut.overdue_coordinator_before:
            to_coordinator(item_id, coordinator(coordinator_id), copies(agency_id), iso(due_date))
        if due_date < cut.overdue_director_before:
            to_director(item_id, directors, copies(agency_id), iso(due_date))

    # In progress with no progress update for a while: again every `stale_after` business days.
    stale = found.rule(Rule.STALE)

    @cache
    def stale_occurrence(last: datetime.date) -> str:
        return f"{last.isoformat()}/{stale_round(calendar, last, today, policy.stale_after)}"

    for item_id, liaison_id, agency_id, last_day in rows["quiet"]:
        stale(item_id, lead(liaison_id, agency_id), stale_occurrence(last_day))

    # Waiting on coordinators: a submission to review, an extension request to decide.
    submission_waiting = found.rule(Rule.SUBMISSION_WAITING)
    for item_id, coordinator_id, submitted_day in rows["submitted"]:
        submission_waiting(item_id, coordinator(coordinator_id), iso(submitted_day))
    extension_waiting = found.rule(Rule.EXTENSION_WAITING)
    for request_id, item_id, coordinator_id in rows["requests"]:
        extension_waiting(item_id, coordinator(coordinator_id), f"extension/{request_id}")

    # Supporting agencies that have not answered shortly before the due date.
    concurrence_pending = found.rule(Rule.CONCURRENCE_PENDING)
    contacts = cache(people.agency_contacts)
    for item_id, due_date, agency_id, code in rows["pending"]:
        concurrence_pending(item_id, contacts(agency_id), f"{iso(due_date)}/{code}")


def reminders_due(*, at: datetime.datetime) -> list[DueReminder]:
    """Every reminder due at `at`: nothing on a day offices are closed."""
    today = japan_today(at)
    calendar = get_calendar()
    if not calendar.is_business_day(today):
        return []
    people = People.on(today)
    policies = {department_id: policy for department_id, policy in _policies().items() if policy is not None}
    if not policies:
        return []
    cuts = {department_id: cutoffs_for(policy, calendar, today) for department_id, policy in policies.items()}
    found = Collector()
    # The cyclic garbage collector is paused while the reminders are built (reference counting still frees what is
    # dropped): every one of them lives until the sweep returns, and on a large day (tens of thousands) the collector
    # would trace them again and again and, once they outnumber a quarter of the process's long-lived objects, run a
    # full collection of the whole heap, which costs more than the sweep itself, to find no garbage.
    collecting = gc.isenabled()
    gc.disable()
    try:
        due_rows = _due_rows(cuts)
        for department_id, policy in policies.items():
            rows = {name: by_department.get(department_id, []) for name, by_department in due_rows.items()}
            _department_rules(department_id, policy, cuts[department_id], calendar, people, rows, found)
    finally:
        if collecting:
            gc.enable()
    return found.found


def _ledger_key() -> list:
    """The fields of the ledger's unique key, in the order of `DueReminder.key`."""
    unique = next(c for c in Reminder._meta.constraints if c.name == "reminder_once_per_occurrence")
    return [Reminder._meta.get_field(name) for name in unique.fields]


def _batch_size(connection, fields: list, due: list[DueReminder]) -> int:
    """At most BATCH rows, fewer where the database takes fewer parameters in one statement (SQLite)."""
    return max(1, min(BATCH, connection.ops.bulk_batch_size(fields, due)))


def _ledger_holds(due: list[DueReminder]) -> set[tuple]:
    """Which of the due keys the ledger holds already, read in batches and only at the due occurrences, so what is
    loaded does not grow with the ledger's earlier days."""
    connection = connections[router.db_for_read(Reminder)]
    size = _batch_size(connection, _ledger_key(), due)
    held = set()
    for start in range(0, len(due), size):
        batch = due[start : start + size]
        rows = Reminder.objects.filter(
            action_item_id__in={reminder.item_id for reminder in batch},
            rule__in={reminder.rule for reminder in batch},
            occurrence__in={reminder.occurrence for reminder in batch},
        ).order_by()
        held.update(rows.values_list("action_item_id", "rule", "recipient_id", "occurrence"))
    return held


def _ledger_insert(due: list[DueReminder], *, today: datetime.date) -> set[tuple]:
    """Insert the due reminders the ledger does not hold yet, one statement per batch; returns the keys inserted.

    ON CONFLICT on the unique key skips rows already there, including those a concurrent sweep is inserting (the
    database waits for it), and RETURNING names only the rows this statement inserted.
    """
    connection = connections[router.db_for_write(Reminder)]
    meta = Reminder._meta
    # Every column bulk_create would send, with the values it would send: raw SQL applies no Django defaults.
    fields = [field for field in meta.concrete_fields if not field.primary_key and not field.generated]
    quote = connection.ops.quote_name
    key = ", ".join(quote(field.column) for field in _ledger_key())
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) VALUES "
    tail = f" ON CONFLICT ({key}) DO NOTHING RETURNING {key}"
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = _batch_size(connection, fields, due)
    inserted = set()
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for start in range(0, len(due), size):
            batch = due[start : start + size]
            params = []
            for reminder in batch:
                obj = Reminder(
                    action_item_id=reminder.item_id,
                    rule=reminder.rule,
                    recipient_id=reminder.recipient_id,
                    occurrence=reminder.occurrence,
                    is_copy=reminder.is_copy,
                    due_on=today,
                )
                params += [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for field in fields]
            cursor.execute(head + ", ".join([row] * len(batch)) + tail, params)
            inserted.update(tuple(returned) for returned in cursor.fetchall())
    return inserted


def reminders_record(*, at: datetime.datetime, dry_run: bool = False) -> list[DueReminder]:
    """Record the reminders due at `at` that the ledger does not hold yet; returns those (nothing written on a dry
    run). The unique key makes a concurrent sweep's duplicate rows impossible, not just unlikely, and each new row is
    returned by the one sweep that inserted it."""
    due = reminders_due(at=at)
    if not due:
        return []
    if dry_run:
        held = _ledger_holds(due)
        return [reminder for reminder in due if reminder.key not in held]
    inserted = _ledger_insert(due, today=japan_today(at))
    return [reminder for reminder in due if reminder.key in inserted]


def reminders_sweep(*, at: datetime.datetime) -> list[DueReminder]:
    """Record what is due at `at` and queue one delivery per recipient once the rows are committed."""
    with transaction.atomic():
        new = reminders_record(at=at)
        outbox_add_each(DELIVER_REMINDERS_TASK, ([recipient] for recipient in sorted({r.recipient_id for r in new})))
        # The second channel: one webhook delivery per item, rule and occurrence, whoever the recipients are.
        endpoints = active_endpoints() if new else {}
        if endpoints:
            events = sorted({(r.item_id, r.rule, r.occurrence) for r in new if not r.is_copy})
            items = ActionItem.objects.select_related("lead_agency", "department").in_bulk({key[0] for key in events})
            for item_id, rule, occurrence in events:
                if items[item_id].department_id in endpoints:
                    webhook_record(item=items[item_id], event=rule, occurrence=occurrence, endpoints=endpoints)
    if new:
        logger.info("Sweep at %s recorded %d reminders.", at.isoformat(), len(new))
    return new
