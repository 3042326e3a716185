"""Renderers for the item list as a spreadsheet (`?format=xlsx`, `?format=csv`, or the matching Accept header).
The view hands them a `Sheet`; anything else they get is an error, which goes out as JSON (problem+json)."""

from __future__ import annotations

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
