"""The console's own pages: the admin's home (the dashboard for a department's people, the liaison home for
liaisons) and the review queue. Figures and sets come from `coordination.dashboard`; every write goes through a
service; every number links to the item list that shows exactly what it counts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import admin
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext as _

from coordination.dashboard import AGENCY_COLUMNS, dashboard
from coordination.models import ActionItem
from coordination.selectors import request_viewer
from coordination.sheets.exports import dashboard_sheets
from coordination.sheets.writers import sheet_download

from . import importing, liaison_home, reports, review_queue
from .filters import item_sets

PROGRESSING = ",".join([*ActionItem.ACTIVE_STATUSES, ActionItem.Status.SUBMITTED, ActionItem.Status.CLOSED])


@functools.lru_cache(maxsize=8)
def _item_list_path(script_prefix: str) -> str:
    """The item list's path under `script_prefix` (which `reverse` reads): the dashboard links some 200 numbers to it,
    and resolving the name each time was a tenth of the page's Python."""
    return reverse("admin:coordination_actionitem_changelist")


def item_list_url(**params) -> str:
    """The item list filtered by `params` (the list filters' parameters)."""
    url = _item_list_path(get_script_prefix())
    return f"{url}?{urlencode(params)}" if params else url


@dataclass
class Cell:
    """A number on the dashboard and the list it counts."""

    value: int
    url: str
    alert: bool = False
    name: str = ""  # what it counts, for scripts and tests reading the page (data-cell)


@dataclass
class Bar:
    label: str
    value: int
    url: str
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0


def chart(bars: list[Bar], *, height: int = 180, bar_width: int = 30, gap: int = 14) -> dict:
    """Lay out a bar chart (drawn as SVG by the template): the bars' boxes, the axis, and the chart's size."""
    top, bottom, left = 18, 34, 12
    plot = height - top - bottom
    largest = max((bar.value for bar in bars), default=0) or 1
    for index, bar in enumerate(bars):
        bar.width = bar_width
        bar.height = round(plot * bar.value / largest, 1)
        bar.x = left + index * (bar_width + gap)
        bar.y = top + plot - bar.height
    width = left * 2 + max(len(bars), 1) * (bar_width + gap)
    return {"bars": bars, "width": width, "height": height, "baseline": top + plot, "label_y": height - 12}


def dashboard_view(site, request, extra_context=None):
    viewer = request_viewer(request)
    sets = item_sets(request)
    figures = dashboard(viewer, today=sets.today, sets=sets)

    rows = []
    for row in [*figures.rows, figures.totals]:
        agency_id = row.agency.pk if row.agency else None
        code = row.agency.code if row.agency else "all"
        lead = {"lead_agency__id__exact": agency_id} if agency_id else {}
        counts = []
        for name, _label in AGENCY_COLUMNS:
            if name == "awaiting_concurrence":
                url = item_list_url(awaiting_concurrence=agency_id or "any")
            else:
                url = item_list_url(**lead, **{name: "yes"})
            alert = name == "overdue" and row.counts[name] > 0
            counts.append(Cell(row.counts[name], url, alert=alert, name=f"{code}-{name}"))
        finished = {**lead, "state": "all"}
        rows.append(
            {
                "agency": row.agency,
                "counts": counts,
                "closed": Cell(row.closed, item_list_url(**finished, closed_recently="yes"), name=f"{code}-closed"),
                "on_time_due": Cell(row.on_time_due, item_list_url(**finished, on_time="due")),
                "on_time_original": Cell(row.on_time_original, item_list_url(**finished, on_time="original")),
                "rate_due": row.rate_due,
                "rate_original": row.rate_original,
            }
        )
    overdue_bars = [
        Bar(row.agency.code, row.counts["overdue"], item_list_url(lead_agency__id__exact=row.agency.pk, overdue="yes"))
        for row in figures.rows
    ]
    trend_bars = [
        Bar(f"{monday.month}/{monday.day}", count, item_list_url(overdue_at=monday.isoformat(), state="all"))
        for monday, count in figures.trend
    ]

    def progress_rows(progress, key):
        rows = []
        for entry in progress:
            subject = {f"{key}__id__exact": entry.subject.pk}
            rows.append(
                {
                    "subject": entry.subject,
                    "items": Cell(entry.items, item_list_url(**subject, status__in=PROGRESSING, state="all")),
                    "closed": Cell(entry.closed, item_list_url(**subject, status__exact="closed", state="all")),
                    "overdue": Cell(entry.overdue, item_list_url(**subject, overdue="yes"), alert=entry.overdue > 0),
                    "percent": entry.percent,
                    "read_ahead_url": reverse("admin:report_read_ahead", args=[entry.subject.pk])
                    if key == "meeting"
                    else "",
                }
            )
        return rows

    shared = site.each_context(request)
    context = {
        **shared,
        "title": _("Dashboard"),
        "subtitle": None,
        "today": figures.today,
        "columns": [label for _name, label in AGENCY_COLUMNS],
        "rows": rows,
        "overdue_chart": chart(overdue_bars),
        "trend_chart": chart(trend_bars, bar_width=34, gap=10),
        "initiatives": progress_rows(figures.initiatives, "initiative"),
        "meetings": progress_rows(figures.meetings, "meeting"),
        "queue_count": review_queue.queue_size(viewer, sets=sets),
        "queue_url": reverse("admin:review_queue"),
        "awaiting_me_url": item_list_url(awaiting_me="yes"),
        "export_url": reverse("admin:dashboard_export"),
        "brief_url": reverse("admin:report_brief"),
        "app_list": shared["available_apps"],  # each_context built it already
        **(extra_context or {}),
    }
    request.current_app = site.name
    return TemplateResponse(request, "admin/tracker/dashboard.html", context)


def dashboard_export_view(site, request):
    """The dashboard's tables as one XLSX file, or one of them (`table`) as CSV."""
    viewer = request_viewer(request)
    if not viewer.is_coordinating:
        raise Http404(_("The dashboard is for a department's coordinators and directors."))
    sets = item_sets(request)
    sheets = dashboard_sheets(dashboard(viewer, today=sets.today, sets=sets))
    file_format = request.GET.get("format", "xlsx")
    table = request.GET.get("table", "")
    if file_format not in ("xlsx", "csv") or (file_format == "csv" and table not in sheets):
        raise Http404(_("Ask for format=xlsx, or format=csv with a table: %(tables)s.") % {"tables": ", ".join(sheets)})
    chosen = [sheets[table]] if file_format == "csv" else list(sheets.values())
    stem = f"dashboard-{table + '-' if file_format == 'csv' else ''}{sets.today}"
    return sheet_download(chosen, file_format=file_format, stem=stem)


def home(site, request, extra_context=None):
    """The admin's index: the dashboard for a department's people and superusers, the home for liaisons."""
    viewer = request_viewer(request)
    if viewer.is_coordinating:
        return dashboard_view(site, request, extra_context)
    return liaison_home.home_view(site, request, extra_context)


admin.site.home = home
admin.site.add_page("review/", review_queue.queue_view, "review_queue")
admin.site.add_page("review/decide/", review_queue.decide_view, "review_decide")
admin.site.add_page("home/act/", liaison_home.act_view, "liaison_act")
admin.site.add_page("dashboard/export/", dashboard_export_view, "dashboard_export")
admin.site.add_page("import/", importing.upload_view, "import_upload")
admin.site.add_page("import/<int:batch_id>/confirm/", importing.confirm_view, "import_confirm")
admin.site.add_page("import/template/", importing.template_view, "import_template")
admin.site.add_page("reports/brief/", reports.brief_view, "report_brief")
admin.site.add_page("reports/meeting/<int:meeting_id>/", reports.read_ahead_view, "report_read_ahead")
