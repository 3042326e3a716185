"""Cursor pagination: pages stay stable while items are inserted or changed, which incremental sync needs."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class UpdatedCursorPagination(CursorPagination):
    """Pages of `page_size` (at most 200), oldest change first by default: sync with ordering=updated_at."""

    ordering = ("updated_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ReferenceCursorPagination(UpdatedCursorPagination):
    """Reference data (agencies, units, liaisons, ...) in a fixed order by id."""

    ordering = ("id",)
