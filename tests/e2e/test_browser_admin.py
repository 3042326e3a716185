"""A liaison uses the admin in a real browser (headless Chromium): signs in, finds the item, acknowledges it.

Screenshots of what the liaison saw are kept in var/screenshots/ for a person to look at.
"""

from __future__ import annotations

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from coordination import services
from coordination.models import ActionItem
from tests.e2e.browser import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def liaison_world(world, move_to_status, settings):
    # The clock is frozen months before the browser's own: a session cookie with no expiry date stays valid.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    move_to_status(world.item, ActionItem.Status.ASSIGNED)
    world.lead_liaison.is_staff = True
    world.lead_liaison.save(update_fields=["is_staff"])
    world.hidden = services.action_item_create(
        actor=world.other_coordinator,
        department=world.other_department,
        title="Counter a disinformation campaign",
        lead_agency=world.meti,
        due_date=world.item.due_date,
    )
    return world


def wait_for_status(browser, label):
    """Wait until the page (after any navigation) shows the item in status `label`."""

    def shows(driver):
        return f"Status: {label}" in driver.find_element(By.CLASS_NAME, "tracker-status").text

    WebDriverWait(browser, 10, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(
        shows, f"the page never showed status {label}"
    )


def test_a_liaison_acknowledges_an_item_in_the_browser(browser, live_server, liaison_world):
    world = liaison_world
    sign_in(browser, live_server, "mod-liaison")
    browser.get(f"{live_server.url}/admin/coordination/actionitem/")
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert len(rows) == 1 and world.item.title in rows[0].text
    assert world.hidden.title not in browser.page_source
    screenshot(browser, "liaison-item-list")

    rows[0].find_element(By.PARTIAL_LINK_TEXT, world.item.title).click()
    wait_for_status(browser, "Assigned")
    screenshot(browser, "liaison-item-page")
    browser.find_element(By.CSS_SELECTOR, ".object-tools a[href$='/act/acknowledge/']").click()
    browser.find_element(By.CSS_SELECTOR, ".submit-row input[type=submit]").click()

    wait_for_status(browser, "Acknowledged")
    screenshot(browser, "liaison-item-acknowledged")
    item = ActionItem.objects.get(pk=world.item.pk)
    assert item.status == ActionItem.Status.ACKNOWLEDGED
    assert item.history.latest().history_user == world.lead_liaison


def test_another_departments_item_does_not_open_for_the_liaison(browser, live_server, liaison_world):
    sign_in(browser, live_server, "mod-liaison")
    browser.get(f"{live_server.url}/admin/coordination/actionitem/{liaison_world.hidden.pk}/change/")
    screenshot(browser, "liaison-other-item")
    assert liaison_world.hidden.title not in browser.page_source
    assert "doesn’t exist" in browser.page_source  # the admin's "perhaps it was deleted" message, nothing more
