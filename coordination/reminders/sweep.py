"""The sweep: which reminders are due at a moment (set-based queries, a few per department, none per item), and
their recording in the ledger, where (item, rule, recipient, occurrence) is unique.

The sweep reads the items' state, not events, so it can run as often as wanted: a run that was missed is caught
up by the next one, and a second run at the same moment records nothing new.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import connections, router, transaction
from django.db.models import F
from django.db.models.functions import Coalesce

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
ITEM_FIELDS = ("id", "department_id", "lead_agency_id", "assigned_liaison_id", "coordinator_id", "due_date")


@dataclass(frozen=True)
class DueReminder:
    """A reminder the sweep found due: who gets what about which item, and the occurrence that keys it."""

    item_id: int
    rule: str
    recipient_id: int
    occurrence: str
    is_copy: bool = False

    @property
    def key(self) -> tuple:
        return (self.item_id, self.rule, self.recipient_id, self.occurrence)


def japan_date(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(JAPAN).date()


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
            (people.primaries if role == Liaison.Role.PRIMARY else people.alternates)[agency_id].append(user_id)
        members = DepartmentMember.objects.filter(is_active=True, user__is_active=True).order_by("id")
        for department_id, user_id, role in members.values_list("department_id", "user_id", "role"):
            bucket = people.directors if role == DepartmentMember.Role.DIRECTOR else people.coordinators
            bucket[department_id].append(user_id)
            people.active_members.add((department_id, user_id))
        return people

    def agency_contacts(self, agency_id: int) -> list[int]:
        """An agency's primary liaisons in office, or its alternates when it has no primary."""
        return self.primaries.get(agency_id) or self.alternates.get(agency_id, [])

    def lead(self, item: dict) -> list[int]:
        """The assigned liaison while in office, else the lead agency's primary liaisons."""
        assigned = self.user_of_liaison.get(item["assigned_liaison_id"])
        return [assigned] if assigned else self.agency_contacts(item["lead_agency_id"])

    def coordinator(self, item: dict) -> list[int]:
        """The item's coordinator while a member of its department, else the department's coordinators."""
        if (item["department_id"], item["coordinator_id"]) in self.active_members:
            return [item["coordinator_id"]]
        return self.coordinators.get(item["department_id"]) or self.directors.get(item["department_id"], [])

    def director(self, item: dict) -> list[int]:
        return self.directors.get(item["department_id"], [])

    def copies(self, item: dict) -> list[int]:
        """Escalations copy the lead agency's alternates in office."""
        return self.alternates.get(item["lead_agency_id"], [])


class Collector:
    """Accumulates due reminders, once per key."""

    def __init__(self):
        self.found: dict[tuple, DueReminder] = {}

    def add(self, item: dict, rule: str, recipients: list[int], occurrence: str, *, is_copy: bool = False) -> None:
        for recipient in recipients:
            reminder = DueReminder(item["id"], rule, recipient, occurrence, is_copy)
            self.found.setdefault(reminder.key, reminder)


def _policies() -> dict[int, Policy | None]:
    """Each active department's policy (the defaults when it has none yet); None where reminders are switched off."""
    rows = {policy.department_id: policy for policy in ReminderPolicy.objects.all()}
    policies = {}
    for department_id in Department.objects.filter(is_active=True).values_list("id", flat=True):
        row = rows.get(department_id)
        policies[department_id] = None if row and not row.is_active else (Policy.from_model(row) if row else Policy())
    return policies


def _department_rules(
    department_id: int, policy: Policy, cut: Cutoffs, calendar: BusinessCalendar, people: People, found: Collector
) -> None:
    today = cut.today
    items = ActionItem.objects.filter(department_id=department_id)
    active = items.filter(status__in=ActionItem.ACTIVE_STATUSES)

    # Assigned and not acknowledged.
    waiting = items.filter(
        status=ActionItem.Status.ASSIGNED, assigned_at__lt=start_of(cut.unacknowledged_before)
    ).values(*ITEM_FIELDS, "assigned_at")
    for item in waiting:
        occurrence = japan_date(item["assigned_at"]).isoformat()
        found.add(item, Rule.UNACKNOWLEDGED, people.lead(item), occurrence)
        if item["assigned_at"] < start_of(cut.unacknowledged_escalate_before):
            found.add(item, Rule.UNACKNOWLEDGED_ESCALATION, people.coordinator(item), occurrence)
            found.add(item, Rule.UNACKNOWLEDGED_ESCALATION, people.copies(item), occurrence, is_copy=True)

    # Due soon (the tightest offset that applies) and due today.
    latest = max((up_to for _days, _after, up_to in cut.due_soon_windows), default=today)
    for item in active.filter(due_date__gte=today, due_date__lte=latest).values(*ITEM_FIELDS):
        if item["due_date"] == today:
            if policy.remind_on_due_date:
                found.add(item, Rule.DUE_TODAY, people.lead(item), today.isoformat())
            continue
        for days, after, up_to in cut.due_soon_windows:
            if after < item["due_date"] <= up_to:
                found.add(item, Rule.DUE_SOON, people.lead(item), f"{item['due_date'].isoformat()}/{days}")
                break

    # Overdue: every business day to the lead; escalations once per due date, copying the alternates.
    for item in active.filter(due_date__lt=today).values(*ITEM_FIELDS):
        found.add(item, Rule.OVERDUE, people.lead(item), today.isoformat())
        due = item["due_date"].isoformat()
        if item["due_date"] < cut.overdue_coordinator_before:
            found.add(item, Rule.OVERDUE_COORDINATOR, people.coordinator(item), due)
            found.add(item, Rule.OVERDUE_COORDINATOR, people.copies(item), due, is_copy=True)
        if item["due_date"] < cut.overdue_director_before:
            found.add(item, Rule.OVERDUE_DIRECTOR, people.director(item), due)
            found.add(item, Rule.OVERDUE_DIRECTOR, people.copies(item), due, is_copy=True)

    # In progress with no progress update for a while: again every `stale_after` business days.
    stale = (
        items.filter(status=ActionItem.Status.IN_PROGRESS)
        .annotate(last_activity=Coalesce(F("last_progress_at"), F("acknowledged_at"), F("assigned_at")))
        .filter(last_activity__lt=start_of(cut.stale_before))
        .values(*ITEM_FIELDS, "last_activity")
    )
    for item in stale:
        last = japan_date(item["last_activity"])
        rounds = stale_round(calendar, last, today, policy.stale_after)
        found.add(item, Rule.STALE, people.lead(item), f"{last.isoformat()}/{rounds}")

    # Waiting on coordinators: a submission to review, an extension request to decide.
    submitted = items.filter(status=ActionItem.Status.SUBMITTED, submitted_at__lt=start_of(cut.review_before))
    for item in submitted.values(*ITEM_FIELDS, "submitted_at"):
        found.add(item, Rule.SUBMISSION_WAITING, people.coordinator(item), japan_date(item["submitted_at"]).isoformat())
    requests = ExtensionRequest.objects.filter(
        action_item__department_id=department_id,
        state=ExtensionRequest.State.PENDING,
        created_at__lt=start_of(cut.review_before),
    )
    for request in requests.values("id", *(f"action_item__{name}" for name in ITEM_FIELDS)):
        item = {name: request[f"action_item__{name}"] for name in ITEM_FIELDS}
        found.add(item, Rule.EXTENSION_WAITING, people.coordinator(item), f"extension/{request['id']}")

    # Supporting agencies that have not answered shortly before the due date.
    pending = Concurrence.objects.filter(
        action_item__department_id=department_id,
        action_item__status__in=[*ActionItem.ACTIVE_STATUSES, ActionItem.Status.SUBMITTED],
        action_item__due_date__gte=today,
        action_item__due_date__lte=cut.concurrence_due_up_to,
        state=Concurrence.State.PENDING,
    )
    for answer in pending.values("agency_id", "agency__code", *(f"action_item__{name}" for name in ITEM_FIELDS)):
        item = {name: answer[f"action_item__{name}"] for name in ITEM_FIELDS}
        occurrence = f"{item['due_date'].isoformat()}/{answer['agency__code']}"
        found.add(item, Rule.CONCURRENCE_PENDING, people.agency_contacts(answer["agency_id"]), occurrence)


def reminders_due(*, at: datetime.datetime) -> list[DueReminder]:
    """Every reminder due at `at`: nothing on a day offices are closed."""
    today = japan_today(at)
    calendar = get_calendar()
    if not calendar.is_business_day(today):
        return []
    people = People.on(today)
    found = Collector()
    for department_id, policy in _policies().items():
        if policy is not None:
            _department_rules(department_id, policy, cutoffs_for(policy, calendar, today), calendar, people, found)
    return list(found.found.values())


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
