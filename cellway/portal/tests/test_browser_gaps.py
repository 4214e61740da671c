"""The portal's closed gaps in Chromium, in English, Chinese and Arabic: the upload refused at the case's cap through
the page's script (the file's row says why) and the page then saying so in place of the form; the follow-up page
saying what became of each report from home; the console's review recording a relapse. Every portal page passes
axe-core and fits a phone (screenshots with CELLWAY_SCREENSHOTS=1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.console.tests.browser import browser, browser_db, checked_page, visit, wait
from cellway.portal import services
from cellway.portal.models import PortalGrant
from cellway.portal.tests.browser import sign_in_by_code
from cellway.records.models import RecordFile

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, browser_db]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FULL = {"en": "as many files through the portal", "zh-hans": "已达上限", "ar": "أقصى عدد"}
RELAPSE = {"en": "recorded it as a relapse", "zh-hans": "作为复发记录", "ar": "انتكاسةً"}
WAITING = {"en": "has not reviewed it yet", "zh-hans": "尚未审阅", "ar": "لم يراجع فريق الرعاية"}


@pytest.mark.parametrize("language", ["en", "zh-hans", "ar"])
def test_the_upload_cap_is_said_by_the_script_and_then_by_the_page(
    browser: WebDriver, live_server: Any, portal_case: Any, settings: Any, tmp_path: Path, language: str
) -> None:
    settings.PORTAL_UPLOADS_PER_CASE = 2
    case, patient = portal_case(Stage.INQUIRY)
    services.set_language(person=patient, language=language)
    grant = PortalGrant.objects.get(person=patient, case=case)
    services.upload_record(grant=grant, kind="hematology", upload=SimpleUploadedFile("first.pdf", PDF + b"%1"))
    sign_in_by_code(browser, live_server, patient.email, language)

    for n, expected in ((2, "received"), (3, "refused")):
        Select(browser.find_element(By.ID, "id_record_kind")).select_by_value("unsorted")
        pdf = tmp_path / f"scan {n}.pdf"
        pdf.write_bytes(PDF + f"%{n}".encode())
        browser.find_element(By.ID, "id_record_file").send_keys(str(pdf))
        browser.find_element(By.CSS_SELECTOR, "form[data-upload] button[type=submit]").click()
        where = f"//*[@data-progress]/li[contains(., 'scan {n}.pdf')][@data-state]"
        row = wait(browser, 30).until(lambda d, where=where: d.find_element(By.XPATH, where))
        wait(browser).until(lambda _d, row=row: row.get_attribute("data-state") in {"received", "refused"})
        assert row.get_attribute("data-state") == expected, row.text
    assert FULL[language] in row.text
    assert sorted(RecordFile.objects.filter(item__case=case).values_list("original_name", flat=True)) == ["first.pdf", "scan 2.pdf"]

    visit(browser, live_server, f"/portal/cases/{case.uuid}/")
    notice = browser.find_element(By.ID, "uploads-full")
    assert FULL[language] in notice.text and not browser.find_elements(By.CSS_SELECTOR, "form[data-upload]")
    checked_page(browser, f"portal-{language}-uploads-full")


@pytest.mark.parametrize("language", ["en", "zh-hans", "ar"])
def test_the_follow_up_page_says_what_became_of_the_reports(
    browser: WebDriver, live_server: Any, portal_case: Any, staff: dict[str, Any], language: str
) -> None:
    case, patient = portal_case(Stage.FOLLOW_UP)
    services.set_language(person=patient, language=language)
    grant = PortalGrant.objects.get(person=patient, case=case)
    first = services.report_symptom(grant=grant, kind="relapse", started_on=clinic_today(), description="Numb leg")
    services.report_symptom(grant=grant, kind="symptom", started_on=clinic_today(), description="Tired")
    services.review_report(
        report=first,
        by=staff["sofia"],
        decision="relapse",
        note="",
        relapse={"onset_on": first.started_on, "severity": "mild", "treated": False, "notes": ""},
    )
    sign_in_by_code(browser, live_server, patient.email, language)
    visit(browser, live_server, f"/portal/cases/{case.uuid}/follow-up/")
    reports = browser.find_element(By.ID, "your-reports").text
    assert RELAPSE[language] in reports and WAITING[language] in reports
    checked_page(browser, f"portal-{language}-follow-up-reviewed")
