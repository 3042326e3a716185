"""How an item's state reads on the console's pages: status badges, due dates in business days, progress bars and
concurrence summaries. Styles are in `coordination/static/coordination/console.css` (no inline styles)."""

from __future__ import annotations

import datetime

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coordination.calendar import BusinessCalendar, get_calendar
from coordination.models import ActionItem, Concurrence


def status_badge(item: ActionItem) -> str:
    return format_html('<span class="tracker-badge tracker-badge-{}">{}</span>', item.status, item.get_status_display())


def due_phrase(item: ActionItem, *, today: datetime.date, calendar: BusinessCalendar) -> tuple[str, str]:
    """("overdue" | "today" | "soon" | "later" | "", a phrase in business days) for an item being worked on."""
    if item.due_date is None or item.status not in ActionItem.ACTIVE_STATUSES:
        return "", ""
    if item.due_date < today:
        days = max(calendar.business_days_between(item.due_date, today), 1)
        return "overdue", ngettext("%(count)d business day overdue", "%(count)d business days overdue", days) % {
            "count": days
        }
    if item.due_date == today:
        return "today", _("due today")
    days = max(calendar.business_days_between(today, item.due_date), 1)
    phrase = ngettext("due in %(count)d business day", "due in %(count)d business days", days) % {"count": days}
    return ("soon" if days <= 3 else "later"), phrase


def due_text(item: ActionItem, *, today: datetime.date, calendar: BusinessCalendar | None = None) -> str:
    """The due date in the reader's date format, and how far it is in business days while the lead works on it."""
    if item.due_date is None:
        return "—"
    kind, phrase = due_phrase(item, today=today, calendar=calendar or get_calendar())
    shown = date_format(item.due_date, "DATE_FORMAT")
    if not phrase:
        return shown
    return format_html('{}<br><span class="tracker-due tracker-due-{}">{}</span>', shown, kind, phrase)


def progress_bar(percent: int) -> str:
    label = _("%(percent)d%% complete") % {"percent": percent}
    return format_html(
        '<progress class="tracker-progress" max="100" value="{}" aria-label="{}"></progress> <span>{}%</span>',
        percent,
        label,
        percent,
    )


CONCURRENCE_MARKS = {
    Concurrence.State.CONCUR: ("✓", "concur"),
    Concurrence.State.NON_CONCUR: ("✗", "non-concur"),
    Concurrence.State.PENDING: ("…", "pending"),
}


def concurrence_summary(concurrences) -> str:
    """Each supporting agency with a mark for its answer (concur ✓, non-concur ✗, pending …)."""
    concurrences = list(concurrences)
    if not concurrences:
        return "—"
    return format_html_join(
        " ",
        '<span class="tracker-concurrence tracker-concurrence-{}" title="{}">{} {}</span>',
        (
            (CONCURRENCE_MARKS[c.state][1], c.get_state_display(), c.agency.code, CONCURRENCE_MARKS[c.state][0])
            for c in concurrences
        ),
    )
