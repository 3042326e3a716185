"""Item lists and the dashboard's tables as sheets, in the reader's language, following the restricted-marking rule
for what leaves the system (`access.goes_outside`): of a restricted item only its id, titles and due date."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from coordination.access import goes_outside
from coordination.dashboard import AGENCY_COLUMNS, Dashboard
from coordination.models import ActionItem, Concurrence

from .columns import ITEM_COLUMNS
from .writers import Sheet

RESTRICTED_MARK = "—"


def items_for_export(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    """`items` with everything the sheet reads, in a fixed number of queries."""
    concurrences = Concurrence.objects.select_related("agency").order_by("agency__code")
    return (
        items.select_related(
            "department", "lead_agency", "coordinator", "initiative", "meeting", "assigned_liaison__user"
        )
        .prefetch_related(None)
        .prefetch_related(Prefetch("concurrences", queryset=concurrences))
    )


def item_sheet(items: QuerySet[ActionItem]) -> Sheet:
    """One row per item, in the order given; a restricted item's other cells read "—"."""
    sheet = Sheet(title=_("Action items"), headings=[str(column.heading) for column in ITEM_COLUMNS])
    for item in items_for_export(items):
        sheet.rows.append(
            [column.read(item) if goes_outside(item, column.key) else RESTRICTED_MARK for column in ITEM_COLUMNS]
        )
    return sheet


def dashboard_sheets(figures: Dashboard) -> dict[str, Sheet]:
    """The dashboard's tables, by name: agencies, on_time, trend, initiatives, meetings."""
    all_rows = [*figures.rows, figures.totals]

    def agency_name(row):
        return row.agency.code if row.agency else _("All agencies")

    agencies = Sheet(_("By lead agency"), [_("Agency"), *(str(label) for _name, label in AGENCY_COLUMNS)])
    agencies.rows = [[agency_name(row), *(row.counts[name] for name, _label in AGENCY_COLUMNS)] for row in all_rows]
    on_time = Sheet(
        _("On-time completion"),
        [
            _("Agency"),
            _("Closed in the last 90 days"),
            _("On time (due date in force)"),
            _("Rate (due date in force, %)"),
            _("On time (original due date)"),
            _("Rate (original due date, %)"),
        ],
    )
    on_time.rows = [
        [agency_name(row), row.closed, row.on_time_due, row.rate_due, row.on_time_original, row.rate_original]
        for row in all_rows
    ]
    trend = Sheet(_("Overdue by week"), [_("Week starting"), _("Overdue items")])
    trend.rows = [[monday, count] for monday, count in figures.trend]

    def progress(title, entries):
        sheet = Sheet(title, [_("Title"), _("Items"), _("Closed"), _("Overdue"), _("Progress (%)")])
        sheet.rows = [[str(e.subject), e.items, e.closed, e.overdue, e.percent] for e in entries]
        return sheet

    return {
        "agencies": agencies,
        "on_time": on_time,
        "trend": trend,
        "initiatives": progress(_("Initiatives"), figures.initiatives),
        "meetings": progress(_("Meetings"), figures.meetings),
    }


def _outside(item: ActionItem, field: str, value):
    return value if goes_outside(item, field) else RESTRICTED_MARK


def brief_sheets(figures: Dashboard, changes, escalated) -> list[Sheet]:
    """The director's brief: overdue and on-time by ministry (the dashboard's own figures), this week's changes,
    and the escalated items."""
    tables = dashboard_sheets(figures)
    change_sheet = Sheet(
        _("Changed this week"),
        [_("ID"), _("Title"), _("Lead agency"), _("Status before"), _("Status now"), _("Due before"), _("Due now"),
         _("Changed at"), _("Changed by")],
    )  # fmt: skip
    statuses = dict(ActionItem.Status.choices)
    for change in changes:
        item = change.item
        change_sheet.rows.append(
            [
                item.pk,
                item.display_title,
                _outside(item, "lead_agency", item.lead_agency.code),
                _outside(item, "status", str(statuses.get(change.status_before, _("(new)")))),
                _outside(item, "status", item.get_status_display()),
                _outside(item, "due_date", change.due_before),
                item.due_date,
                _outside(item, "updated_at", change.changed_at),
                _outside(item, "changed_by", change.changed_by or ""),
            ]
        )
    escalated_sheet = Sheet(
        _("Escalated"), [_("ID"), _("Title"), _("Lead agency"), _("Status"), _("Due date"), _("Coordinator")]
    )
    for item in escalated:
        escalated_sheet.rows.append(
            [
                item.pk,
                item.display_title,
                _outside(item, "lead_agency", item.lead_agency.code),
                _outside(item, "status", item.get_status_display()),
                item.due_date,
                _outside(item, "coordinator", item.coordinator.username if item.coordinator_id else ""),
            ]
        )
    return [tables["agencies"], tables["on_time"], change_sheet, escalated_sheet]


def read_ahead_sheet(items) -> Sheet:
    """A meeting's items: status, lead and supporting agencies with their answers, due date, last update."""
    sheet = Sheet(
        _("Read-ahead"),
        [_("ID"), _("Title"), _("Status"), _("Lead agency"), _("Supporting agencies (OCR)"), _("Due date"),
         _("Last update"), _("Last update at")],
    )  # fmt: skip
    for item in items:
        answers = "; ".join(f"{c.agency.code}: {c.get_state_display()}" for c in item.concurrences.all())
        sheet.rows.append(
            [
                item.pk,
                item.display_title,
                _outside(item, "status", item.get_status_display()),
                _outside(item, "lead_agency", item.lead_agency.code),
                _outside(item, "supporting_agencies", answers),
                item.due_date,
                _outside(item, "last_update", item.last_update_text or ""),
                _outside(item, "last_update", item.last_update_at),
            ]
        )
    return sheet
