"""Request bodies: JSON for every write (files are the one exception, as multipart on the upload endpoints).

Text holding NUL characters is refused here: PostgreSQL cannot store or compare it, so it would otherwise fail
deep in a query."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, with JSON nested too deeply for the decoder answered as a 400, not a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None
        if _holds_nul(data):
            raise ParseError(_("Text may not hold NUL characters (U+0000)."))
        return data


def _holds_nul(value) -> bool:
    """Whether any string in the parsed JSON (keys included) holds U+0000; iterative, whatever the depth."""
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, str):
            if "\x00" in current:
                return True
        elif isinstance(current, dict):
            pending.extend(current.keys())
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)
    return False
