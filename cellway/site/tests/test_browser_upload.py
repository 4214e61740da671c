"""The web inquiry's records upload in Chromium: the inquiry leads to its upload page, a chosen file goes up
with a progress bar (XMLHttpRequest upload progress, the page's own script) and lands on the case's unsorted
records; a refused file is answered on the page and the inquiry is kept; the page passes axe-core in the three
languages and fits a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.console.tests.browser import (
    DESKTOP,
    PHONE,
    browser,
    browser_db,
    overflows,
    screenshot,
    submit,
    type_into,
    visit,
    wait,
    watch_upload,
    widest_elements,
)
from cellway.site.tests.axe import axe_violations

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, browser_db]

PDF_HEAD = b"%PDF-1.4\n1 0 obj <<>> endobj\n"


def a_pdf(folder: Path, name: str, size: int) -> Path:
    path = folder / name
    path.write_bytes(PDF_HEAD + b"%" + b"0" * max(0, size - len(PDF_HEAD) - 8) + b"\n%%EOF\n")
    return path


def send_inquiry(browser: WebDriver, live_server: Any) -> None:
    visit(browser, live_server, "/en/inquiry/")
    page = browser.find_element(By.CSS_SELECTOR, "form.inquiry")
    page.find_element(By.CSS_SELECTOR, "input[name=asker][value=family]").click()
    type_into(page.find_element(By.NAME, "full_name"), "Elena Popescu")
    type_into(page.find_element(By.NAME, "country"), "Romania")
    type_into(page.find_element(By.NAME, "email"), "elena@example.org")
    type_into(page.find_element(By.NAME, "message"), "My mother has had relapsing MS since 2015.")
    page.find_element(By.NAME, "consent").click()
    submit(browser, page.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def choose_and_send(browser: WebDriver, *paths: Path) -> None:
    form = browser.find_element(By.CSS_SELECTOR, "form[data-upload]")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys("\n".join(str(p) for p in paths))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def test_an_inquiry_with_records_uploads_them_with_progress_and_they_reach_the_care_team(
    browser: WebDriver, live_server: Any, staff: dict[str, Any], tmp_path: Path
) -> None:
    from cellway.cases.models import Case
    from cellway.records.models import RecordFile

    send_inquiry(browser, live_server)
    assert "/en/inquiry/records/" in browser.current_url
    assert axe_violations(browser) == []
    # A slow connection, so the bar is seen moving: 2 MiB at about 512 KiB/s.
    browser.set_network_conditions(offline=False, latency=20, download_throughput=4 * 1024 * 1024, upload_throughput=512 * 1024)
    try:
        big = a_pdf(tmp_path, "MRI report 2025.pdf", 2 * 1024 * 1024)
        choose_and_send(browser, big)
        bar = wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-progress] progress"))
        watch_upload(browser, bar)
    finally:
        browser.delete_network_conditions()
    row = wait(browser, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-progress] li[data-state]"))
    assert row.get_attribute("data-state") == "received", row.text
    assert "MRI report 2025.pdf is received" in row.text
    # The list of what the link received is refreshed from the server.
    wait(browser).until(lambda d: "MRI report 2025.pdf" in d.find_element(By.ID, "received").text)
    screenshot(browser, "site-en-inquiry-records-sent")

    # A file the intake refuses: the message on the page, the inquiry kept, nothing stored.
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 512)
    choose_and_send(browser, exe)
    refused = wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-progress] li[data-state=refused]"))
    assert "setup.exe is not a kind of file we accept" in refused.text
    assert refused.find_element(By.CSS_SELECTOR, "[role=alert]").is_displayed()
    assert axe_violations(browser) == []

    case = Case.objects.select_related("inquiry").get()
    files = list(RecordFile.objects.select_related("item").filter(item__case=case))
    assert [(f.original_name, f.item.kind, f.uploaded_by_id, f.size) for f in files] == [
        ("MRI report 2025.pdf", "unsorted", None, big.stat().st_size)
    ]
    assert case.inquiry is not None and case.stage == "inquiry"


@pytest.mark.parametrize("language", ["en", "zh-hans", "ar"])
def test_the_upload_page_passes_axe_and_fits_a_phone_in_each_language(
    browser: WebDriver, live_server: Any, staff: dict[str, Any], language: str, tmp_path: Path
) -> None:
    import datetime as dt

    from cellway.cases.models import Condition
    from cellway.cases.services import receive_web_inquiry
    from cellway.records.public import upload_token

    case = receive_web_inquiry(
        full_name="Layla Haddad",
        email="layla@example.org",
        asker="patient",
        condition=Condition.objects.get(code="ms"),
        country="Jordan",
        language="Arabic",
        date_of_birth=dt.date(1979, 5, 2),
        message="MS since 2012.",
        consent_version="health-data-2026-12-01",
        address="203.0.113.9",
        site_language=language,
    )
    visit(browser, live_server, f"/{language}/inquiry/records/{upload_token(case)}/")
    wait(browser).until(lambda d: d.execute_script("return document.fonts.status") == "loaded")
    assert axe_violations(browser) == []
    choose_and_send(browser, a_pdf(tmp_path, "تقرير.pdf", 4096))
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-progress] li[data-state=received]"))
    wait(browser).until(lambda d: "تقرير.pdf" in d.find_element(By.ID, "received").text)
    assert axe_violations(browser) == []
    if language == "ar":
        assert browser.execute_script("return getComputedStyle(document.body).direction") == "rtl"
    browser.set_window_size(*PHONE)
    assert not overflows(browser), widest_elements(browser)
    browser.set_window_size(*DESKTOP)
    screenshot(browser, f"site-{language}-inquiry-records")
