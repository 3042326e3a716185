"""What the browser tests share: headless Chromium, signing in, screenshots, and the axe-core accessibility check.

axe-core is a test tool only (no page of the product loads it): a pinned release is fetched once from the npm
registry into var/tools/ (as `.ci/run` does before the suite) and injected into the page under test.
"""

from __future__ import annotations

import base64
import fcntl
import json
import subprocess
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions
from selenium.webdriver.support.ui import WebDriverWait

from tests.tool_groups import TOOL_GROUPS, find_program

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
TOOLS = ROOT / "var" / "tools"
AXE_VERSION = "4.14.1"
AXE_FILE = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct-horse-battery"  # the test factories' password
# What an accessibility check may not find on any page: axe-core's two highest impacts.
BLOCKING_IMPACTS = {"critical", "serious"}


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium, English unless a test switches; nothing that reaches for the internet. Files it
    downloads land in `browser.download_dir`."""
    browser_names, driver_names, *_ = TOOL_GROUPS["browser"]
    options = webdriver.ChromeOptions()
    options.binary_location = find_program(browser_names)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        "--lang=en-GB",
    ):
        options.add_argument(flag)
    download_dir = tmp_path / "downloads"
    download_dir.mkdir()
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(download_dir), "download.prompt_for_download": False}
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, where CSP refusals show
    driver = webdriver.Chrome(options=options, service=Service(executable_path=find_program(driver_names)))
    driver.download_dir = download_dir
    driver.implicitly_wait(5)
    yield driver
    try:
        refusals = csp_refusals(driver)
    finally:
        driver.quit()
    assert refusals == [], "the Content Security Policy refused: " + json.dumps(refusals, indent=1)


def csp_refusals(browser) -> list[str]:
    """What the browser refused under the Content Security Policy since the last look (each page the test opened:
    a script, a style or a request the policy does not allow)."""
    return [entry["message"] for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]]


def sign_in(browser, live_server, username: str, password: str = PASSWORD) -> None:
    """Sign in through the admin's own page, starting from a browser with no session."""
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    # Signed in once the admin's own page (with its log-out form) has loaded.
    WebDriverWait(browser, 10, ignored_exceptions=(NoSuchElementException,)).until(
        lambda driver: driver.find_element(By.ID, "logout-form"), "signing in did not reach the admin"
    )


def downloaded(browser, suffix: str, timeout: float = 15) -> Path:
    """The file the browser finished downloading (its name ending in `suffix`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [path for path in browser.download_dir.iterdir() if path.name.endswith(suffix)]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file was downloaded: {list(browser.download_dir.iterdir())}")


def print_to_pdf(browser, name: str) -> Path:
    """Print the page as Chromium does for paper (the page's print styles apply) and keep the PDF beside the
    screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.pdf"
    path.write_bytes(base64.b64decode(browser.print_page(PrintOptions())))
    return path


def screenshot(browser, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    browser.save_screenshot(str(path))
    return path


def axe_source() -> str:
    """The pinned axe-core, fetched from the npm registry the first time (by one worker of a parallel run: the
    others wait for it)."""
    if not AXE_FILE.exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        with open(TOOLS / ".fetching", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not AXE_FILE.exists():
                _axe_fetch()
    return AXE_FILE.read_text()


def _axe_fetch() -> None:
    npm = find_program(("npm",))
    if npm is None:
        pytest.fail("npm is needed to fetch axe-core for the accessibility checks (Debian: apt install npm)")
    command = [npm, "install", "--prefix", str(TOOLS), "--no-save", "--no-package-lock", "--no-audit"]
    result = subprocess.run(
        [*command, "--no-fund", f"axe-core@{AXE_VERSION}"], capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0 or not AXE_FILE.exists():
        pytest.fail(f"could not fetch axe-core {AXE_VERSION} from the npm registry: {result.stderr[-500:]}")


AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then(result => done(result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))))
  .catch(error => done([{id: "axe-error", impact: "critical", help: String(error), nodes: []}]));
"""


def axe_violations(browser) -> list[dict]:
    """The critical and serious accessibility violations axe-core finds on the page now shown."""
    browser.execute_script(axe_source())
    browser.set_script_timeout(60)
    violations = browser.execute_async_script(AXE_RUN)
    return [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]


def check_page(browser, name: str) -> None:
    """Screenshot the page under `name` and fail on anything the Content Security Policy refused and on any critical
    or serious accessibility violation."""
    screenshot(browser, name)
    assert csp_refusals(browser) == [], f"{name}: the Content Security Policy refused something"
    violations = axe_violations(browser)
    browser.get_log("browser")  # what axe-core's own probing of the page set off is not the page's doing
    assert violations == [], f"{name}: " + json.dumps(violations, ensure_ascii=False, indent=1)
