"""The console's reads: named sets of items (overdue, due this week, stale, ...), the dashboard's figures and the
review queue. Inputs (viewer, today) are arguments.

Each named set is one condition, used both by the dashboard's counts and by the list filter its number links to,
so a number and the list behind it cannot disagree. Every figure is computed over `access.action_items_visible`,
in a fixed number of queries whatever the number of items.

Choices written here (the issue and ACCESS.md leave them open):
- "Open" is assigned and not yet closed or cancelled (assigned, acknowledged, in progress, blocked, submitted):
  a draft is nobody's work yet.
- "Due this week" is an item the lead is still working on (not yet submitted) due on a business day from Monday to
  Friday of the current week in Japan; one due on Monday that is still open on Wednesday is both overdue and due
  this week.
- "Stale" is the reminder rule's: in progress with no progress update for the department's `stale_after`
  business days.
- On-time completion counts the items closed in the last 90 calendar days (today included), comparing the day
  the lead submitted (in Japan) with the due date in force and with the original due date.
- The overdue trend counts, at the start of each Monday, the items that were assigned by then, whose due date in
  force today had passed, and that had not been submitted, closed or cancelled by then. It reads the items' own
  timestamps, not their history: an extension granted later moves an item out of the earlier weeks too, and an
  item returned after submission counts from its last submission.
"""

from __future__ import annotations

import datetime
import functools
import operator
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.models import Agency
from coordination.access import action_items_visible
from coordination.calendar import JAPAN, BusinessCalendar, get_calendar, start_of
from coordination.models import (
    ActionItem,
    Concurrence,
    Department,
    ExtensionRequest,
    Initiative,
    Meeting,
    ProgressUpdate,
    Reminder,
    ReminderPolicy,
    archived_condition,
)
from coordination.reminders.rules import Policy, after_business_days_cutoff
from coordination.workflow import Viewer

Status = ActionItem.Status
ASSIGNED_OPEN = (*ActionItem.ACTIVE_STATUSES, Status.SUBMITTED)
CONCURRENCE_OPEN = ASSIGNED_OPEN
ON_TIME_DAYS = 90
TREND_WEEKS = 12
ESCALATION_RULES = (
    Reminder.Rule.OVERDUE_COORDINATOR,
    Reminder.Rule.OVERDUE_DIRECTOR,
    Reminder.Rule.UNACKNOWLEDGED_ESCALATION,
)


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday and Friday of the week holding `day`."""
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=4)


def trend_mondays(today: datetime.date, weeks: int = TREND_WEEKS) -> list[datetime.date]:
    """The Mondays of the last `weeks` weeks, oldest first, ending with this week's."""
    monday, _friday = week_of(today)
    return [monday - datetime.timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


@dataclass
class ItemSets:
    """The named sets of items on one day. Each method returns a condition on `ActionItem`."""

    today: datetime.date
    calendar: BusinessCalendar
    stale_before: dict[int, datetime.date]  # department id -> last activity before this day is stale

    @classmethod
    def on(cls, today: datetime.date, *, calendar: BusinessCalendar | None = None) -> ItemSets:
        """The sets on `today`, with every department's stale cut-off (two queries, plus one for the calendar)."""
        calendar = calendar or get_calendar()
        rows = {policy.department_id: policy for policy in ReminderPolicy.objects.all()}
        stale_before = {}
        for department_id in Department.objects.values_list("id", flat=True):
            policy = Policy.from_model(rows[department_id]) if department_id in rows else Policy()
            stale_before[department_id] = after_business_days_cutoff(calendar, today, policy.stale_after)
        return cls(today=today, calendar=calendar, stale_before=stale_before)

    def open(self) -> Q:
        return Q(status__in=ASSIGNED_OPEN)

    def finished(self) -> Q:
        return Q(status__in=ActionItem.FINISHED_STATUSES)

    def archived(self) -> Q:
        """Finished longer ago than ARCHIVE_AFTER_DAYS: out of every working list and figure."""
        return archived_condition(self.today)

    def overdue(self) -> Q:
        return Q(status__in=ActionItem.ACTIVE_STATUSES, due_date__lt=self.today)

    def due_this_week(self) -> Q:
        monday, friday = week_of(self.today)
        return Q(status__in=ActionItem.ACTIVE_STATUSES, due_date__gte=monday, due_date__lte=friday)

    def due_soon(self, business_days: int = 5) -> Q:
        """Active, not overdue, and due within `business_days` business days."""
        up_to = self.calendar.add_business_days(self.today, business_days)
        return Q(status__in=ActionItem.ACTIVE_STATUSES, due_date__gte=self.today, due_date__lte=up_to)

    def unacknowledged(self) -> Q:
        return Q(status=Status.ASSIGNED)

    def stale(self) -> Q:
        """In progress, with the last activity (update, else acknowledgement, else assignment) before the cut-off."""
        condition = Q(pk__in=[])
        for department_id, day in self.stale_before.items():
            before = start_of(day)
            condition |= Q(department_id=department_id) & (
                Q(last_progress_at__lt=before)
                | Q(last_progress_at__isnull=True, acknowledged_at__lt=before)
                | Q(last_progress_at__isnull=True, acknowledged_at__isnull=True, assigned_at__lt=before)
            )
        return Q(status=Status.IN_PROGRESS) & condition

    def awaiting_concurrence(self, agency_id: int | None = None) -> Q:
        """Open items with a pending concurrence (of `agency_id`, when given)."""
        pending = Concurrence.objects.filter(action_item=OuterRef("pk"), state=Concurrence.State.PENDING)
        if agency_id is not None:
            pending = pending.filter(agency_id=agency_id)
        return Q(status__in=CONCURRENCE_OPEN) & Q(Exists(pending))

    def non_concurred(self) -> Q:
        """Open items with a non-concurrence the coordinators have not noted yet."""
        answers = Concurrence.objects.filter(
            action_item=OuterRef("pk"), state=Concurrence.State.NON_CONCUR, reviewed_at__isnull=True
        )
        return Q(status__in=CONCURRENCE_OPEN) & Q(Exists(answers))

    def escalated(self) -> Q:
        """Still overdue or unacknowledged after the reminder rules escalated them to the coordinators."""
        escalations = Reminder.objects.filter(action_item=OuterRef("pk"), rule__in=ESCALATION_RULES)
        return (self.overdue() | self.unacknowledged()) & Q(Exists(escalations))

    def extension_pending(self) -> Q:
        """Active items with an extension request waiting for a decision."""
        requests = ExtensionRequest.objects.filter(action_item=OuterRef("pk"), state=ExtensionRequest.State.PENDING)
        return Q(status__in=ActionItem.ACTIVE_STATUSES) & Q(Exists(requests))

    def declined(self) -> Q:
        """Back with the coordinators after the lead declined: a draft that was assigned before."""
        return Q(status=Status.DRAFT, first_assigned_at__isnull=False)

    def closed_recently(self, days: int = ON_TIME_DAYS) -> Q:
        since = start_of(self.today - datetime.timedelta(days=days - 1))
        return Q(status=Status.CLOSED, closed_at__gte=since)

    def on_time(self, against: str = "due") -> Q:
        """Closed recently and submitted on or before the due date in force (`due`) or the original (`original`)."""
        due = F("original_due_date") if against == "original" else F("due_date")
        return self.closed_recently() & Q(LessThanOrEqual(TruncDate("submitted_at", tzinfo=JAPAN), due))

    def done_by(self, monday: datetime.date) -> Q:
        """Submitted, closed or cancelled before the start of `monday`: out of that week's overdue count and of every
        later week's."""
        moment = start_of(monday)
        return (
            Q(status__in=[Status.SUBMITTED, Status.CLOSED], submitted_at__lt=moment)
            | Q(status=Status.CANCELLED, cancelled_at__lt=moment)
            | Q(status=Status.CANCELLED, cancelled_at__isnull=True)
        )

    def overdue_at(self, monday: datetime.date) -> Q:
        """Overdue at the start of `monday` (see the module's docstring for what this reads)."""
        moment = start_of(monday)
        return Q(first_assigned_at__lt=moment, due_date__lt=monday) & ~self.done_by(monday) & ~Q(status=Status.DRAFT)

    def counted_by_agency(self, mondays: list[datetime.date]) -> Q:
        """Every item one of the dashboard's per-agency figures may count (open, closed recently, or overdue in one
        of the trend's weeks, `mondays` oldest first): a cheap condition that lets the pass skip the rest (finished
        before the trend began) before it weighs the figures' conditions. What is done by the first Monday is done
        by every later one."""
        return self.open() | self.closed_recently() | (~self.done_by(mondays[0]) & ~Q(status=Status.DRAFT))

    def awaiting(self, viewer: Viewer) -> Q:
        """What waits on `viewer`: for a department's people its review queue; for a liaison, the agency's items to
        acknowledge, to work on and to concur on."""
        condition = Q(pk__in=[])
        departments = viewer.coordinator_department_ids | viewer.director_department_ids
        if viewer.is_superuser or departments:
            queue = (
                Q(status=Status.SUBMITTED)
                | self.declined()
                | self.non_concurred()
                | self.extension_pending()
                | self.escalated()
            )
            condition |= queue if viewer.is_superuser else Q(department_id__in=departments) & queue
        if viewer.liaison_agency_ids:
            agencies = viewer.liaison_agency_ids
            condition |= Q(lead_agency_id__in=agencies, status__in=ActionItem.ACTIVE_STATUSES)
            pending = Concurrence.objects.filter(
                action_item=OuterRef("pk"), state=Concurrence.State.PENDING, agency_id__in=agencies
            )
            condition |= Q(status__in=CONCURRENCE_OPEN) & Q(Exists(pending))
        return condition


# The sets counted per lead agency, in the order the dashboard shows them, with their column headings.
AGENCY_COLUMNS = (
    ("open", pgettext_lazy("items", "Open")),
    ("overdue", _("Overdue")),
    ("due_this_week", _("Due this week")),
    ("unacknowledged", _("Unacknowledged")),
    ("stale", _("Stale")),
    ("awaiting_concurrence", _("Concurrence owed")),  # the agency's own answers still pending, as a supporter
)


@dataclass
class AgencyRow:
    agency: Agency
    counts: dict[str, int]
    closed: int = 0
    on_time_due: int = 0
    on_time_original: int = 0

    def rate(self, on_time: int) -> int | None:
        return round(100 * on_time / self.closed) if self.closed else None

    @property
    def rate_due(self) -> int | None:
        return self.rate(self.on_time_due)

    @property
    def rate_original(self) -> int | None:
        return self.rate(self.on_time_original)


@dataclass
class Progress:
    """An initiative's or a meeting's items rolled up: how many, how far along, how many closed and overdue."""

    subject: Initiative | Meeting
    items: int
    closed: int
    overdue: int
    percent: int  # the mean percent complete, a closed item counting as 100


@dataclass
class Dashboard:
    today: datetime.date
    rows: list[AgencyRow]
    totals: AgencyRow
    trend: list[tuple[datetime.date, int]]
    initiatives: list[Progress] = field(default_factory=list)
    meetings: list[Progress] = field(default_factory=list)


PROGRESS_FIGURES = ("progress_items", "progress_closed", "progress_overdue", "progress_open_percent")


def _in_progress(keys: list[str]) -> Q:
    """The items an initiative's or a meeting's progress counts: neither drafts nor cancelled, with one of `keys`."""
    return ~Q(status__in=[Status.DRAFT, Status.CANCELLED]) & functools.reduce(
        operator.or_, (Q(**{f"{key}__isnull": False}) for key in keys)
    )


def _progress_figures(sets: ItemSets, keys: list[str]) -> dict:
    """The aggregates of one group's progress: how many items, closed, overdue, and the open ones' percent summed."""
    counted = _in_progress(keys)
    return {
        "progress_items": Count("pk", filter=counted),
        "progress_closed": Count("pk", filter=counted & Q(status=Status.CLOSED)),
        "progress_overdue": Count("pk", filter=counted & sets.overdue()),
        "progress_open_percent": Sum("percent_complete", filter=counted & ~Q(status=Status.CLOSED)),
    }


def _progress(rows: list[dict], subjects: dict[str, QuerySet]) -> dict[str, list[Progress]]:
    """`rows` (grouped by initiative and meeting, the keys of `subjects`, among other keys, with
    `_progress_figures`) summed per initiative and per meeting; then one query per subject."""
    result = {}
    for key in subjects:
        sums: dict[int, list[int]] = {}
        for row in rows:
            if row[key] is not None and row["progress_items"]:
                figures = sums.setdefault(row[key], [0, 0, 0, 0])
                for index, name in enumerate(PROGRESS_FIGURES):
                    figures[index] += row[name] or 0
        found = subjects[key].in_bulk(list(sums))
        result[key] = [
            Progress(found[pk], count, closed, overdue, round((100 * closed + open_percent) / count))
            for pk, (count, closed, overdue, open_percent) in sorted(sums.items())
            if pk in found
        ]
    return result


def dashboard(viewer: Viewer, *, today: datetime.date, sets: ItemSets | None = None) -> Dashboard:
    """The dashboard's figures over the items `viewer` sees on `today`, in a fixed number of queries."""
    sets = sets or ItemSets.on(today)
    items = action_items_visible(viewer).exclude(sets.archived())

    # One pass over the items: the per-agency figures, the overdue trend (summed over the agencies below) and the
    # initiatives' and meetings' progress, grouped by lead agency, initiative and meeting (a few hundred groups).
    # Each figure's filter implies the WHERE's half it belongs to, so the other half's rows count for nothing there.
    mondays = trend_mondays(today)
    keys = ["initiative", "meeting"]
    per_agency = {
        **{name: Count("pk", filter=getattr(sets, name)()) for name, _label in AGENCY_COLUMNS[:-1]},
        "closed": Count("pk", filter=sets.closed_recently()),
        "on_time_due": Count("pk", filter=sets.on_time("due")),
        "on_time_original": Count("pk", filter=sets.on_time("original")),
        **{f"week_{index}": Count("pk", filter=sets.overdue_at(monday)) for index, monday in enumerate(mondays)},
    }
    grouped = list(
        items.filter(sets.counted_by_agency(mondays) | _in_progress(keys))
        .values("lead_agency_id", *keys)
        .annotate(**per_agency, **_progress_figures(sets, keys))
        .order_by()
    )
    counted: dict[int, dict[str, int]] = {}
    for row in grouped:
        figures = counted.setdefault(row["lead_agency_id"], dict.fromkeys(per_agency, 0))
        for name in per_agency:
            figures[name] += row[name]
    trend = [
        (monday, sum(row.pop(f"week_{index}") for row in counted.values())) for index, monday in enumerate(mondays)
    ]
    # The answers owed, per agency and in items (one item may wait on several agencies), in one pass over them.
    agencies = Agency.objects.in_bulk()
    owed = Concurrence.objects.filter(
        state=Concurrence.State.PENDING, action_item__in=items.filter(status__in=CONCURRENCE_OPEN).values("pk")
    ).aggregate(
        items=Count("action_item_id", distinct=True),
        **{f"agency_{pk}": Count("pk", filter=Q(agency_id=pk)) for pk in agencies},
    )
    awaiting = {pk: owed[f"agency_{pk}"] for pk in agencies}

    rows, totals = [], AgencyRow(agency=None, counts={name: 0 for name, _label in AGENCY_COLUMNS})
    for agency in sorted(agencies.values(), key=lambda agency: agency.code):
        figures = counted.get(agency.pk, {})
        counts = {name: figures.get(name, 0) for name, _label in AGENCY_COLUMNS[:-1]}
        counts["awaiting_concurrence"] = awaiting.get(agency.pk, 0)
        if not any(counts.values()) and not figures.get("closed"):
            continue
        row = AgencyRow(
            agency=agency,
            counts=counts,
            closed=figures.get("closed", 0),
            on_time_due=figures.get("on_time_due", 0),
            on_time_original=figures.get("on_time_original", 0),
        )
        rows.append(row)
        for name, value in counts.items():
            totals.counts[name] += value
        totals.closed += row.closed
        totals.on_time_due += row.on_time_due
        totals.on_time_original += row.on_time_original
    totals.counts["awaiting_concurrence"] = owed["items"]  # items, not answers

    departments = viewer.coordinator_department_ids | viewer.director_department_ids
    initiatives = (
        Initiative.objects.all() if viewer.is_superuser else Initiative.objects.filter(department_id__in=departments)
    )
    meetings = Meeting.objects.all() if viewer.is_superuser else Meeting.objects.filter(department_id__in=departments)
    progress = _progress(grouped, {"initiative": initiatives, "meeting": meetings})
    return Dashboard(
        today=today,
        rows=rows,
        totals=totals,
        trend=trend,
        initiatives=progress["initiative"],
        meetings=progress["meeting"],
    )


# --- The director's brief and the meeting read-ahead ---------------------------------------------------------------


@dataclass
class WeekChange:
    """An item whose status or due date changed since Monday (or that was created since), as it stands now."""

    item: ActionItem
    status_before: str | None  # None: created this week
    due_before: datetime.date | None
    changed_at: datetime.datetime
    changed_by: str | None

    @property
    def status_before_label(self) -> str:
        return str(dict(Status.choices).get(self.status_before, self.status_before or ""))

    @property
    def status_changed(self) -> bool:
        return self.status_before != self.item.status

    @property
    def due_changed(self) -> bool:
        return self.status_before is not None and self.due_before != self.item.due_date


def week_changes(viewer: Viewer, *, today: datetime.date, limit: int = 200) -> tuple[list[WeekChange], int]:
    """Items whose status or due date changed this week (since Monday in Japan), newest change first, with how many
    there are in all; read from the history in one query whatever the number of items."""
    since = start_of(week_of(today)[0])
    history = ActionItem.history.model.objects.filter(id=OuterRef("pk"))
    this_week = history.filter(history_date__gte=since).order_by("-history_date", "-history_id")
    before = history.filter(history_date__lt=since).order_by("-history_date", "-history_id")
    items = (
        action_items_visible(viewer)
        .annotate(
            changed_at=Subquery(this_week.values("history_date")[:1]),
            changed_by=Subquery(this_week.values("history_user__username")[:1]),
            status_before=Subquery(before.values("status")[:1]),
            due_before=Subquery(before.values("due_date")[:1]),
        )
        .filter(changed_at__isnull=False)
        .filter(
            Q(status_before__isnull=True)
            | ~Q(status=F("status_before"))
            | Q(due_before__isnull=True, due_date__isnull=False)
            | ~Q(due_date=F("due_before"))
        )
        .select_related("lead_agency", "department")
        .order_by("-changed_at", "-pk")
    )
    total = items.count()
    changes = [
        WeekChange(item, item.status_before, item.due_before, item.changed_at, item.changed_by)
        for item in items[:limit]
    ]
    return changes, total


def escalated_items(viewer: Viewer, *, sets: ItemSets) -> QuerySet[ActionItem]:
    """Items still overdue or unacknowledged after the rules escalated them, most overdue first."""
    return (
        action_items_visible(viewer)
        .filter(sets.escalated())
        .select_related("lead_agency", "department", "coordinator")
        .order_by("due_date", "pk")
    )


def meeting_items(viewer: Viewer, meeting: Meeting) -> QuerySet[ActionItem]:
    """The meeting's items the viewer sees, with their agencies' answers and their latest progress update."""
    latest = ProgressUpdate.objects.filter(action_item=OuterRef("pk")).order_by("-created_at", "-id")
    concurrences = Concurrence.objects.select_related("agency").order_by("agency__code")
    return (
        action_items_visible(viewer)
        .filter(meeting=meeting)
        .exclude(status=Status.DRAFT, first_assigned_at__isnull=True)
        .annotate(
            last_update_text=Subquery(latest.values("text")[:1]),
            last_update_at=Subquery(latest.values("created_at")[:1]),
        )
        .select_related("lead_agency", "assigned_liaison__user")
        .prefetch_related(Prefetch("concurrences", queryset=concurrences))
        .order_by("due_date", "pk")
    )
