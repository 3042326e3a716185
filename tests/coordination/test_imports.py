"""Importing items from XLSX and CSV: a preview first, every row through the services, nothing imported while any
row is refused, updates by external id (fields, never status), and files refused whole with a clear reason."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from coordination import services
from coordination.models import ActionItem, ImportBatch
from coordination.sheets.imports import FileRefused, items_import
from coordination.sheets.writers import XLSX_TYPE, Sheet, csv_bytes, xlsx_bytes
from tests.conftest import DUE

pytestmark = pytest.mark.django_db
HEADINGS = ["External id", "Title (English)", "Title (Japanese)", "Lead agency (OPR)", "Supporting agencies (OCR)",
            "Due date", "Priority", "Status"]  # fmt: skip


def xlsx(rows, headings=HEADINGS) -> bytes:
    return xlsx_bytes([Sheet("Items", headings, rows)])


def csv_file(rows, headings=HEADINGS) -> bytes:
    return csv_bytes(Sheet("Items", headings, rows))


GOOD = [
    ["IMP-1", "Brief the UK team", "英国チームへの説明", "MOD", "MOFA", DUE, "High", "closed"],
    ["IMP-2", "Share the exercise calendar", "", "MOFA", "", DUE.isoformat(), "normal", ""],
]


@pytest.mark.parametrize("make", [xlsx, csv_file], ids=["xlsx", "csv"])
def test_a_good_file_previews_then_imports_through_the_services(world, make):
    name = "items.xlsx" if make is xlsx else "items.csv"
    preview = items_import(actor=world.coordinator, name=name, content=make(GOOD), dry_run=True)
    assert preview.ok and not preview.imported
    assert [(row.number, row.action) for row in preview.rows] == [(2, "create"), (3, "create")]
    assert preview.ignored_columns == ["Status"]  # status moves through the workflow only
    assert not ActionItem.objects.filter(external_id__startswith="IMP-").exists()

    done = items_import(actor=world.coordinator, name=name, content=make(GOOD), dry_run=False)
    assert done.imported
    first = ActionItem.objects.get(external_id="IMP-1")
    assert (first.title_ja, first.lead_agency, first.priority, first.status) == (
        "英国チームへの説明",
        world.mod,
        30,
        "draft",
    )
    assert list(first.concurrences.values_list("agency__code", flat=True)) == ["MOFA"]
    assert first.history.latest().history_user == world.coordinator and first.created_by == world.coordinator


def test_a_re_import_updates_by_external_id_and_leaves_empty_cells_alone(world):
    items_import(actor=world.coordinator, name="a.csv", content=csv_file(GOOD), dry_run=False)
    changed = [["IMP-1", "Brief the UK and French teams", "", "", "", "", "Urgent", "cancelled"]]
    report = items_import(actor=world.coordinator, name="a.csv", content=csv_file(changed), dry_run=False)
    assert [(row.action, row.changes) for row in report.rows] == [("update", ["priority", "title"])]
    item = ActionItem.objects.get(external_id="IMP-1")
    assert item.title == "Brief the UK and French teams" and item.title_ja == "英国チームへの説明"
    assert item.status == "draft" and item.priority == 40
    again = items_import(actor=world.coordinator, name="a.csv", content=csv_file(changed), dry_run=False)
    assert [row.action for row in again.rows] == ["unchanged"]


def test_a_file_with_bad_rows_imports_nothing_and_reports_every_bad_row(world):
    rows = [
        GOOD[0],
        ["IMP-3", "", "", "MOD", "", DUE, "", ""],  # no title
        ["IMP-4", "Unknown lead", "", "XYZ", "", DUE, "", ""],
        ["IMP-5", "Bad date", "", "MOD", "", "30/06/2026", "sometimes", ""],
    ]
    report = items_import(actor=world.coordinator, name="bad.xlsx", content=xlsx(rows), dry_run=False)
    assert not report.imported
    assert [(row.number, row.action) for row in report.refused] == [(3, "refused"), (4, "refused"), (5, "refused")]
    assert any("title" in error.lower() for error in report.rows[1].errors)
    assert any("XYZ" in error for error in report.rows[2].errors)
    assert len(report.rows[3].errors) == 2  # the date and the priority, both reported
    assert not ActionItem.objects.filter(external_id__startswith="IMP-").exists()


def test_a_liaison_and_another_department_cannot_import_into_this_one(world):
    report = items_import(actor=world.lead_liaison, name="a.csv", content=csv_file(GOOD), dry_run=False)
    assert not report.imported and len(report.refused) == 2
    headings = ["Department", *HEADINGS]
    rows = [["NSS-SCD", *GOOD[0]]]
    other = items_import(actor=world.other_coordinator, name="a.csv", content=csv_file(rows, headings), dry_run=False)
    assert not other.imported and "NSS-SCD" in other.rows[0].errors[0]


def test_an_update_never_reaches_an_item_the_importer_cannot_see(world):
    theirs = services.action_item_create(
        actor=world.other_coordinator,
        department=world.other_department,
        title="Theirs",
        lead_agency=world.mod,
        external_id="IMP-1",
    )
    report = items_import(actor=world.coordinator, name="a.csv", content=csv_file(GOOD[:1]), dry_run=False)
    assert report.imported and report.rows[0].action == "create"
    assert ActionItem.objects.get(department=world.other_department).title == "Theirs"
    by_id = csv_file([[theirs.pk, "Mine now"]], ["ID", "Title (English)"])
    refused = items_import(actor=world.coordinator, name="a.csv", content=by_id, dry_run=False)
    assert not refused.imported and refused.rows[0].errors == [f"There is no item #{theirs.pk} that you can see."]
    assert ActionItem.objects.get(pk=theirs.pk).title == "Theirs"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("items.pdf", b"%PDF-1.7", "Upload an Excel workbook"),
        ("items.xlsx", b"PK\x03\x04 not really a zip", "not a well-formed Office document"),
        ("items.csv", b"\xff\xfe\x00t\x00i", "Upload an Excel workbook"),
        ("items.csv", b"Colour,Size\nred,big\n", "None of the headings"),
        ("items.csv", b"", "no headings"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(world, name, content, reason):
    with pytest.raises(FileRefused, match=reason):
        items_import(actor=world.coordinator, name=name, content=content, dry_run=True)


def test_a_file_too_large_or_a_zip_bomb_is_refused(world, settings):
    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(FileRefused, match="larger than the limit"):
        items_import(actor=world.coordinator, name="a.csv", content=b"x" * 2000, dry_run=True)
    settings.IMPORT_MAX_BYTES = 5 * 2**20
    settings.ATTACHMENT_MAX_UNCOMPRESSED_BYTES = 2**20
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (3 * 2**20))
    with pytest.raises(FileRefused, match="expands to more than"):
        items_import(actor=world.coordinator, name="bomb.xlsx", content=stream.getvalue(), dry_run=True)


def test_an_exported_file_imports_as_it_is(client, staff_world):
    """The export's headings (and its formula guard) are the import's: export, change a cell, import."""
    services.action_item_create(
        actor=staff_world.coordinator,
        department=staff_world.department,
        title='=HYPERLINK("http://example.invalid","x")',
        lead_agency=staff_world.mofa,
        external_id="EXP-1",
        due_date=DUE,
    )
    client.force_login(staff_world.coordinator)
    exported = client.get("/admin/coordination/actionitem/?_export=xlsx").content
    book = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = book.active
    headings = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[headings.index("External id")].value == "EXP-1":
            row[headings.index("Priority")].value = "Urgent"
    stream = io.BytesIO()
    book.save(stream)
    report = items_import(actor=staff_world.coordinator, name="export.xlsx", content=stream.getvalue(), dry_run=False)
    assert report.imported, [row.errors for row in report.refused]
    assert {row.action for row in report.rows} == {"update", "unchanged"}
    item = ActionItem.objects.get(external_id="EXP-1")
    assert item.priority == 40 and item.title.startswith("=HYPERLINK")


# --- In the admin ------------------------------------------------------------------------------------------------


def test_the_admin_previews_then_imports_and_offers_the_template(client, staff_world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(staff_world.coordinator)
    template = client.get(reverse("admin:import_template"))
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    assert book.sheetnames == ["Items", "Allowed values"]
    allowed = [row for row in book["Allowed values"].iter_rows(values_only=True)]
    assert ("Department", "NSS-SCD", "Security Cooperation Department") in allowed

    upload = SimpleUploadedFile("items.xlsx", xlsx(GOOD), XLSX_TYPE)
    preview = client.post(reverse("admin:import_upload"), {"file": upload})
    assert preview.status_code == 200 and "Import these rows" in preview.text
    batch = ImportBatch.objects.get()
    assert batch.uploaded_by == staff_world.coordinator and not ActionItem.objects.filter(external_id="IMP-1").exists()
    client.force_login(staff_world.director)  # someone else cannot confirm another's upload
    assert client.post(reverse("admin:import_confirm", args=[batch.pk])).status_code == 404
    client.force_login(staff_world.coordinator)
    done = client.post(reverse("admin:import_confirm", args=[batch.pk]))
    assert done.status_code == 302 and ActionItem.objects.filter(external_id__in=["IMP-1", "IMP-2"]).count() == 2
    batch.refresh_from_db()
    assert batch.imported_at is not None and batch.summary == {"create": 2, "update": 0, "unchanged": 0}
    again = client.post(reverse("admin:import_confirm", args=[batch.pk]), follow=True)
    assert "imported already" in again.text and ActionItem.objects.filter(external_id="IMP-1").count() == 1

    bad = SimpleUploadedFile("items.csv", csv_file([["IMP-9", "", "", "XYZ", "", "", "", ""]]), "text/csv")
    refused = client.post(reverse("admin:import_upload"), {"file": bad})
    assert refused.status_code == 200 and "Import these rows" not in refused.text and "XYZ" in refused.text
    wrong = client.post(reverse("admin:import_upload"), {"file": SimpleUploadedFile("a.pdf", b"%PDF", "x/y")})
    assert wrong.status_code == 400 and "Upload an Excel workbook" in wrong.text
