"""Cursor pagination: pages stay stable while items are inserted or changed, which incremental sync needs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from coordination.search import ranked_page

from .filters import SEARCH_ORDER, ItemSearchFilter


class UpdatedCursorPagination(CursorPagination):
    """Pages of `page_size` (at most 200), oldest change first by default: sync with ordering=updated_at."""

    ordering = ("updated_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        """A page_size that is not a whole number from 1 is an error, not silently the default; above 200 is 200."""
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not value.isdigit() or int(value) < 1:
            raise ValidationError({self.page_size_query_param: [_("Give a whole number from 1 to 200.")]})
        return min(int(value), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters


class ReferenceCursorPagination(UpdatedCursorPagination):
    """Reference data (agencies, units, liaisons, ...) in a fixed order by id."""

    ordering = ("id",)


class NewestFirstCursorPagination(UpdatedCursorPagination):
    """Records that are only ever added (the reminder ledger), newest first."""

    ordering = ("-id",)


class TokenCursorPagination(UpdatedCursorPagination):
    """Tokens, newest first (their key is not their id: they page by issue time and public id)."""

    ordering = ("-created", "public_id")


class ItemCursorPagination(UpdatedCursorPagination):
    """Items, filtered and ordered, paged as the view's `page_rows`. A search in its own order (best matches first)
    is read by `search.ranked_page` instead, from the items before and after the search (`ItemSearchFilter` keeps them
    on the view); its cursor holds the last item's rank and id, so pages never overlap however many items share a
    rank."""

    def paginate_queryset(self, queryset, request, view=None):
        if self.get_ordering(request, queryset, view) == SEARCH_ORDER:
            query = request.query_params.get(ItemSearchFilter.search_param, "")
            rows = RankedSearchResults(view.items_before_search, view.items_searched, view.page_rows, query)
        else:
            rows = view.page_rows(queryset)
        return super().paginate_queryset(rows, request, view)

    def _get_position_from_instance(self, instance, ordering):
        if tuple(ordering) == SEARCH_ORDER:
            return f"{instance['search_rank']}.{instance['id']}"
        return super()._get_position_from_instance(instance, ordering)


class RankedSearchResults:
    """A search's results as the cursor pagination asks for them (ordered, past a position, sliced), read by
    `search.ranked_page` from the `items` searched and the `matches` the search found among them."""

    def __init__(
        self, items, matches, rows, query: str, *, backwards: bool = False, after: tuple[int, int] | None = None
    ):
        self.items, self.matches, self.rows, self.query = items, matches, rows, query
        self.backwards, self.after = backwards, after

    def _moved(self, *, backwards: bool, after: tuple[int, int] | None) -> RankedSearchResults:
        return RankedSearchResults(self.items, self.matches, self.rows, self.query, backwards=backwards, after=after)

    def order_by(self, *ordering):
        # The pagination asks for the search's order, or for its reverse when it reads a previous page.
        return self._moved(backwards=tuple(ordering) != SEARCH_ORDER, after=None)

    def filter(self, **position):
        # One condition: past the position (`search_rank__lt` or `__gt`, by direction), "rank.id".
        (value,) = position.values()
        rank, _dot, item_id = str(value).partition(".")
        if not (rank.isdigit() and item_id.isdigit() and int(item_id) < 2**63):
            raise NotFound(CursorPagination.invalid_cursor_message)
        return self._moved(backwards=self.backwards, after=(int(rank), int(item_id)))

    def __getitem__(self, window: slice) -> list:
        page = ranked_page(
            self.items,
            self.rows,
            self.query,
            matches=self.matches,
            after=self.after,
            backwards=self.backwards,
            limit=window.stop,
        )
        return page[window.start :]
