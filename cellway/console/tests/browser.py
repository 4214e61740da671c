"""Selenium helpers for every app's browser tests: a headless Chromium, signing staff in
through the real form, submitting forms the way htmx's `hx-boost` does, and the checks
each page gets (axe-core, its direction, no sideways scroll on a phone). The portal's own
steps (a patient signing in by a mailed code) are in cellway/portal/tests/browser.py.

The body is boosted, so a submitted form does not load a new page: htmx swaps the
body's content. A helper therefore waits for the old `<main>` to leave the page
(`staleness_of`) before reading what the person now sees. Never a sleep.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from cellway.billing.tests.test_stripe import SECRET, WEBHOOK
from cellway.demo.fake_stripe import FakeStripe
from cellway.site.tests.axe import axe_violations

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DESKTOP = (1280, 900)
PHONE = (375, 812)
WAIT_SECONDS = 15

NAMES = {
    "carla": "Carla Reyes",
    "liam": "Liam Okafor",
    "sofia": "Sofia Marković",
    "daniel": "Daniel Weiss",
    "fiona": "Fiona Brennan",
    "marcus": "Marcus Lindqvist",
    "lena": "Lena Novak",
    "ivan": "Ivan Petrović",
    "tara": "Tara Kelly",
    "nina": "Nina Horvat",
    "adam": "Adam Kovač",
}

# The live server answers from another thread, so the test's rows must be committed.
# The flush after each test empties the tables; the root conftest's `staff` fixture
# puts the roles and conditions back (post_migrate) when it finds them gone.
browser_db = pytest.mark.django_db(transaction=True)


def start_chrome(profile_dir: str) -> WebDriver:
    """A headless Chromium that never reaches the network on its own (Selenium Manager off)."""
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--lang=en-GB",
        f"--user-data-dir={profile_dir}",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(*DESKTOP)
    return driver


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    """A fresh headless Chromium with its own empty profile, closed after the test."""
    with tempfile.TemporaryDirectory(prefix="cellway-chrome-") as profile:
        driver = start_chrome(profile)
        try:
            yield driver
        finally:
            driver.quit()


@pytest.fixture
def fake_stripe_live(settings: Any, live_server: Any) -> Any:
    """The local fake of Stripe (as `make demo` runs it), its webhooks signed to this live server."""
    settings.STRIPE_SECRET_KEY = "sk_test_cellway"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    fake = FakeStripe(webhook_url=live_server.url + WEBHOOK, webhook_secret=SECRET)
    settings.STRIPE_API_BASE = fake.start()
    yield fake
    fake.stop()


def wait(driver: WebDriver, seconds: float = WAIT_SECONDS) -> WebDriverWait[WebDriver]:
    # While a page is being replaced Chrome may answer a poll with "node does
    # not belong to the document" (a plain WebDriverException, not a stale
    # element): that is "not yet", so keep polling until the timeout.
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException, WebDriverException))


def visit(driver: WebDriver, live_server: Any, path: str) -> None:
    """Load a page in full (as typing the address does)."""
    driver.get(live_server.url + path)
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in(driver: WebDriver, live_server: Any, username: str, password: str | None = None) -> None:
    """Sign `username` in through the real form, on a fresh sign-in page (whoever was signed in is forgotten)."""
    from cellway.demo.staff import DEMO_PASSWORD

    # Start from a clean, fully loaded sign-in page: typing while htmx still
    # swaps a boosted sign-out in made the journey flaky ("node does not belong
    # to the document"). Signing out itself is tested in accounts/tests.
    if driver.current_url.startswith(live_server.url):
        driver.delete_all_cookies()
    visit(driver, live_server, "/accounts/login/")
    driver.find_element(By.ID, "id_login").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(password or DEMO_PASSWORD)
    login_form = driver.find_element(By.CSS_SELECTOR, "form")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(driver).until(ec.staleness_of(login_form))
    name = NAMES.get(username, username)
    wait(driver).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "header.top"), name))
    wait(driver).until(_settled)


# Remembers the last answer htmx got but did not show (an error status), for failure messages.
_WATCH_ERRORS = (
    "if (!window.cellwayTestWatching) { window.cellwayTestWatching = true;"
    " document.addEventListener('htmx:responseError', e => {"
    " window.cellwayTestLastError = e.detail.xhr.status + ' from ' + e.detail.pathInfo.requestPath; }); }"
)


def submit(driver: WebDriver, button: WebElement) -> None:
    """Click a submit button and wait until htmx has swapped in the answer (a new `<main>`)."""
    old = driver.find_element(By.TAG_NAME, "main")
    driver.execute_script(_WATCH_ERRORS + "arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    try:
        wait(driver).until(ec.staleness_of(old))
    except TimeoutException:
        why = driver.execute_script(
            "const f = arguments[0].form; const bad = f ? Array.from(f.elements).filter(e => e.name && !e.checkValidity()) : [];"
            "return {invalid: bad.map(e => e.name + ': ' + e.validationMessage), answer: window.cellwayTestLastError || null}",
            button,
        )
        raise AssertionError(f"The page did not change after the click: {why}") from None
    wait(driver).until(ec.presence_of_element_located((By.TAG_NAME, "main")))
    wait(driver).until(_settled)


def _settled(driver: WebDriver) -> bool:
    """The page is loaded and htmx has no request, swap or settle under way."""
    return bool(
        driver.execute_script(
            "return document.readyState === 'complete' && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        )
    )


def follow(driver: WebDriver, link: WebElement) -> None:
    """Follow a (boosted) link and wait for the new page."""
    submit(driver, link)


def form(driver: WebDriver, action: str) -> WebElement:
    """The form posting to the case action `action` (its URL ends in `/<action>/`)."""
    return driver.find_element(By.CSS_SELECTOR, f"form[action$='/{action}/']")


def has_form(driver: WebDriver, action: str) -> bool:
    return bool(driver.find_elements(By.CSS_SELECTOR, f"form[action$='/{action}/']"))


def open_details(driver: WebDriver, inside: WebElement) -> None:
    """Open the `<details>` around `inside` by clicking its summary, as a person would."""
    details = driver.execute_script("return arguments[0].closest('details')", inside)
    if details is not None and not details.get_attribute("open"):
        summary = details.find_element(By.TAG_NAME, "summary")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
        summary.click()
        wait(driver).until(lambda d: details.get_attribute("open") is not None)


def type_into(field: WebElement, text: str) -> None:
    field.clear()
    field.send_keys(text)


def set_date(driver: WebDriver, field: WebElement, day: dt.date) -> None:
    """Fill an `<input type=date>`. Typing into one depends on the browser's locale, so set its value."""
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        field,
        day.isoformat(),
    )


def choose(field: WebElement, visible_text: str) -> None:
    Select(field).select_by_visible_text(visible_text)


def button(scope: WebElement, text: str) -> WebElement:
    return scope.find_element(By.XPATH, f".//button[normalize-space()='{text}']")


def stage(driver: WebDriver) -> str:
    return driver.find_element(By.ID, "stage").text


def messages(driver: WebDriver) -> list[str]:
    return [m.text for m in driver.find_elements(By.CSS_SELECTOR, "ul.messages li")]


def section(driver: WebDriver, section_id: str) -> WebElement:
    return driver.find_element(By.ID, section_id)


def text_of(driver: WebDriver, css: str) -> str:
    try:
        return driver.find_element(By.CSS_SELECTOR, css).text
    except NoSuchElementException:
        return ""


def case_path(case: Any) -> str:
    return f"/cases/{case.uuid}/"


def overflows(driver: WebDriver) -> bool:
    """True when the page is wider than the window (a sideways scroll on a phone)."""
    return bool(driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1"))


def widest_elements(driver: WebDriver, limit: int = 5) -> list[str]:
    """For a failure message: the elements that stick out past the window's right edge."""
    return list(
        driver.execute_script(
            "const w = window.innerWidth; return Array.from(document.querySelectorAll('body *'))"
            ".filter(e => e.getBoundingClientRect().right > w + 1)"
            ".slice(0, arguments[0]).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +"
            " (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') +"
            " ' ' + Math.round(e.getBoundingClientRect().right))",
            limit,
        )
    )


def fits(driver: WebDriver, sizes: tuple[tuple[int, int], ...] = (DESKTOP, PHONE)) -> None:
    """Assert the page has no sideways scroll at each window size (desktop and phone by default), then put the
    window back as it was."""
    before = driver.get_window_size()
    try:
        for width, height in sizes:
            driver.set_window_size(width, height)
            assert not overflows(driver), (f"sideways scroll at {width} px", widest_elements(driver))
    finally:
        driver.set_window_size(before["width"], before["height"])


def checked_page(driver: WebDriver, name: str, direction: str | None = None) -> None:
    """What every public and portal page must do, checked at once: axe-core finds no serious or critical
    violation, the page says its direction (`direction`, "ltr" or "rtl", when the test knows the language),
    it fits a phone; then a screenshot named `name` (with CELLWAY_SCREENSHOTS=1)."""
    assert axe_violations(driver) == [], name
    page_direction = driver.execute_script("return document.documentElement.dir")
    assert page_direction in ({direction} if direction else {"ltr", "rtl"}), (name, page_direction)
    fits(driver, (PHONE,))
    screenshot(driver, name)


def click_and_wait(driver: WebDriver, css: str) -> None:
    """Click the element at `css` on a page that is not boosted (the portal, the site) and wait for the next page
    to load in full: the old `<html>` gone, the new one complete."""
    old = driver.find_element(By.TAG_NAME, "html")
    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()
    wait(driver).until(ec.staleness_of(old))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def watch_upload(driver: WebDriver, bar: WebElement, seconds: float = 30) -> None:
    """Assert that an upload's `<progress>` (site/upload.js) showed a value strictly between 0 and 100 (the person
    saw it move), then wait for the upload to end (its row gets a `data-state`). The bar is read every 50 ms: the
    tests throttle the upload to take seconds, so a value midway is there to be seen for many reads."""
    seen: set[int] = set()

    def moved(_: WebDriver) -> bool:
        seen.add(int(bar.get_attribute("value") or 0))
        return any(0 < value < 100 for value in seen)

    try:
        WebDriverWait(driver, seconds, poll_frequency=0.05).until(moved)
    except TimeoutException:
        raise AssertionError(f"The progress bar never showed a value between 0 and 100: {sorted(seen)}") from None
    wait(driver, seconds).until(lambda d: d.execute_script("return arguments[0].closest('li').dataset.state || ''", bar))


def screenshot(driver: WebDriver, name: str) -> list[Path]:
    """With CELLWAY_SCREENSHOTS=1, save the page full-height at desktop and phone widths to
    `var/screenshots/<name>-<width>.png` (git-ignored), for people to look at. Otherwise nothing."""
    if os.environ.get("CELLWAY_SCREENSHOTS") != "1":
        return []
    folder = Path(__file__).resolve().parents[3] / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    before = driver.get_window_size()
    saved = []
    try:
        for width, height in (DESKTOP, PHONE):
            driver.set_window_size(width, height)
            full = int(driver.execute_script("return document.documentElement.scrollHeight"))
            driver.set_window_size(width, max(height, min(full + 100, 8000)))
            path = folder / f"{name}-{width}.png"
            driver.save_screenshot(str(path))
            saved.append(path)
    finally:
        driver.set_window_size(before["width"], before["height"])
    return saved


def fetch(d: WebDriver, url: str) -> bytes:
    """GET `url` with the browser's session (a PDF: Chromium would open its viewer)."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in d.get_cookies())
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 - the live server
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return bytes(response.read())
