"""Sign-in security in a real browser, under the Content Security Policy every page is served with: a coordinator
sets up two-factor authentication and signs in again with a recovery code; repeated wrong passwords end on the
lockout page; the password-reset page; the API docs and the browsable API run with the policy (the browser fixture
fails any test whose pages the policy refused something on)."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import TOTP
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.browser import PASSWORD, check_page, csp_refusals, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def browser_world(staff_world, settings):
    # The clock is frozen months before the browser's own: a session cookie with no expiry date stays valid.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    return staff_world


def wait_for(browser, predicate, message: str):
    WebDriverWait(browser, 10, ignored_exceptions=(NoSuchElementException,)).until(predicate, message)


def type_code(browser, code: str) -> None:
    """Type a code into the page's form and send it; returns once the answer's page has replaced this one (reading
    the page before that would find the old page's elements, or lose them as they go)."""
    page = browser.find_element(By.TAG_NAME, "html")
    field = browser.find_element(By.NAME, "code")
    field.clear()
    field.send_keys(code)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 10).until(staleness_of(page), "sending the code did not load a page")


def current_code(secret: str) -> str:
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{TOTP(key).token():06d}"


def test_a_coordinator_sets_up_two_factor_and_signs_in_again_with_a_recovery_code(
    browser, live_server, browser_world, settings
):
    settings.TWO_FACTOR_REQUIRED = True
    sign_in(browser, live_server, "coordinator")
    wait_for(browser, lambda driver: "/two-factor/set-up/" in driver.current_url, "not sent to set up a second factor")
    assert browser.find_element(By.CSS_SELECTOR, ".qr-code svg")
    check_page(browser, "two-factor-set-up")
    type_code(browser, "000000")
    assert "does not match" in browser.find_element(By.ID, "content-main").text  # a wrong code, the same key
    type_code(browser, current_code(browser.find_element(By.CLASS_NAME, "otp-secret").text))
    codes = [element.text for element in browser.find_elements(By.CSS_SELECTOR, ".recovery-code-list code")]
    assert len(codes) == 10
    check_page(browser, "recovery-codes")
    browser.find_element(By.LINK_TEXT, "I have kept them").click()
    wait_for(browser, lambda driver: driver.find_elements(By.CLASS_NAME, "tracker-dashboard"), "no dashboard")

    browser.find_element(By.CSS_SELECTOR, "#logout-form button").click()
    # The logged-out page loads in full before the next sign-in starts (else the two navigations race).
    wait_for(browser, lambda driver: driver.find_elements(By.LINK_TEXT, "Log in again"), "not logged out")
    check_page(browser, "logged-out")
    sign_in(browser, live_server, "coordinator")
    wait_for(browser, lambda driver: "/account/two-factor/" in driver.current_url, "no code asked for")
    check_page(browser, "two-factor-verify")
    type_code(browser, codes[0])
    wait_for(browser, lambda driver: driver.find_elements(By.CLASS_NAME, "tracker-dashboard"), "no dashboard")


def test_wrong_passwords_end_on_the_lockout_page(browser, live_server, browser_world, settings):
    browser.get(f"{live_server.url}/admin/login/")
    for password in ["a wrong guess"] * settings.LOGIN_FAILURE_LIMIT:  # the last one locks the account
        wait_for(browser, lambda driver: driver.find_elements(By.NAME, "username"), "no sign-in form")
        username = browser.find_element(By.NAME, "username")
        username.clear()  # the page comes back with the name typed before
        username.send_keys("mod-liaison")
        browser.find_element(By.NAME, "password").send_keys(password)
        submit = browser.find_element(By.CSS_SELECTOR, "input[type=submit]")
        submit.click()
        # The next page has replaced this one (the old form's elements gone) before the next try types into it.
        WebDriverWait(browser, 10).until(staleness_of(submit), "the sign-in form was not answered")
        wait_for(browser, lambda driver: driver.execute_script("return document.readyState") == "complete", "slow")
    wait_for(browser, lambda driver: driver.find_elements(By.CLASS_NAME, "locked-out"), "no lockout page")
    assert "15 minutes" in browser.find_element(By.ID, "content-main").text
    browser.get(f"{live_server.url}/admin/login/")  # the right password, now: still locked
    browser.find_element(By.NAME, "username").send_keys("mod-liaison")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait_for(browser, lambda driver: driver.find_elements(By.CLASS_NAME, "locked-out"), "signed in while locked")
    check_page(browser, "locked-out")
    browser.find_element(By.LINK_TEXT, "Forgotten your password?").click()
    wait_for(browser, lambda driver: driver.find_elements(By.NAME, "email"), "no password-reset form")
    check_page(browser, "password-reset")


def test_the_api_docs_and_the_browsable_api_run_under_the_policy(browser, live_server, browser_world):
    browser.get(f"{live_server.url}/api/docs/")
    wait_for(browser, lambda driver: driver.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock"), "no operations")
    assert "Interagency coordination tracker API" in browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info").text
    refused = csp_refusals(browser)
    assert refused == [], refused
    sign_in(browser, live_server, "coordinator")
    browser.get(f"{live_server.url}/api/v1/action-items/")
    wait_for(browser, lambda driver: driver.find_elements(By.CSS_SELECTOR, ".response-info"), "no browsable API")
    refused = csp_refusals(browser)
    assert refused == [], refused
