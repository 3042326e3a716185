"""XLSX (openpyxl) and CSV files from headings and rows, safe to open in a spreadsheet program.

A cell that starts like a formula (=, +, -, @, or a tab or carriage return before one) is never a formula: in
XLSX it is stored as text, in CSV it gets a leading apostrophe, which spreadsheet programs show as text (the
OWASP advice for CSV injection). Times are written in Japan time without a zone, as spreadsheets expect.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from coordination.calendar import JAPAN

FORMULA_START = re.compile(r"^[\t\r]*[=+\-@]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass
class Sheet:
    title: str
    headings: list[str]
    rows: list[list] = field(default_factory=list)


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and bool(FORMULA_START.match(value))


def local_time(value):
    """A time in Japan without its zone (what a spreadsheet cell holds); other values unchanged."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(JAPAN).replace(tzinfo=None, microsecond=0)
    return value


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet.title[:31] or "Sheet")
        worksheet.append(sheet.headings)
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        for row_number, row in enumerate(sheet.rows, start=2):
            for column, value in enumerate(row, start=1):
                value = local_time(value)
                if isinstance(value, str):
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell = worksheet.cell(row=row_number, column=column, value=value)
                if looks_like_formula(value):
                    cell.data_type = "s"  # text, never evaluated
                elif isinstance(value, datetime.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, datetime.date):
                    cell.number_format = "yyyy-mm-dd"
        worksheet.freeze_panes = "A2"
        for column, heading in enumerate(sheet.headings, start=1):
            worksheet.column_dimensions[get_column_letter(column)].width = max(10, min(60, len(str(heading)) * 2))
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def csv_text_value(value) -> str:
    value = local_time(value)
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


def csv_bytes(sheet: Sheet) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read Japanese correctly."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([csv_text_value(heading) for heading in sheet.headings])
    for row in sheet.rows:
        writer.writerow([csv_text_value(value) for value in row])
    return ("\ufeff" + stream.getvalue()).encode("utf-8")


def sheet_download(sheets: list[Sheet], *, file_format: str, stem: str) -> HttpResponse:
    """An XLSX (every sheet) or CSV (the first sheet) file as a download that no cache keeps."""
    if file_format == "csv":
        content, content_type, suffix = csv_bytes(sheets[0]), CSV_TYPE, "csv"
    else:
        content, content_type, suffix = xlsx_bytes(sheets), XLSX_TYPE, "xlsx"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{suffix}"'
    response["Cache-Control"] = "no-store"
    return response
