"""What the benchmark measures against, served only under its own settings (config/settings/benchmark.py).

The baseline list answers like the item list with none of its work per item: the same token authentication,
throttle, visibility selector, filters, search and ordering, then the page's rows straight from `.values()`. The
difference between the two is what the list's own code costs."""

from __future__ import annotations

from django.db import connection
from rest_framework.response import Response

from coordination.api.views import ActionItemViewSet
from coordination.models import ActionItem

BASELINE_COLUMNS = [field.attname for field in ActionItem._meta.concrete_fields]


class BaselineItemList(ActionItemViewSet):
    """The visible items, filtered, searched and ordered as the list is, as plain rows."""

    def list(self, request, *args, **kwargs):
        items = self.filter_queryset(self.visible_items())
        return Response(list(items.values(*BASELINE_COLUMNS)[: self.paginator.page_size]))


class QueryCountMiddleware:
    """Name in X-Queries how many SQL statements the request ran."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counted(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response["X-Queries"] = str(count)
        return response
