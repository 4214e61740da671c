"""The portal in Chromium: a patient signs in by the code mailed to them, sees their case and accepts the
quote, in English and in Arabic (right to left); every page passes axe-core and fits a phone."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.cases.stages import Stage
from cellway.console.tests.browser import browser, browser_db, checked_page, click_and_wait
from cellway.portal.tests.browser import sign_in_by_code

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, browser_db]

# What the page says at each step, per language.
WORDS = {
    "en": {"standing": "Your treatment plan is ready", "accepted": "you accepted the quote", "dir": "ltr"},
    "ar": {"standing": "خطة علاجك جاهزة", "accepted": "لقد قبلت عرض السعر", "dir": "rtl"},
}


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_patient_signs_in_by_code_sees_their_case_and_accepts_the_quote(
    browser: WebDriver, live_server: Any, case_at: Any, staff: dict[str, Any], language: str
) -> None:
    from cellway.portal.services import invite_patient, set_language

    case = case_at(Stage.QUOTED)
    patient = invite_patient(case=case, by=staff["carla"]).person
    set_language(person=patient, language=language)
    words = WORDS[language]

    sign_in_by_code(browser, live_server, patient.email, language, checked_as=f"portal-{language}", direction=words["dir"])

    assert browser.current_url.endswith(f"/portal/cases/{case.uuid}/")
    assert words["standing"] in browser.find_element(By.TAG_NAME, "h1").text
    checked_page(browser, f"portal-{language}-case-quoted", words["dir"])

    agree = browser.find_element(By.ID, "id_agree")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", agree)
    agree.click()
    click_and_wait(browser, "#quote form button[type=submit]")
    assert words["accepted"] in browser.find_element(By.CSS_SELECTOR, ".messages").text
    case.refresh_from_db()
    assert case.stage == Stage.ACCEPTED
    assert case.quotes.get(version=1).acceptance_recorded_by == patient
    checked_page(browser, f"portal-{language}-case-accepted", words["dir"])
