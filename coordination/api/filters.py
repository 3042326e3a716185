"""Query parameters of the action-item list, for tool authors: filters, search and ordering."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend, OrderingFilter

from agencies.models import OrgUnit
from coordination.calendar import japan_today
from coordination.models import ActionItem, Concurrence, Reminder, archived_condition, current_condition, due_order
from coordination.search import items_search, search_terms

STATUS_VALUES = [value for value, _label in ActionItem.Status.choices]
MAX_ID = 2**31 - 1
# Items without a due date (drafts) sort after every dated item.


class IdFilter(django_filters.NumberFilter):
    """A database id: a whole number in the range ids can take, else a clear 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
        # The schema of this parameter, with its own description (drf-spectacular reads it from the instance).
        self._spectacular_annotation = {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_ID,
            "description": str(self.extra.get("help_text", "")),
        }


class CodeListFilter(django_filters.CharFilter):
    """Comma-separated values; any of them matches. Unknown values are an error, not an empty answer."""

    def __init__(self, *args, allowed=None, **kwargs):
        self.allowed = allowed
        super().__init__(*args, **kwargs)

    def split(self, value: str) -> list[str]:
        values = [part.strip() for part in value.split(",") if part.strip()]
        if self.allowed is not None:
            unknown = sorted(set(values) - set(self.allowed))
            if unknown:
                raise ValidationError(
                    {self.field_name: [_("Unknown value: %(values)s.") % {"values": ", ".join(unknown)}]}
                )
        return values

    def filter(self, queryset, value):
        if not value:
            return queryset
        return queryset.filter(**{f"{self.field_name}__in": self.split(value)})


class SupportingAgencyFilter(CodeListFilter):
    def filter(self, queryset, value):
        if not value:
            return queryset
        items = Concurrence.objects.filter(agency__code__in=self.split(value)).values("action_item_id")
        return queryset.filter(pk__in=items)


class ActionItemFilter(django_filters.FilterSet):
    status = CodeListFilter(
        field_name="status", allowed=STATUS_VALUES, help_text=_("Comma-separated statuses, e.g. assigned,blocked.")
    )
    lead_agency = CodeListFilter(field_name="lead_agency__code", help_text=_("Agency codes, comma-separated."))
    supporting_agency = SupportingAgencyFilter(
        field_name="supporting_agency", help_text=_("Agency codes, comma-separated.")
    )
    department = CodeListFilter(field_name="department__code", help_text=_("Department codes, comma-separated."))
    initiative = IdFilter(field_name="initiative_id", help_text=_("Initiative id."))
    assigned_liaison = IdFilter(field_name="assigned_liaison_id", help_text=_("Liaison id."))
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", help_text=_("true: open items past their due date.")
    )
    unacknowledged = django_filters.BooleanFilter(
        method="filter_unacknowledged", help_text=_("true: assigned and not yet acknowledged.")
    )
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lt", help_text=_("Due before this day."))
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gt", help_text=_("Due after this day."))
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=_("ISO 8601 date and time with offset: items changed at or after it (incremental sync)."),
    )
    archived = django_filters.BooleanFilter(
        method="filter_archived",
        help_text=_(
            "true: only the archive (items closed or cancelled longer ago than the archive period); false or "
            "absent: everything else. An archived item's own address answers whatever this says."
        ),
    )

    class Meta:
        model = ActionItem
        fields = []

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        view = (getattr(self.request, "parser_context", None) or {}).get("view")
        listing = not getattr(view, "detail", False)  # an item's own address finds it, archived or not
        if listing and self.form.cleaned_data.get("archived") is None:  # lists leave the archive out unless asked
            queryset = queryset.filter(current_condition(japan_today()))
        return queryset

    def filter_archived(self, queryset, name, value):
        archived = archived_condition(japan_today())
        return queryset.filter(archived) if value else queryset.filter(current_condition(japan_today()))

    def filter_overdue(self, queryset, name, value):
        overdue = {"status__in": ActionItem.ACTIVE_STATUSES, "due_date__lt": japan_today()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)

    def filter_unacknowledged(self, queryset, name, value):
        return (
            queryset.filter(status=ActionItem.Status.ASSIGNED)
            if value
            else queryset.exclude(status=ActionItem.Status.ASSIGNED)
        )


# The order of a search's results unless another is asked for: best matches first, then by id.
SEARCH_ORDER = ("-search_rank", "id")


class ItemSearchFilter(BaseFilterBackend):
    """search=words: items holding every word in a title, the description, the external id, a progress update or an
    attached file's name (Japanese or English, any width or case), best matches first unless ordering is given."""

    search_param = "search"

    def filter_queryset(self, request, queryset, view):
        query = request.query_params.get(self.search_param, "")
        # A page of the search in its own order is read from these, the items before and after it (pagination.py).
        view.items_before_search = queryset
        view.items_searched = items_search(queryset, query) if query.strip() else queryset
        return view.items_searched

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.search_param,
                "required": False,
                "in": "query",
                "description": str(
                    _(
                        "Words to find in the titles (English and Japanese), description, external id, progress "
                        "updates and attached file names; every word must occur. Best matches first unless "
                        "ordering is given."
                    )
                ),
                "schema": {"type": "string"},
            }
        ]


class ItemOrderingFilter(OrderingFilter):
    """ordering=due_date|priority|updated_at, with - for descending; ties are broken by id so pages are stable."""

    ordering_fields = ["due_date", "priority", "updated_at"]
    internal = {"due_date": "due_order", "priority": "priority", "updated_at": "updated_at"}

    def get_ordering(self, request, queryset, view):
        requested = request.query_params.get(self.ordering_param)
        if not requested:
            if search_terms(request.query_params.get(ItemSearchFilter.search_param, "")):
                return SEARCH_ORDER
            return ("updated_at", "id")
        names = [name.strip() for name in requested.split(",") if name.strip()]
        unknown = [name for name in names if name.lstrip("-") not in self.internal]
        if unknown or len(names) != 1:
            raise ValidationError(
                {self.ordering_param: [_("Order by one of due_date, priority, updated_at (with - for descending).")]}
            )
        name = names[0]
        descending = name.startswith("-")
        field = self.internal[name.lstrip("-")]
        return (f"-{field}" if descending else field, "-id" if descending else "id")

    def filter_queryset(self, request, queryset, view):
        queryset = queryset.annotate(due_order=due_order())
        return queryset.order_by(*self.get_ordering(request, queryset, view))

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {
                "type": "string",
                "enum": ["due_date", "-due_date", "priority", "-priority", "updated_at", "-updated_at"],
            }
        return parameters


class ReminderFilter(django_filters.FilterSet):
    action_item = IdFilter(field_name="action_item_id", help_text=_("Action item id."))
    recipient = django_filters.CharFilter(field_name="recipient__username", help_text=_("Username."))
    rule = CodeListFilter(
        field_name="rule",
        allowed=[value for value, _label in Reminder.Rule.choices],
        help_text=_("Rules, comma-separated, e.g. overdue,due_soon."),
    )
    state = CodeListFilter(
        field_name="state",
        allowed=[value for value, _label in Reminder.State.choices],
        help_text=_("Delivery states, comma-separated: pending, sending, sent, failed, withheld."),
    )

    class Meta:
        model = Reminder
        fields = []


class OrgUnitFilter(django_filters.FilterSet):
    agency__code = django_filters.CharFilter(
        field_name="agency__code", help_text=_("The code of the agency the units belong to, e.g. MOD.")
    )

    class Meta:
        model = OrgUnit
        fields = []
