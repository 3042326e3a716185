"""Reports to take to a meeting: the director's brief and a meeting's read-ahead, each a print-friendly page (the
console's print styles drop the admin's header and links) and an XLSX download (`?format=xlsx`). Their figures
are the dashboard's own selectors."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from coordination.access import restrict
from coordination.dashboard import dashboard, escalated_items, meeting_items, week_changes, week_of
from coordination.models import Meeting
from coordination.selectors import request_viewer
from coordination.sheets.exports import brief_sheets, read_ahead_sheet
from coordination.sheets.writers import sheet_download

from .display import concurrence_summary, due_text, status_badge
from .filters import item_sets

ESCALATED_SHOWN = 100


def brief_view(site, request):
    viewer = request_viewer(request)
    if not viewer.is_coordinating:
        raise Http404(_("The director's brief is for a department's coordinators and directors."))
    sets = item_sets(request)
    figures = dashboard(viewer, today=sets.today, sets=sets)
    changes, changes_total = week_changes(viewer, today=sets.today)
    escalated = escalated_items(viewer, sets=sets)
    if request.GET.get("format") == "xlsx":
        sheets = brief_sheets(figures, changes, escalated)
        return sheet_download(sheets, file_format="xlsx", stem=f"directors-brief-{sets.today}")
    escalated_total = escalated.count()
    context = {
        **site.each_context(request),
        "title": _("Director's brief"),
        "today": sets.today,
        "monday": week_of(sets.today)[0],
        "rows": [*figures.rows, figures.totals],
        "changes": changes,
        "changes_total": changes_total,
        "escalated": [
            {
                "item": item,
                "status": status_badge(item),
                "due": due_text(item, today=sets.today, calendar=sets.calendar),
            }
            for item in escalated[:ESCALATED_SHOWN]
        ],
        "escalated_total": escalated_total,
        "download_url": reverse("admin:report_brief") + "?format=xlsx",
    }
    request.current_app = site.name
    return TemplateResponse(request, "admin/tracker/brief.html", context)


def read_ahead_view(site, request, meeting_id):
    viewer = request_viewer(request)
    meeting = get_object_or_404(restrict(Meeting, viewer).select_related("department"), pk=meeting_id)
    sets = item_sets(request)
    items = meeting_items(viewer, meeting)
    if request.GET.get("format") == "xlsx":
        return sheet_download([read_ahead_sheet(items)], file_format="xlsx", stem=f"read-ahead-{meeting.pk}")
    context = {
        **site.each_context(request),
        "title": _("Read-ahead: %(meeting)s") % {"meeting": meeting},
        "meeting": meeting,
        "entries": [
            {
                "item": item,
                "status": status_badge(item),
                "due": due_text(item, today=sets.today, calendar=sets.calendar),
                "concurrence": concurrence_summary(item.concurrences.all()),
            }
            for item in items
        ],
        "download_url": reverse("admin:report_read_ahead", args=[meeting.pk]) + "?format=xlsx",
    }
    request.current_app = site.name
    return TemplateResponse(request, "admin/tracker/read_ahead.html", context)
