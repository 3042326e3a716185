"""Checks an answer of the API against the published schema with openapi-core: status code, headers and body.

Used by the permission matrix (Django's test client) and by the generated client's run (httpx, on a live server).
"""

from __future__ import annotations

import functools
import json
from urllib.parse import parse_qsl, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict


@functools.cache
def _openapi() -> OpenAPI:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(_plain(schema), config=config)


def _plain(value):
    """The schema as plain JSON types (drf-spectacular may hold lazy translations)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


class _Request:
    def __init__(self, method: str, url: str, headers, body: bytes):
        parts = urlsplit(url)
        self.host_url = f"{parts.scheme or 'http'}://{parts.netloc or 'testserver'}"
        self.path = parts.path
        self.method = method.lower()
        self.body = body or b""
        self.content_type = headers.get("Content-Type", "") or headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(parts.query, keep_blank_values=True)),
            header=Headers(list(headers.items())),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, status_code: int, headers, body: bytes):
        self.status_code = status_code
        self.headers = Headers(list(headers.items()))
        self.content_type = self.headers.get("Content-Type", "")
        self.data = body or b""


def check(method: str, url: str, request_headers, request_body: bytes, status: int, headers, body: bytes) -> None:
    """Raise openapi-core's error when the answer is not one the schema documents."""
    _openapi().validate_response(_Request(method, url, request_headers, request_body), _Response(status, headers, body))


def check_django(response) -> None:
    """An answer of Django's (or DRF's) test client."""
    request = response.wsgi_request
    url = request.get_full_path()
    body = b"" if getattr(response, "streaming", False) else response.content
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    check(request.method, url, request.headers, b"", response.status_code, response.headers, body)


def check_httpx(response) -> None:
    """An answer received by httpx (the generated client's transport), read in full."""
    response.read()
    request = response.request
    check(request.method, str(request.url), request.headers, request.content, response.status_code,
          response.headers, response.content)  # fmt: skip
