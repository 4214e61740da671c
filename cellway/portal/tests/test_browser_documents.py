"""Documents and the visa letter in Chromium, English and Arabic: the case page's documents, the visa letter asked
for and issued. Every page passes axe-core and fits a phone."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.cases.stages import Stage
from cellway.console.tests.browser import browser, browser_db, checked_page, click_and_wait, set_date, visit
from cellway.portal.models import VisaLetter
from cellway.portal.selectors import planned_stay
from cellway.portal.tests.browser import DIRECTION, invite_in_language, sign_in_by_code

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, browser_db]

ISSUED = {"en": "ready to download", "ar": "جاهز للتنزيل"}


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_patient_asks_for_the_visa_letter(browser: WebDriver, live_server: Any, case_at: Any, language: str) -> None:
    case = case_at(Stage.PAID)
    patient = invite_in_language(case, language)
    sign_in_by_code(browser, live_server, patient.email, language)
    visit(browser, live_server, f"/portal/cases/{case.uuid}/visa-letter/")
    checked_page(browser, f"portal-{language}-visa-letter", DIRECTION[language])
    browser.find_element(By.ID, "id_name_in_passport").send_keys("Mariam Al-Sayed")
    browser.find_element(By.ID, "id_passport_number").send_keys("P1234567")
    browser.find_element(By.ID, "id_nationality").send_keys("Egyptian")
    stay = planned_stay(case)
    assert stay is not None
    set_date(browser, browser.find_element(By.ID, "id_date_of_birth"), stay[0].replace(year=1980))
    set_date(browser, browser.find_element(By.ID, "id_passport_expiry"), stay[1].replace(year=stay[1].year + 3))
    click_and_wait(browser, "main form.inquiry button[type=submit]")
    assert ISSUED[language] in browser.find_element(By.CSS_SELECTOR, ".messages").text
    assert VisaLetter.objects.filter(case=case).exists()
    checked_page(browser, f"portal-{language}-visa-letter-issued", DIRECTION[language])


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_documents_on_the_case_page(browser: WebDriver, live_server: Any, case_at: Any, language: str) -> None:
    case = case_at(Stage.FOLLOW_UP)
    patient = invite_in_language(case, language)
    sign_in_by_code(browser, live_server, patient.email, language)
    assert browser.find_elements(By.CSS_SELECTOR, "#documents a[href$='protocol.pdf']")
    checked_page(browser, f"portal-{language}-documents", DIRECTION[language])
