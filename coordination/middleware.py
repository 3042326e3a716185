"""Input no page or endpoint can use: NUL characters in the query string (PostgreSQL cannot store or compare text
holding them, so such a value would fail deep in a query instead of being refused)."""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from coordination.api.errors import PROBLEM_CONTENT_TYPE, problem


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            message = _("The address holds a NUL character.")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    problem(400, detail=message, code="nul-character"), status=400, content_type=PROBLEM_CONTENT_TYPE
                )
            return HttpResponseBadRequest(message)
        return self.get_response(request)
