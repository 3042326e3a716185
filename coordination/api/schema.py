"""The published OpenAPI contract: drf-spectacular's, with every error response documented as problem+json."""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme
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
    "406": "None of the media types in Accept can be produced (the API answers application/json).",
    "412": "If-Match does not match the item's current ETag: nothing was changed.",
    "413": "The request body is larger than the limit (1 MB by default); files go to the attachment upload.",
    "415": "The request body is not of a media type this endpoint takes (application/json; files: multipart).",
    "422": "The Idempotency-Key was already used for a different request.",
    "429": "Too many requests for this token: wait for the number of seconds in Retry-After.",
}
HEADERS = {
    "ETag": {
        "description": "The item's current version: send it back as If-Match to change it safely, or as "
        "If-None-Match to be answered 304 while it has not changed.",
        "schema": {"type": "string"},
    },
    "Location": {"description": "The new item's URL.", "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}},
}
ITEM_SCHEMA = "#/components/schemas/ActionItem"


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


class VerifiedSessionScheme(SessionScheme):
    """The admin's session cookie, as drf-spectacular documents Django's session authentication (the second factor
    is asked for at sign-in, in the admin)."""

    target_class = "users.authentication.VerifiedSessionAuthentication"


def _problem(code: str, reference: dict) -> dict:
    response = {
        "description": PROBLEM_DESCRIPTIONS[code],
        "content": {"application/problem+json": {"schema": reference}},
    }
    if code == "429":
        response["headers"] = {"Retry-After": HEADERS["Retry-After"]}
    return response


def _returns_item(response: dict) -> bool:
    content = response.get("content", {}).get("application/json", {})
    return content.get("schema", {}).get("$ref") == ITEM_SCHEMA


def add_problem_responses(result, generator, request, public):
    """Postprocessing hook: the answers every operation may give, so a generated client knows them all.

    Every operation: 400, 401, 403, 404, 406 and 429 (with Retry-After). Writes: 409, 413, 415 and 422. Those
    that take If-Match: 412. Answers that carry an item carry its ETag, and a new item's answer its Location."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for _path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = ["400", "401", "403", "404", "406", "429"]
            if method in ("post", "patch", "put"):
                codes += ["409", "413", "415", "422"]
            parameter_names = {parameter["name"] for parameter in operation.get("parameters", [])}
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "format" and not parameter.get("description"):
                    # DRF's format suffix, from the renderers this view offers.
                    parameter["description"] = "The answer's form: `download` (the file itself) or `json`."
            if "If-Match" in parameter_names:
                codes.append("412")
            responses = operation.setdefault("responses", {})
            for code in codes:
                # An operation that documents its own answer for one of these codes (an import's refused rows)
                # can still answer it as a problem.
                response = responses.setdefault(code, _problem(code, reference))
                response.setdefault("content", {}).setdefault("application/problem+json", {"schema": reference})
            for code, response in responses.items():
                if _returns_item(response) or (code == "304" and "If-None-Match" in parameter_names):
                    response.setdefault("headers", {})["ETag"] = HEADERS["ETag"]
                if code == "201" and _returns_item(response):
                    response["headers"]["Location"] = HEADERS["Location"]
    return result
