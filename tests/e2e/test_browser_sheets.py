"""Spreadsheets and reports in a real browser (headless Chromium), in English and Japanese: the item list exported
as XLSX, changed, and imported again through the preview; the director's brief printed to PDF by Chromium; the
import, template and report pages checked with axe-core. Screenshots and PDFs go to var/screenshots/."""

from __future__ import annotations

import openpyxl
import pytest
from selenium.webdriver.common.by import By

from coordination import services
from coordination.models import ActionItem, ImportBatch, Meeting
from coordination.sheets.writers import Sheet, csv_bytes
from tests.conftest import DUE, TODAY
from tests.e2e.browser import check_page, downloaded, print_to_pdf, sign_in
from tests.e2e.test_browser_console import message_text, switch_to_japanese, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def sheet_world(staff_world, move_to_status, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # the clock is frozen months before the browser's own
    world = staff_world
    world.exported = services.action_item_create(
        actor=world.coordinator,
        department=world.department,
        title="Agree the exercise calendar",
        title_ja="演習日程の合意",
        lead_agency=world.mofa,
        external_id="CAL-1",
        due_date=DUE,
    )
    world.meeting = Meeting.objects.create(
        department=world.department, title="Kick-off", title_ja="発足会合", held_on=TODAY
    )
    world.meeting.agencies.add(world.mod)
    item = move_to_status(world.item, ActionItem.Status.IN_PROGRESS)
    ActionItem.objects.filter(pk=item.pk).update(meeting=world.meeting)
    services.progress_update_create(actor=world.lead_liaison, item=item, text="Outline shared", percent_complete=30)
    return world


def test_export_change_and_import_again_through_the_preview(browser, live_server, sheet_world, tmp_path):
    world = sheet_world
    base = live_server.url
    sign_in(browser, live_server, "coordinator")
    browser.get(f"{base}/admin/coordination/actionitem/?state=all")
    browser.find_element(By.CSS_SELECTOR, ".object-tools a[href*='_export=xlsx']").click()
    exported = downloaded(browser, ".xlsx")

    book = openpyxl.load_workbook(exported)
    sheet = book.active
    headings = [cell.value for cell in sheet[1]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(rows) == set(ActionItem.objects.values_list("pk", flat=True))
    rows[world.exported.pk][headings.index("Priority")].value = "Urgent"
    rows[world.exported.pk][headings.index("Title (English)")].value = "Agree the exercise calendar for 2027"
    changed = tmp_path / "changed.xlsx"
    book.save(changed)

    browser.get(f"{base}/admin/import/")
    check_page(browser, "sheets-en-import")
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(changed))
    browser.find_element(By.CSS_SELECTOR, ".submit-row input[type=submit]").click()
    wait_until(browser, lambda driver: driver.find_element(By.ID, "import-rows"), "no preview")
    check_page(browser, "sheets-en-import-preview")
    assert ActionItem.objects.get(pk=world.exported.pk).priority == ActionItem.Priority.NORMAL  # not yet
    browser.find_element(By.CSS_SELECTOR, ".submit-row input[type=submit]").click()
    wait_until(browser, lambda driver: "Imported changed.xlsx" in message_text(driver), "not imported")
    item = ActionItem.objects.get(pk=world.exported.pk)
    assert (item.priority, item.title) == (ActionItem.Priority.URGENT, "Agree the exercise calendar for 2027")
    assert item.history.latest().history_user == world.coordinator
    assert ImportBatch.objects.get().imported_at is not None


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_reports_and_the_import_pass_the_accessibility_check(browser, live_server, sheet_world, language, tmp_path):
    world = sheet_world
    base = live_server.url
    sign_in(browser, live_server, "coordinator")
    if language == "ja":
        switch_to_japanese(browser)
    browser.get(f"{base}/admin/reports/brief/")
    check_page(browser, f"sheets-{language}-brief")
    pdf = print_to_pdf(browser, f"sheets-{language}-brief")
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF") and len(content) > 5000
    if language == "ja":
        assert b"CJK" in content  # the Japanese text is set in the bundled CJK font, embedded in the PDF
    browser.get(f"{base}/admin/reports/meeting/{world.meeting.pk}/")
    assert "Outline shared" in browser.page_source
    check_page(browser, f"sheets-{language}-read-ahead")
    browser.get(f"{base}/admin/import/")
    check_page(browser, f"sheets-{language}-import")
    # A file with a refused row: the preview shows every reason and offers no import.
    bad = tmp_path / "items.csv"
    bad.write_bytes(
        csv_bytes(Sheet("Items", ["External id", "Title (English)", "Lead agency (OPR)"], [["X-1", "", "XYZ"]]))
    )
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(bad))
    browser.find_element(By.CSS_SELECTOR, ".submit-row input[type=submit]").click()
    wait_until(browser, lambda driver: driver.find_element(By.ID, "import-rows"), "no preview")
    assert "XYZ" in browser.page_source and not browser.find_elements(By.CSS_SELECTOR, "form[action$='/confirm/']")
    check_page(browser, f"sheets-{language}-import-preview-refused")
