"""Cursor pagination: pages stay stable while items are inserted or changed, which incremental sync needs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


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
