"""The console in a real browser (headless Chromium), in English and Japanese, as its people use it:

a coordinator creates an item for MOFA and edits it from its change page; MOFA's liaison finds it on their home,
acknowledges it and attaches a PDF; the coordinator closes two submissions with one bulk action and approves an
extension from the review queue; the dashboard's counts follow. Every page of the console is checked with
axe-core (no critical or serious violation) and kept as a screenshot in var/screenshots/console-<language>-*.png.
"""

from __future__ import annotations

import datetime

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from coordination import services
from coordination.calendar import JAPAN
from coordination.demo import seed_demo
from coordination.models import ActionItem, Attachment, Concurrence, ExtensionRequest
from tests.conftest import DUE
from tests.e2e.browser import check_page, sign_in
from tests.e2e.conftest import DEMO_DAY
from users.backends import DEMO_PASSWORD
from users.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
Status = ActionItem.Status
WAIT = (NoSuchElementException, StaleElementReferenceException)


@pytest.fixture
def console_world(staff_world, move_to_status, settings):
    """Two submissions MOFA concurred on, and an item whose lead asks for an extension."""
    # The clock is frozen months before the browser's own: a session cookie with no expiry date stays valid.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    world = staff_world
    world.submissions = []
    for title in ("Brief the UK on the access agreement", "Share the exercise calendar"):
        item = services.action_item_create(
            actor=world.coordinator,
            department=world.department,
            title=title,
            lead_agency=world.mod,
            supporting_agencies=[world.mofa],
            due_date=DUE,
        )
        item = move_to_status(item, Status.IN_PROGRESS)
        services.concurrence_record(actor=world.supporting_liaison, item=item, agency=world.mofa, state="concur")
        world.submissions.append(services.action_item_transition(actor=world.lead_liaison, item=item, name="submit"))
    waiting = move_to_status(
        services.action_item_create(
            actor=world.coordinator,
            department=world.department,
            title="Cost the patrol boat package",
            title_ja="巡視艇パッケージの経費見積り",
            lead_agency=world.mod,
            due_date=DUE,
        ),
        Status.IN_PROGRESS,
    )
    world.extension = services.extension_request_create(
        actor=world.lead_liaison,
        item=waiting,
        requested_due_date=DUE + datetime.timedelta(days=14),
        reason="The budget figures arrive in July",
    )
    return world


def wait_until(browser, condition, message):
    return WebDriverWait(browser, 10, ignored_exceptions=WAIT).until(condition, message)


def message_text(browser) -> str:
    return " ".join(element.text for element in browser.find_elements(By.CSS_SELECTOR, "ul.messagelist li"))


def dashboard_cell(browser, live_server, name: str) -> int:
    browser.get(f"{live_server.url}/admin/")
    return int(browser.find_element(By.CSS_SELECTOR, f'[data-cell="{name}"]').get_attribute("data-count"))


def switch_to_japanese(browser):
    browser.find_element(By.CSS_SELECTOR, '#language-form button[value="ja"]').click()
    wait_until(browser, lambda driver: driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja", "ja")


def test_a_day_in_the_console_in_both_languages(browser, live_server, console_world, tmp_path):
    world = console_world
    base = live_server.url

    # --- The coordinator's morning: the dashboard, then a new item for MOFA --------------------------------------
    sign_in(browser, live_server, "coordinator")
    queue_before = dashboard_cell(browser, live_server, "queue")
    closed_before = dashboard_cell(browser, live_server, "all-closed")
    assert queue_before == 3  # two submissions and one extension request
    check_page(browser, "console-en-dashboard")

    browser.get(f"{base}/admin/coordination/actionitem/add/")
    browser.find_element(By.ID, "id_title").send_keys("Agree the MOFA talking points for the RAA talks")
    browser.find_element(By.ID, "id_title_ja").send_keys("円滑化協定交渉に向けた外務省の応答要領の合意")
    Select(browser.find_element(By.ID, "id_department")).select_by_visible_text(world.department.name_en)
    Select(browser.find_element(By.ID, "id_lead_agency")).select_by_visible_text("MOFA")
    browser.find_element(By.ID, "id_due_date").send_keys(DUE.isoformat())
    browser.find_element(By.NAME, "_save").click()
    wait_until(browser, lambda driver: "was added successfully" in message_text(driver), "the item was not added")
    item = ActionItem.objects.get(title="Agree the MOFA talking points for the RAA talks")
    assert item.lead_agency == world.mofa and item.created_by == world.coordinator

    browser.get(f"{base}/admin/coordination/actionitem/{item.pk}/change/")
    description = browser.find_element(By.ID, "id_description")
    description.send_keys("Lines on jurisdiction and status of forces, agreed with MOFA before the next round.")
    browser.find_element(By.NAME, "_continue").click()
    wait_until(browser, lambda driver: "was changed successfully" in message_text(driver), "the edit was not saved")
    assert "status of forces" in ActionItem.objects.get(pk=item.pk).description
    browser.find_element(By.CSS_SELECTOR, ".object-tools a[href$='/act/assign/']").click()
    browser.find_element(By.CSS_SELECTOR, ".submit-row input[type=submit]").click()
    wait_until(browser, lambda driver: "Assign: done" in message_text(driver), "the item was not assigned")
    check_page(browser, "console-en-item")
    assert ActionItem.objects.get(pk=item.pk).status == Status.ASSIGNED

    # --- MOFA's liaison: the home, one click to acknowledge, a PDF attached -------------------------------------
    sign_in(browser, live_server, "mofa-liaison")
    row = browser.find_element(By.ID, f"home-item-{item.pk}")
    assert "new" in row.text
    check_page(browser, "console-en-liaison-home")
    row.find_element(By.CSS_SELECTOR, 'button[data-action="acknowledge"]').click()
    wait_until(browser, lambda driver: "Acknowledge: done" in message_text(driver), "the item was not acknowledged")
    assert ActionItem.objects.get(pk=item.pk).status == Status.ACKNOWLEDGED

    pdf = tmp_path / "talking-points.pdf"
    pdf.write_bytes(b"%PDF-1.7\n% talking points for the RAA talks\n")
    browser.find_element(By.ID, f"home-item-{item.pk}").find_element(By.PARTIAL_LINK_TEXT, "Attach a file").click()
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(pdf))
    browser.find_element(By.CSS_SELECTOR, ".submit-row input[type=submit]").click()
    wait_until(browser, lambda driver: "Attach a file: done" in message_text(driver), "the file was not attached")
    attachment = Attachment.objects.get(action_item=item)
    assert attachment.filename == "talking-points.pdf" and attachment.uploaded_by == world.supporting_liaison

    # --- The coordinator: two submissions closed at once, an extension approved from the queue ------------------
    sign_in(browser, live_server, "coordinator")
    browser.get(f"{base}/admin/coordination/actionitem/?status__exact=submitted")
    check_page(browser, "console-en-list")
    for submission in world.submissions:
        browser.find_element(By.CSS_SELECTOR, f'input.action-select[value="{submission.pk}"]').click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("bulk_close")
    browser.find_element(By.CSS_SELECTOR, 'button[name="index"]').click()
    browser.find_element(By.CSS_SELECTOR, ".submit-row input[type=submit]").click()
    wait_until(browser, lambda driver: "done for" in message_text(driver), "the bulk close did not report")
    assert {ActionItem.objects.get(pk=s.pk).status for s in world.submissions} == {Status.CLOSED}

    browser.get(f"{base}/admin/review/")
    check_page(browser, "console-en-review-queue")
    browser.find_element(By.ID, f"queue-extension-{world.extension.pk}").find_element(
        By.CSS_SELECTOR, 'button[value="approve"]'
    ).click()
    wait_until(browser, lambda driver: "extension request decided" in message_text(driver), "no decision")
    assert ExtensionRequest.objects.get(pk=world.extension.pk).state == ExtensionRequest.State.APPROVED

    # The dashboard follows: the queue is empty and two more items closed in the last 90 days.
    assert dashboard_cell(browser, live_server, "queue") == 0
    assert dashboard_cell(browser, live_server, "all-closed") == closed_before + 2

    # --- The same pages in Japanese ---------------------------------------------------------------------------
    switch_to_japanese(browser)
    assert "ダッシュボード" in browser.page_source
    check_page(browser, "console-ja-dashboard")
    browser.get(f"{base}/admin/coordination/actionitem/?state=all")
    assert "円滑化協定交渉に向けた外務省の応答要領の合意" in browser.page_source
    check_page(browser, "console-ja-list")
    browser.get(f"{base}/admin/coordination/actionitem/{item.pk}/change/")
    check_page(browser, "console-ja-item")
    browser.get(f"{base}/admin/review/")
    assert "審査キュー" in browser.page_source
    check_page(browser, "console-ja-review-queue")

    sign_in(browser, live_server, "mofa-liaison")
    switch_to_japanese(browser)
    assert "所属省庁の案件" in browser.page_source
    check_page(browser, "console-ja-liaison-home")


def test_a_non_concurrence_waits_in_the_queue_until_noted(browser, live_server, console_world):
    """A smaller walk: MOFA does not concur; the coordinator sees it in the queue and notes it."""
    world = console_world
    item = world.extension.action_item
    services.action_item_update(actor=world.coordinator, item=item, changes={"supporting_agencies": [world.mofa]})
    services.concurrence_record(
        actor=world.supporting_liaison, item=item, agency=world.mofa, state="non_concur", comment="Wrong costs"
    )
    answer = Concurrence.objects.get(action_item=item, agency=world.mofa)
    sign_in(browser, live_server, "coordinator")
    browser.get(f"{live_server.url}/admin/review/")
    row = browser.find_element(By.ID, f"queue-nonconcurrence-{answer.pk}")
    assert "Wrong costs" in row.text
    row.find_element(By.CSS_SELECTOR, 'button[value="note"]').click()
    wait_until(browser, lambda driver: "noted" in message_text(driver), "the non-concurrence was not noted")
    assert Concurrence.objects.get(pk=answer.pk).reviewed_by == world.coordinator


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_demo_console_pages_pass_the_accessibility_check(
    browser, live_server, db, settings, time_machine, language
):
    """The demo's full console (every queue section, overdue bars, alerts) in each language."""
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    time_machine.move_to(datetime.datetime.combine(DEMO_DAY, datetime.time(10), tzinfo=JAPAN))
    seed_demo(today=DEMO_DAY)
    User.objects.filter(username__in=["coordinator", "mod-liaison"]).update(preferred_language=language)
    sign_in(browser, live_server, "coordinator", DEMO_PASSWORD)
    submitted = ActionItem.objects.filter(status=Status.SUBMITTED).first()
    pages = {
        "dashboard": "/admin/",
        "review-queue": "/admin/review/",
        "list": "/admin/coordination/actionitem/",
        "item": f"/admin/coordination/actionitem/{submitted.pk}/change/",
    }
    for name, path in pages.items():
        browser.get(f"{live_server.url}{path}")
        check_page(browser, f"demo-{language}-{name}")
        if name == "dashboard":
            assert browser.find_elements(By.CSS_SELECTOR, ".tracker-bar-alert")  # the demo has overdue items
    sign_in(browser, live_server, "mod-liaison", DEMO_PASSWORD)
    check_page(browser, f"demo-{language}-liaison-home")
