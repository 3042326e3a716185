"""The action-item list's filters. The named sets (overdue, stale, awaiting me, ...) are `dashboard.ItemSets`, so a
dashboard number and the list it links to apply the same condition.

Every item list opens on the work still open: closed and cancelled items are behind the "State" filter, and those
finished longer ago than ARCHIVE_AFTER_DAYS behind its "Archive" choice alone.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from coordination.calendar import japan_today
from coordination.dashboard import ItemSets, trend_mondays
from coordination.models import ActionItem, Concurrence
from coordination.selectors import request_viewer


def item_sets(request) -> ItemSets:
    """The named sets on today's date in Japan, worked out once per request."""
    sets = getattr(request, "_tracker_item_sets", None)
    if sets is None:
        sets = request._tracker_item_sets = ItemSets.on(japan_today())
    return sets


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"
    OPEN, FINISHED, ALL, ARCHIVED = "open", "finished", "all", "archived"

    def lookups(self, request, model_admin):
        return [
            (self.FINISHED, _("Closed or cancelled")),
            (self.ALL, _("All (but the archive)")),
            (self.ARCHIVED, _("Archive (finished over %(days)d days ago)") % {"days": settings.ARCHIVE_AFTER_DAYS}),
        ]

    def choices(self, changelist):
        """The default (no parameter) is the open work, shown first as "Open"."""
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Open (not closed or cancelled)"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        archived = item_sets(request).archived()
        if value is None:
            return queryset.filter(status__in=ActionItem.OPEN_STATUSES)  # as the index of open work says it
        if value == self.FINISHED:
            return queryset.filter(status__in=ActionItem.FINISHED_STATUSES).exclude(archived)
        if value == self.ALL:
            return queryset.exclude(archived)
        if value == self.ARCHIVED:
            return queryset.filter(archived)
        raise IncorrectLookupParameters(_("Unknown state."))


class ItemSetFilter(admin.SimpleListFilter):
    """A yes-only filter for one named set of `ItemSets`."""

    set_name = ""
    label = ""

    def lookups(self, request, model_admin):
        return [("yes", self.label)]

    def condition(self, request, value) -> Q:
        if value != "yes":
            raise IncorrectLookupParameters(_("Unknown value for “%(filter)s”.") % {"filter": self.title})
        return getattr(item_sets(request), self.set_name)()

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value is None else queryset.filter(self.condition(request, value))


def _set_filter(set_name: str, title, label) -> type[ItemSetFilter]:
    return type(
        f"{set_name.title().replace('_', '')}Filter",
        (ItemSetFilter,),
        {"set_name": set_name, "parameter_name": set_name, "title": title, "label": label},
    )


OpenFilter = _set_filter("open", _("assigned and open"), _("Assigned, not yet closed"))
OverdueFilter = _set_filter("overdue", _("overdue"), _("Overdue"))
DueThisWeekFilter = _set_filter("due_this_week", _("due this week"), _("Due Monday to Friday this week"))
UnacknowledgedFilter = _set_filter("unacknowledged", _("unacknowledged"), _("Not yet acknowledged"))
StaleFilter = _set_filter("stale", _("stale"), _("No progress update for a while"))
ExtensionPendingFilter = _set_filter(
    "extension_pending", _("extension requested"), _("Extension request waiting for a decision")
)
NonConcurredFilter = _set_filter("non_concurred", _("non-concurrence"), _("Non-concurrence not yet noted"))
DeclinedFilter = _set_filter("declined", _("declined"), _("Declined by the lead agency"))
EscalatedFilter = _set_filter("escalated", _("escalated"), _("Escalated and still overdue or unacknowledged"))
ClosedRecentlyFilter = _set_filter("closed_recently", _("closed recently"), _("Closed in the last 90 days"))


class AwaitingMeFilter(ItemSetFilter):
    title = _("awaiting me")
    parameter_name = "awaiting_me"
    label = _("Waiting on me")

    def condition(self, request, value):
        super().condition(request, value)  # refuses a value other than "yes"
        return item_sets(request).awaiting(request_viewer(request))


class OnTimeFilter(ItemSetFilter):
    title = _("closed on time")
    parameter_name = "on_time"

    def lookups(self, request, model_admin):
        return [("due", _("By the due date in force")), ("original", _("By the original due date"))]

    def condition(self, request, value):
        if value not in ("due", "original"):
            raise IncorrectLookupParameters(_("Unknown value for “%(filter)s”.") % {"filter": self.title})
        return item_sets(request).on_time(value)


class OverdueAtFilter(ItemSetFilter):
    title = _("overdue at the start of the week")
    parameter_name = "overdue_at"

    def lookups(self, request, model_admin):
        return [(monday.isoformat(), monday.isoformat()) for monday in reversed(trend_mondays(japan_today()))]

    def condition(self, request, value):
        try:
            monday = datetime.date.fromisoformat(value)
        except ValueError as error:
            raise IncorrectLookupParameters(_("Give a date as YYYY-MM-DD.")) from error
        return item_sets(request).overdue_at(monday)


class AwaitingConcurrenceFilter(ItemSetFilter):
    title = _("awaiting concurrence")
    parameter_name = "awaiting_concurrence"

    def lookups(self, request, model_admin):
        return [
            ("any", _("From any agency")),
            *((str(pk), code) for pk, code in Agency.objects.values_list("pk", "code")),
        ]

    def condition(self, request, value):
        if value == "any":
            return item_sets(request).awaiting_concurrence()
        if not value.isdigit():
            raise IncorrectLookupParameters(_("Unknown value for “%(filter)s”.") % {"filter": self.title})
        return item_sets(request).awaiting_concurrence(int(value))


class SupportingAgencyFilter(admin.SimpleListFilter):
    title = _("supporting agency")
    parameter_name = "supporting_agency"

    def lookups(self, request, model_admin):
        return list(Agency.objects.values_list("pk", "code"))

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            raise IncorrectLookupParameters(_("Unknown value for “%(filter)s”.") % {"filter": self.title})
        return queryset.filter(pk__in=Concurrence.objects.filter(agency_id=value).values("action_item_id"))


class AssignedToMeFilter(admin.SimpleListFilter):
    title = _("assigned liaison")
    parameter_name = "assigned_to_me"

    def lookups(self, request, model_admin):
        return [("yes", _("Assigned to me"))] if request_viewer(request).is_liaison else []

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if self.value() != "yes":
            raise IncorrectLookupParameters(_("Unknown value for “%(filter)s”.") % {"filter": self.title})
        return queryset.filter(assigned_liaison__user=request.user)
