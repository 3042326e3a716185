"""Every API error as application/problem+json (RFC 9457): type, title, status, detail, and errors by field."""

from __future__ import annotations

import logging
import sys
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:coordination-tracker:problem:"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The item changed since you read it: fetch it again and retry with its new ETag."
    default_code = "precondition_failed"


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class UnprocessableEntity(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


class DatabaseUnavailable(exceptions.APIException):
    """The database could not be reached mid-request (restarting, failing over, the network): not the client's
    fault, and over in a moment."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "database_unavailable"
    retry_after_seconds = 5

    def __init__(self):
        super().__init__(
            _(
                "The database could not be reached; the request was not completed. Try again in a few seconds (a "
                "POST with the same Idempotency-Key is answered once)."
            )
        )
        self.wait = self.retry_after_seconds  # DRF's handler turns this into a Retry-After header


def database_unavailable(exc) -> bool:
    """Whether `exc` is the database being out of reach (rather than a fault of the request or of the code)."""
    return isinstance(exc, OperationalError | InterfaceError)


def field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail flattened to {field: [messages]}, nested fields joined with dots."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for name, value in detail.items():
            key = "non_field_errors" if name in ("__all__", "non_field_errors") and not prefix else name
            for field, messages in field_errors(value, f"{prefix}{key}.").items():
                flat.setdefault(field, []).extend(messages)
        return flat
    if isinstance(detail, list) and any(isinstance(value, dict | list) for value in detail):
        for index, value in enumerate(detail):
            for field, messages in field_errors(value, f"{prefix}{index}.").items():
                flat.setdefault(field, []).extend(messages)
        return flat
    messages = [str(message) for message in (detail if isinstance(detail, list) else [detail])]
    return {prefix.rstrip(".") or "non_field_errors": messages}


def as_api_exception(exc):
    """The services' Django exceptions mapped to DRF's, so one handler renders all of them."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return PayloadTooLarge(
            _("The request body is larger than %(limit)d bytes; files go to the attachment upload.") % {"limit": limit}
        )
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if database_unavailable(exc):
        logger.warning("The database could not be reached: %s", exc)
        return DatabaseUnavailable()
    if isinstance(exc, IntegrityError):
        # Two writers raced past the services' checks; the database kept the data consistent. Retrying is safe.
        conflict = exceptions.APIException(
            _("This conflicts with a change made at the same moment; retry the request.")
        )
        conflict.status_code = status.HTTP_409_CONFLICT
        return conflict
    return exc


def problem(status_code: int, *, detail: str, code: str = "", errors: dict | None = None) -> dict:
    """The body of a problem response."""
    body = {
        "type": f"{PROBLEM_TYPE_BASE}{code}" if code else "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: problem+json for every error, including ones the services raise."""
    exc = as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in the API", exc_info=exc)
        response = Response(status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        response.data = problem(500, detail=_("Something went wrong on our side; the request was not completed."))
    elif isinstance(exc, exceptions.ValidationError):
        response.data = problem(
            response.status_code,
            detail=_("The request has invalid fields: see errors."),
            code="validation-error",
            errors=field_errors(exc.detail),
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(detail, list | dict):
            detail = "; ".join(m for messages in field_errors(detail).values() for m in messages)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else ""
        response.data = problem(
            response.status_code, detail=str(detail), code=str(code).replace("_", "-") if isinstance(code, str) else ""
        )
    request = context.get("request")
    renderer = getattr(request, "accepted_renderer", None)
    if getattr(renderer, "format", "json") != "api":  # the browsable API renders errors as its HTML page
        response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """handler404: problem+json under /api/ (a path no route matches), Django's page elsewhere."""
    if _is_api(request):
        body = problem(404, detail=_("No API route matches this path."), code="not-found")
        return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: problem+json under /api/, Django's page elsewhere; a database out of reach (met outside a view,
    in a middleware) is a 503 with Retry-After."""
    error = sys.exc_info()[1]
    if database_unavailable(error):
        unavailable = DatabaseUnavailable()
        if _is_api(request):
            body = problem(503, detail=str(unavailable.detail), code="database-unavailable")
            response = JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
        else:
            response = HttpResponse(str(unavailable.detail), status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(DatabaseUnavailable.retry_after_seconds)
        return response
    if _is_api(request):
        body = problem(500, detail=_("Something went wrong on our side; the request was not completed."))
        return JsonResponse(body, status=500, content_type=PROBLEM_CONTENT_TYPE)
    return defaults.server_error(request)
