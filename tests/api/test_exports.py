"""The item list as a file through the API: `?format=xlsx|csv` or the Accept header, every matching item, in the
token owner's language, checked against the schema."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from coordination import services
from coordination.models import ActionItem
from tests.conftest import DUE
from tests.contract import check_django

pytestmark = pytest.mark.django_db
LIST = "/api/v1/action-items/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def many(world, move_to_status):
    move_to_status(world.item, ActionItem.Status.ASSIGNED)
    for n in range(60):  # more than one page of JSON
        services.action_item_create(
            actor=world.coordinator,
            department=world.department,
            title=f"Item {n}",
            lead_agency=world.mofa,
            due_date=DUE,
        )
    return world


def test_format_xlsx_gives_every_matching_item_in_one_file(api, many):
    response = api("coordinator").get(LIST, {"format": "xlsx", "lead_agency": "MOFA", "ordering": "-updated_at"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    check_django(response)
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    newest_first = ActionItem.objects.filter(lead_agency=many.mofa).order_by("-updated_at", "-id")
    expected = list(newest_first.values_list("id", flat=True))
    assert [row[0] for row in rows[1:]] == expected and len(expected) == 60


def test_the_accept_header_asks_for_csv_in_the_owners_language(api, many):
    many.coordinator.preferred_language = "ja"
    many.coordinator.save(update_fields=["preferred_language"])
    response = api("coordinator").get(LIST, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    check_django(response)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["ID", "外部ID", "部局", "件名（英語）"]
    assert len(rows) == 1 + ActionItem.objects.count()


def test_a_liaison_exports_only_what_they_see_and_errors_stay_json(api, many):
    response = api("lead_liaison").get(LIST, {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [int(row[0]) for row in rows[1:]] == [many.item.pk]
    bad = api("coordinator").get(LIST, {"format": "xlsx", "due_before": "not a date"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert bad.json()["errors"]["due_before"]
    assert api("coordinator").get(f"{LIST}{many.item.pk}/", {"format": "xlsx"}).status_code == 404


# --- Import ----------------------------------------------------------------------------------------------------

IMPORT = "/api/v1/action-items/import/"


def upload(rows, headings=("External id", "Title (English)", "Lead agency (OPR)", "Due date")):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from coordination.sheets.writers import Sheet, csv_bytes

    return SimpleUploadedFile("items.csv", csv_bytes(Sheet("Items", list(headings), rows)), "text/csv")


def test_the_api_imports_with_a_dry_run_first(api, world):
    rows = [["API-1", "Brief the minister", "MOD", DUE.isoformat()]]
    preview = api("coordinator").post(IMPORT, {"file": upload(rows), "dry_run": "true"}, format="multipart")
    assert preview.status_code == 200
    check_django(preview)
    assert preview.json()["imported"] is False and preview.json()["rows"][0]["action"] == "create"
    assert not ActionItem.objects.filter(external_id="API-1").exists()
    done = api("coordinator").post(IMPORT, {"file": upload(rows)}, format="multipart")
    assert done.status_code == 200 and done.json()["imported"] is True
    assert ActionItem.objects.get(external_id="API-1").history.latest().history_user == world.coordinator


def test_the_api_refuses_a_bad_file_and_bad_rows_with_every_reason(api, world):
    bad_rows = [["API-2", "", "MOD", DUE.isoformat()], ["API-3", "Fine", "NOPE", "soon"]]
    refused = api("coordinator").post(IMPORT, {"file": upload(bad_rows)}, format="multipart")
    assert refused.status_code == 422
    check_django(refused)
    assert [row["number"] for row in refused.json()["rows"] if row["action"] == "refused"] == [2, 3]
    assert not ActionItem.objects.filter(external_id__startswith="API-").exists()
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("items.pdf", b"%PDF-1.7", "application/pdf")
    wrong = api("coordinator").post(IMPORT, {"file": pdf}, format="multipart")
    assert wrong.status_code == 400 and "xlsx" in wrong.json()["errors"]["file"][0]
    liaison = api("lead_liaison").post(IMPORT, {"file": upload([["X", "Y", "MOD", ""]])}, format="multipart")
    assert liaison.status_code == 403
