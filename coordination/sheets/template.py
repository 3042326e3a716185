"""The import template: the importable columns with their headings in the reader's language, one example row, and
a second sheet listing the values each column allows (departments, agencies, initiatives, people, choices)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from agencies.models import Agency
from coordination.models import ActionItem, Initiative

from .columns import COLUMNS_BY_KEY, ITEM_COLUMNS
from .writers import Sheet

TEMPLATE_KEYS = [column.key for column in ITEM_COLUMNS if column.importable]


def template_sheets(*, departments, coordinators) -> list[Sheet]:
    items = Sheet(_("Items"), [str(COLUMNS_BY_KEY[key].heading) for key in TEMPLATE_KEYS])
    department = departments.first()
    example = {
        "external_id": "EXAMPLE-1",
        "department": department.code if department else "",
        "title": _("Write the title here"),
        "title_ja": "",
        "priority": str(ActionItem.Priority.NORMAL.label),
        "lead_agency": Agency.objects.filter(is_active=True).values_list("code", flat=True).first() or "",
        "marking": str(ActionItem.Marking.OPEN.label),
    }
    items.rows.append([example.get(key, "") for key in TEMPLATE_KEYS])
    allowed = Sheet(_("Allowed values"), [_("Column"), _("Value"), _("Meaning")])

    def add(key, values):
        allowed.rows.extend([str(COLUMNS_BY_KEY[key].heading), value, meaning] for value, meaning in values)

    add("id", [("", _("Leave empty for a new item; an exported file carries each item's number, to update it."))])
    add("department", [(d.code, str(d)) for d in departments])
    add("lead_agency", [(a.code, a.name_en) for a in Agency.objects.filter(is_active=True).order_by("code")])
    add("supporting_agencies", [("MOFA, METI", _("Agency codes separated by commas"))])
    add("priority", [(str(label), value) for value, label in ActionItem.Priority.choices])
    add("marking", [(str(label), value) for value, label in ActionItem.Marking.choices])
    add("due_date", [("2026-12-25", _("YYYY-MM-DD; a closed day moves to the next business day"))])
    initiatives = Initiative.objects.filter(department__in=departments, is_active=True).order_by("code")
    add("initiative", [(i.code, i.display_title) for i in initiatives])
    add("coordinator", [(u.username, u.get_full_name()) for u in coordinators])
    return [items, allowed]
