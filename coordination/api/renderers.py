"""Renderers: the item list as a spreadsheet (`?format=xlsx`, `?format=csv`, or the matching Accept header; the view
hands them a `Sheet`, anything else they get is an error, which goes out as JSON, problem+json), and the browsable
API's pages under the Content Security Policy."""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from rest_framework import renderers
from rest_framework.renderers import BaseRenderer, JSONRenderer

from coordination.sheets.writers import XLSX_TYPE, Sheet, csv_bytes, xlsx_bytes


class SheetRenderer(BaseRenderer):
    def write(self, sheet: Sheet) -> bytes:
        raise NotImplementedError

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, Sheet):
            return self.write(data)
        return JSONRenderer().render(data)


class XLSXRenderer(SheetRenderer):
    media_type = XLSX_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def write(self, sheet):
        return xlsx_bytes([sheet])


class CSVRenderer(SheetRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def write(self, sheet):
        return csv_bytes(sheet)


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's browsable pages, for people trying the API in a browser. DRF's own page template sets a few styles
    inline (floats, code colours), so these pages alone allow inline style attributes; scripts stay as strict as
    everywhere else (the tracker's own pages allow no inline style either)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)


class ZipRenderer(BaseRenderer):
    """An item's record package (`coordination.record_package`): the view hands it the ZIP's bytes; anything else it
    gets is an error, which goes out as JSON."""

    media_type = "application/zip"
    format = "zip"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        if renderer_context and renderer_context.get("response") is not None:
            renderer_context["response"]["Content-Type"] = "application/problem+json"
        return JSONRenderer().render(data)
