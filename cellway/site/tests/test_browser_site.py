"""The public pages in Chromium: each language lays out (Arabic right to left, no sideways scroll on a phone),
loads nothing from another host, and passes axe-core with no serious or critical violation."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.cases.stages import Stage
from cellway.console.tests.browser import (
    DESKTOP,
    PHONE,
    browser,
    browser_db,
    overflows,
    screenshot,
    set_date,
    submit,
    type_into,
    visit,
    wait,
    widest_elements,
)
from cellway.site.tests.axe import axe_violations
from cellway.site.tests.own_host import foreign_references

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, browser_db]

LANGUAGES = ("en", "zh-hans", "ar")
PAGES = ("", "conditions/multiple-sclerosis/", "how-we-proceed/", "outcomes/methods/", "inquiry/", "conditions/no-such-page/")


@pytest.fixture
def ms_page(staff: dict[str, Any]) -> None:
    from cellway.demo.site import load_ms_page, load_references

    load_references(staff["adam"])
    load_ms_page(staff["adam"])


def resources_loaded(driver: WebDriver) -> list[str]:
    """Every address the browser fetched for the page (the Resource Timing list)."""
    return list(driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_pass_axe_and_load_only_from_cellway(browser: WebDriver, live_server: Any, ms_page: None, language: str) -> None:
    for page in PAGES:
        visit(browser, live_server, f"/{language}/{page}")
        wait(browser).until(lambda d: d.execute_script("return document.fonts.status") == "loaded")
        assert axe_violations(browser) == [], f"/{language}/{page}"
        assert foreign_references(browser.page_source) == []
        assert all(url.startswith(live_server.url) for url in resources_loaded(browser)), resources_loaded(browser)
        screenshot(browser, f"site-{language}-{page.strip('/').replace('/', '-') or 'home'}")


def test_the_fonts_come_from_cellway_and_are_used(browser: WebDriver, live_server: Any) -> None:
    for language, family in (("en", "Noto Sans"), ("zh-hans", "Noto Sans SC"), ("ar", "Noto Sans Arabic")):
        visit(browser, live_server, f"/{language}/")
        wait(browser).until(lambda d: d.execute_script("return document.fonts.status") == "loaded")
        loaded = browser.execute_script(
            "return Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family.replaceAll('\"', ''))"
        )
        assert family in loaded, (language, loaded)
        fonts = [u for u in resources_loaded(browser) if u.endswith(".woff2")]
        assert fonts and all(u.startswith(live_server.url + "/static/site/fonts/") for u in fonts)


def test_arabic_reads_right_to_left_and_fits_a_phone(browser: WebDriver, live_server: Any) -> None:
    visit(browser, live_server, "/ar/")
    assert browser.execute_script("return getComputedStyle(document.body).direction") == "rtl"
    brand = browser.find_element(By.CSS_SELECTOR, ".brand").rect
    languages = browser.find_element(By.CSS_SELECTOR, ".languages").rect
    assert brand["x"] > languages["x"]  # the clinic's name starts on the right
    browser.set_window_size(*PHONE)
    assert not overflows(browser), widest_elements(browser)


def test_choosing_a_language_keeps_the_page_and_is_remembered(browser: WebDriver, live_server: Any) -> None:
    visit(browser, live_server, "/en/")
    browser.find_element(By.CSS_SELECTOR, ".languages a[hreflang='zh-hans']").click()
    wait(browser).until(lambda d: d.current_url == live_server.url + "/zh-hans/")
    visit(browser, live_server, "/welcome/")
    assert browser.current_url == live_server.url + "/zh-hans/"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"


@pytest.mark.parametrize("language", LANGUAGES)
def test_reading_the_ms_page_a_citation_leads_to_its_reference(browser: WebDriver, live_server: Any, ms_page: None, language: str) -> None:
    visit(browser, live_server, f"/{language}/")
    browser.find_element(By.CSS_SELECTOR, "a[href$='/conditions/multiple-sclerosis/']").click()
    wait(browser).until(lambda d: d.current_url.endswith(f"/{language}/conditions/multiple-sclerosis/"))
    marks = browser.find_elements(By.CSS_SELECTOR, ".cites a")
    assert [m.text for m in marks] == ["1", "2", "3", "4", "5", "6"]
    marks[2].click()
    wait(browser).until(lambda d: d.current_url.endswith("#ref-3"))
    target = browser.find_element(By.ID, "ref-3")
    assert "Oncotarget" in target.text
    in_view = "const r = arguments[0].getBoundingClientRect(); return r.top > -2 && r.bottom < innerHeight + 2"  # sub-pixel
    wait(browser).until(lambda d: d.execute_script(in_view, target))
    browser.set_window_size(*PHONE)
    assert not overflows(browser), widest_elements(browser)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_outcome_figures_fit_a_phone_and_pass_axe(
    browser: WebDriver, live_server: Any, ms_page: None, case_at: Any, settings: Any, language: str
) -> None:
    settings.OUTCOMES_MIN_COHORT = 2
    for _ in range(3):
        case_at(Stage.FOLLOW_UP)
    visit(browser, live_server, f"/{language}/conditions/multiple-sclerosis/")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.figures tbody tr")
    # Nine outcome figures and four safety figures (any adverse event, grade 3 or more, serious, related).
    assert len(rows) == 13 and "3" in rows[0].text
    assert axe_violations(browser) == []
    browser.set_window_size(*PHONE)
    assert not overflows(browser), widest_elements(browser)
    screenshot(browser, f"site-{language}-ms-figures")


def test_an_inquiry_sent_in_arabic_reaches_the_care_queue(browser: WebDriver, live_server: Any, staff: dict[str, Any]) -> None:
    import datetime as dt

    from django.core import mail

    from cellway.cases.models import Case

    mail.outbox = []
    visit(browser, live_server, "/ar/inquiry/")
    assert axe_violations(browser) == []
    browser.set_window_size(*PHONE)
    assert not overflows(browser), widest_elements(browser)
    browser.set_window_size(*DESKTOP)
    page = browser.find_element(By.CSS_SELECTOR, "form.inquiry")
    page.find_element(By.CSS_SELECTOR, "input[name=asker][value=patient]").click()
    type_into(page.find_element(By.NAME, "full_name"), "ليلى حداد")
    set_date(browser, page.find_element(By.NAME, "date_of_birth"), dt.date(1979, 5, 2))
    type_into(page.find_element(By.NAME, "country"), "الأردن")
    type_into(page.find_element(By.NAME, "email"), "layla@example.org")
    type_into(page.find_element(By.NAME, "message"), "أعاني من التصلب المتعدد منذ عام 2012.")
    # The honeypot is out of sight: a person never fills it.
    assert not page.find_element(By.NAME, "website").is_displayed() or page.find_element(By.NAME, "website").rect["x"] < 0
    page.find_element(By.NAME, "consent").click()
    screenshot(browser, "site-ar-inquiry-filled")
    submit(browser, page.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert browser.current_url.startswith(live_server.url + "/ar/inquiry/records/")
    assert axe_violations(browser) == []
    screenshot(browser, "site-ar-inquiry-sent")
    case = Case.objects.select_related("patient", "inquiry").get()
    assert (case.stage, case.patient.full_name, case.inquiry.source) == (Stage.INQUIRY, "ليلى حداد", "website")
