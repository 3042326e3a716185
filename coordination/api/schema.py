"""The published OpenAPI contract: drf-spectacular's, with every error response documented as problem+json."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error (RFC 9457).",
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem, or about:blank."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "For validation errors: the messages of each field (nested fields joined with dots).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail"],
}
PROBLEM_DESCRIPTIONS = {
    "400": "Invalid input: see `errors`.",
    "401": "Not authenticated, or the token is invalid, expired or revoked, or its holder has no current role.",
    "403": "Not allowed for your role, or not in the item's current status.",
    "404": "No such resource, or not visible to you.",
    "409": "A request with the same Idempotency-Key is still being processed.",
    "412": "If-Match does not match the item's current ETag: nothing was changed.",
    "422": "The Idempotency-Key was already used for a different request.",
    "429": "Too many requests for this token: wait for the number of seconds in Retry-After.",
}


class TrackerAutoSchema(AutoSchema):
    """The project's schema class: the place to adjust drf-spectacular's inference for every view."""


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents the token header (registered by being defined: drf-spectacular finds extensions by subclass)."""

    target_class = "users.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` or `Bearer <key>`; keys come from `manage.py issue_token` or the admin.",
        }


def add_problem_responses(result, generator, request, public):
    """Postprocessing hook: every operation may answer with these problem+json errors, so document them all."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = ["400", "401", "403", "404", "429"]
            if method in ("post", "patch", "put"):
                codes += ["409", "422"]
            if method in ("patch", "post") and "{id}" in path:
                codes.append("412")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": PROBLEM_DESCRIPTIONS[code],
                        "content": {"application/problem+json": {"schema": reference}},
                    },
                )
    return result
