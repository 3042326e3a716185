"""The columns of an item spreadsheet: their headings (in the reader's language), how each is read from an item, and
which of them an import may fill. An import recognises a column by its heading in either language or by its key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from coordination.models import ActionItem


@dataclass(frozen=True)
class Column:
    key: str
    heading: str  # lazy: translated when the sheet is written
    read: Callable[[ActionItem], object]
    importable: bool = False


def _supporting(item: ActionItem) -> str:
    return ", ".join(concurrence.agency.code for concurrence in item.concurrences.all())


def _concurrence(item: ActionItem) -> str:
    return "; ".join(f"{c.agency.code}: {c.get_state_display()}" for c in item.concurrences.all())


ITEM_COLUMNS = [
    Column("id", _("ID"), lambda item: item.pk, importable=True),  # names the item to update; never changed
    Column("external_id", _("External id"), lambda item: item.external_id, importable=True),
    Column("department", _("Department"), lambda item: item.department.code, importable=True),
    Column("title", _("Title (English)"), lambda item: item.title, importable=True),
    Column("title_ja", _("Title (Japanese)"), lambda item: item.title_ja, importable=True),
    Column("status", _("Status"), lambda item: item.get_status_display()),
    Column("priority", _("Priority"), lambda item: item.get_priority_display(), importable=True),
    Column("due_date", _("Due date"), lambda item: item.due_date, importable=True),
    Column("original_due_date", _("Original due date"), lambda item: item.original_due_date),
    Column("lead_agency", _("Lead agency (OPR)"), lambda item: item.lead_agency.code, importable=True),
    Column("supporting_agencies", _("Supporting agencies (OCR)"), _supporting, importable=True),
    Column("concurrence", _("Concurrence"), _concurrence),
    Column(
        "assigned_liaison",
        _("Assigned liaison"),
        lambda item: item.assigned_liaison.user.username if item.assigned_liaison_id else "",
    ),
    Column(
        "coordinator",
        _("Responsible coordinator"),
        lambda item: item.coordinator.username if item.coordinator_id else "",
        importable=True,
    ),
    Column(
        "initiative", _("Initiative"), lambda item: item.initiative.code if item.initiative_id else "", importable=True
    ),
    Column("meeting", _("Originating meeting"), lambda item: str(item.meeting) if item.meeting_id else ""),
    Column("marking", _("Handling marking"), lambda item: item.get_marking_display(), importable=True),
    Column("percent_complete", _("Percent complete"), lambda item: item.percent_complete),
    Column("last_progress_at", _("Last progress update"), lambda item: item.last_progress_at),
    Column("updated_at", _("Last change"), lambda item: item.updated_at),
    Column("description", _("Description"), lambda item: item.description, importable=True),
]
COLUMNS_BY_KEY = {column.key: column for column in ITEM_COLUMNS}


def column_keys_by_heading() -> dict[str, str]:
    """Every name a column goes by, in English, in Japanese or as its key, mapped to its key (case ignored)."""
    names = {}
    for language in ("en", "ja"):
        with translation.override(language):
            names |= {str(column.heading).strip().lower(): column.key for column in ITEM_COLUMNS}
    names |= {column.key: column.key for column in ITEM_COLUMNS}
    return names
