"""Importing action items from an XLSX or CSV file: read, check each row through the services, and report.

Each row updates the item its ID names (an exported file carries it), or else the item of the same external id
in the same department, or else creates an item. An update changes fields only: status moves through the
workflow, never through a file. An empty cell leaves a field as it is. Every row goes
through `action_item_create` / `action_item_update`, so the rules, the checks and the history are those of any
other write. The whole file is one transaction: a preview (`dry_run`) always rolls back, and a file with any
refused row imports nothing. Columns are recognised by their heading in English or Japanese (an exported file
imports as it is) or by their key; columns that cannot be imported (status, percent complete, ...) are ignored.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from agencies.models import Agency
from coordination import services
from coordination.access import action_items_visible, may_add
from coordination.attachments import office_archive_problem
from coordination.calendar import japan_today
from coordination.models import ActionItem, Department, ImportBatch, Initiative
from coordination.selectors import viewer_for
from users.models import SecurityEvent, User

from .columns import COLUMNS_BY_KEY, column_keys_by_heading
from .writers import looks_like_formula

MAX_ROWS = 2000
EMPTY_MARKS = {"", "—", "-"}  # "—" is what an export shows for a restricted item's hidden fields
LIST_SEPARATORS = (";", "、", "，", "/")


class FileRefused(Exception):
    """The file as a whole cannot be read: its type, size, archive or headings."""


@dataclass
class RowResult:
    number: int  # the row number as the spreadsheet shows it (headings are row 1)
    action: str = ""  # "create", "update", "unchanged" or "refused"
    item_id: int | None = None
    external_id: str = ""
    title: str = ""
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    imported: bool = False

    @property
    def refused(self) -> list[RowResult]:
        return [row for row in self.rows if row.action == "refused"]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.refused

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


# --- Reading the file ---------------------------------------------------------------------------------------------


def read_table(name: str, content: bytes) -> tuple[list[str], list[list]]:
    """(headings, rows) of the first sheet of an XLSX file or of a CSV file (UTF-8, else Shift_JIS as Japanese
    spreadsheet programs save it)."""
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise FileRefused(
            _("The file is larger than the limit of %(limit)d MB.") % {"limit": settings.IMPORT_MAX_BYTES // 2**20}
        )
    lowered = name.lower()
    if lowered.endswith(".xlsx") and content.startswith(b"PK\x03\x04"):
        table = _read_xlsx(content)
    elif lowered.endswith(".csv") and b"\x00" not in content:
        table = _read_csv(content)
    else:
        raise FileRefused(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    table = [row for row in table if any(_cell_text(value) for value in row)]
    if not table:
        raise FileRefused(_("The file holds no headings and no rows."))
    if len(table) - 1 > MAX_ROWS:
        raise FileRefused(_("The file holds more than %(count)d rows; split it.") % {"count": MAX_ROWS})
    headings = [_cell_text(value) for value in table[0]]
    return headings, [list(row) for row in table[1:]]


def _read_xlsx(content: bytes) -> list[tuple]:
    stream = io.BytesIO(content)
    problem = office_archive_problem(stream, max_uncompressed=settings.ATTACHMENT_MAX_UNCOMPRESSED_BYTES)
    if problem:
        raise FileRefused(problem)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
    except Exception as error:  # noqa: BLE001 - any failure to read means the same to the person: not a workbook
        raise FileRefused(_("This is not a readable Excel workbook.")) from error
    return rows


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused(_("The CSV file is neither UTF-8 nor Shift_JIS text."))
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise FileRefused(_("The CSV file cannot be read: %(error)s") % {"error": error}) from error


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # An exported CSV protects a formula-like text with a leading apostrophe: the value is what follows it.
    if text.startswith("'") and looks_like_formula(text[1:]):
        text = text[1:]
    return "" if text in EMPTY_MARKS else text


# --- Reading one row ----------------------------------------------------------------------------------------------


class Choices:
    """What the cells may name, loaded once per file."""

    def __init__(self, viewer):
        self.agencies = {agency.code.lower(): agency for agency in Agency.objects.all()}
        departments = Department.objects.filter(is_active=True)
        if not viewer.is_superuser:
            departments = departments.filter(pk__in=viewer.coordinator_department_ids | viewer.director_department_ids)
        self.departments = {department.code.lower(): department for department in departments}
        self.initiatives = {
            (initiative.department_id, initiative.code.lower()): initiative
            for initiative in Initiative.objects.filter(department__in=departments)
        }
        self.users = {user.username.lower(): user for user in User.objects.filter(is_active=True)}
        self.priorities = _labels(ActionItem.Priority)
        self.markings = _labels(ActionItem.Marking)


def _labels(choices) -> dict[str, object]:
    """Every way a person may write a choice: its value, its name, its label in English or Japanese."""
    names = {}
    for member in choices:
        names[str(member.value).lower()] = member.value
        names[member.name.lower()] = member.value
        for language in ("en", "ja"):
            with translation.override(language):
                names[str(member.label).lower()] = member.value
    return names


def _date(text: str, value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day, no time of day
        except ValueError:
            continue
    raise ValueError(_("“%(value)s” is not a date (write YYYY-MM-DD).") % {"value": text[:40]})


def read_row(cells: dict[str, object], choices: Choices) -> tuple[dict, list[str]]:
    """The fields a row sets (its empty cells left out), named as the services name them, and its errors."""
    fields, errors = {}, []
    for key, value in cells.items():
        text = _cell_text(value)
        if not text:
            continue
        heading = str(COLUMNS_BY_KEY[key].heading)
        try:
            fields[key] = _read_value(key, text, value, choices)
        except ValueError as error:
            errors.append(f"{heading}: {error}")
    if "initiative" in fields:
        department = fields.get("department")
        code = fields.pop("initiative")
        initiative = choices.initiatives.get((department.pk, code.lower())) if department else None
        if initiative is None:
            errors.append(
                _("%(heading)s: no initiative “%(code)s” in this department.")
                % {
                    "heading": COLUMNS_BY_KEY["initiative"].heading,
                    "code": code[:40],
                }
            )
        else:
            fields["initiative"] = initiative
    return fields, errors


def _read_value(key: str, text: str, value, choices: Choices):
    if key == "id":
        if not text.isdigit():
            raise ValueError(_("“%(value)s” is not an item number.") % {"value": text[:40]})
        return int(text)
    if key in ("external_id", "title", "title_ja", "description", "initiative"):
        return text
    if key == "due_date":
        return _date(text, value)
    if key in ("department", "lead_agency"):
        table = choices.departments if key == "department" else choices.agencies
        found = table.get(text.lower())
        if found is None:
            raise ValueError(_("“%(value)s” is not one you may choose.") % {"value": text[:40]})
        return found
    if key == "supporting_agencies":
        for separator in LIST_SEPARATORS:
            text = text.replace(separator, ",")
        codes = [code.strip() for code in text.split(",") if code.strip()]
        unknown = [code for code in codes if code.lower() not in choices.agencies]
        if unknown:
            raise ValueError(_("unknown agencies: %(codes)s.") % {"codes": ", ".join(unknown)[:80]})
        return [choices.agencies[code.lower()] for code in codes]
    if key == "coordinator":
        user = choices.users.get(text.lower())
        if user is None:
            raise ValueError(_("no active user “%(value)s”.") % {"value": text[:40]})
        return user
    table = choices.priorities if key == "priority" else choices.markings
    if text.lower() not in table:
        raise ValueError(_("“%(value)s” is not one of the allowed values.") % {"value": text[:40]})
    return table[text.lower()]


# --- Importing --------------------------------------------------------------------------------------------------


def _changes_to(item: ActionItem, fields: dict) -> dict:
    """The fields that differ from what the item holds."""
    changes = {}
    for key, value in fields.items():
        if key == "supporting_agencies":
            current = set(item.concurrences.values_list("agency_id", flat=True))
            if {agency.pk for agency in value} != current:
                changes[key] = value
        elif key != "department" and getattr(item, key) != value:
            changes[key] = value
    return changes


def _import_row(row: RowResult, fields: dict, *, actor, visible, default_department) -> None:
    department = fields.pop("department", None) or default_department
    item_id = fields.pop("id", None)
    row.external_id = fields.get("external_id", "")
    row.title = fields.get("title", "")
    existing = None
    if item_id is not None:
        existing = visible.filter(pk=item_id).first()
        if existing is None:
            raise ValidationError(_("There is no item #%(id)s that you can see.") % {"id": item_id})
    elif row.external_id and department is not None:
        existing = visible.filter(department=department, external_id=row.external_id).first()
    if existing is None:
        if department is None:
            raise ValidationError(_("Name the department (its code) in the Department column."))
        row.action = "create"
        row.changes = sorted(fields)
        item = services.action_item_create(
            actor=actor,
            department=department,
            title=fields.pop("title", ""),
            lead_agency=fields.pop("lead_agency", None) or _missing(_("Lead agency (OPR)")),
            **fields,
        )
    else:
        changes = _changes_to(existing, {key: value for key, value in fields.items() if key != "external_id"})
        row.action = "update" if changes else "unchanged"
        row.changes = sorted(changes)
        row.title = row.title or existing.title
        item = services.action_item_update(actor=actor, item=existing, changes=changes) if changes else existing
    row.item_id = item.pk


def _missing(heading) -> Agency:
    raise ValidationError(_("%(heading)s is needed for a new item.") % {"heading": heading})


def items_import(*, actor, name: str, content: bytes, dry_run: bool) -> ImportReport:
    """Import the file's rows as `actor` (see the module's docstring); a preview when `dry_run`. Raises
    `FileRefused` for a file that cannot be read at all."""
    headings, table = read_table(name, content)
    names = column_keys_by_heading()
    columns, report = [], ImportReport()
    for heading in headings:
        key = names.get(heading.strip().lower())
        if key is None or not COLUMNS_BY_KEY[key].importable:
            columns.append(None)
            if heading:
                report.ignored_columns.append(heading)
        else:
            columns.append(key)
    if not any(columns):
        raise FileRefused(_("None of the headings is one the import knows: download the template."))

    viewer = viewer_for(actor, today=japan_today())
    choices = Choices(viewer)
    default_department = next(iter(choices.departments.values())) if len(choices.departments) == 1 else None
    visible = action_items_visible(viewer)
    with transaction.atomic():
        for number, cells in enumerate(table, start=2):
            row = RowResult(number=number)
            report.rows.append(row)
            values = {key: cells[index] for index, key in enumerate(columns) if key and index < len(cells)}
            fields, errors = read_row(values, choices)
            if errors:
                row.action, row.errors = "refused", errors
                continue
            try:
                with transaction.atomic():
                    _import_row(row, fields, actor=actor, visible=visible, default_department=default_department)
            except (ValidationError, PermissionDenied) as error:
                row.action = "refused"
                row.errors = _messages(error)
        report.imported = not dry_run and report.ok
        if not report.imported:
            transaction.set_rollback(True)
    if report.imported:
        item_ids = [row.item_id for row in report.rows if row.item_id]
        SecurityEvent.objects.record(
            kind=SecurityEvent.Kind.IMPORT,
            user=actor,
            detail={"file": name[:200], "created": report.count("create"), "updated": report.count("update")},
            departments=sorted(set(ActionItem.objects.filter(pk__in=item_ids).values_list("department_id", flat=True))),
        )
    return report


def _messages(error: Exception) -> list[str]:
    if isinstance(error, PermissionDenied):
        return [str(error)]
    if hasattr(error, "error_dict"):
        headings = {key: str(column.heading) for key, column in COLUMNS_BY_KEY.items()}
        return [
            f"{headings.get(name, name)}: {message}" if name != "__all__" else message
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)


# --- Uploads kept between their preview and their import ----------------------------------------------------------


def import_batch_create(*, actor, name: str, content: bytes) -> ImportBatch:
    """Keep an uploaded file for its preview and import (refused as a whole, and not kept, if it cannot be read)."""
    if not may_add(ImportBatch, viewer_for(actor, today=japan_today())):
        raise PermissionDenied(_("Only a department's coordinators and directors import items."))
    read_table(name, content)  # refuses a file that cannot be read before keeping it
    return ImportBatch.objects.create(
        uploaded_by=actor, filename=name[:255], content=content, sha256=hashlib.sha256(content).hexdigest()
    )


def import_batch_run(*, actor, batch: ImportBatch, dry_run: bool) -> ImportReport:
    """Preview or import a kept file as its uploader; an import is recorded on the batch, once."""
    if batch.uploaded_by_id != actor.pk:
        raise PermissionDenied(_("Only the person who uploaded a file imports it."))
    if batch.imported_at is not None:
        raise ValidationError(_("This file was imported already."))
    report = items_import(actor=actor, name=batch.filename, content=bytes(batch.content), dry_run=dry_run)
    if report.imported:
        batch.imported_at = timezone.now()
        batch.summary = {action: report.count(action) for action in ("create", "update", "unchanged")}
        batch.save(update_fields=["imported_at", "summary"])
    return report
