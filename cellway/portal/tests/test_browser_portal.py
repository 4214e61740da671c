"""The portal in Chromium: a patient signs in by the code mailed to them, sees their case and accepts the
quote, in English and in Arabic (right to left); every page passes axe-core and fits a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec

from cellway.cases.stages import Stage
from cellway.console.tests.browser import PHONE, browser, browser_db, overflows, screenshot, visit, wait, widest_elements
from cellway.site.tests.axe import axe_violations

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, browser_db]

# What the page says at each step, per language.
WORDS = {
    "en": {"standing": "Your treatment plan is ready", "accepted": "you accepted the quote", "dir": "ltr"},
    "ar": {"standing": "خطة علاجك جاهزة", "accepted": "لقد قبلت عرض السعر", "dir": "rtl"},
}


def _click_and_wait(driver: WebDriver, css: str) -> None:
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, css).click()
    wait(driver).until(ec.staleness_of(old))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _checked(driver: WebDriver, name: str) -> None:
    assert axe_violations(driver) == [], name
    assert driver.execute_script("return document.documentElement.dir") in {"ltr", "rtl"}
    size = driver.get_window_size()
    driver.set_window_size(*PHONE)
    assert not overflows(driver), widest_elements(driver)
    driver.set_window_size(size["width"], size["height"])
    screenshot(driver, name)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_patient_signs_in_by_code_sees_their_case_and_accepts_the_quote(
    browser: WebDriver, live_server: Any, case_at: Any, staff: dict[str, Any], language: str
) -> None:
    from cellway.portal.services import invite_patient, set_language

    case = case_at(Stage.QUOTED)
    patient = invite_patient(case=case, by=staff["carla"]).person
    set_language(person=patient, language=language)
    words = WORDS[language]

    visit(browser, live_server, f"/portal/sign-in/?lang={language}")
    assert browser.execute_script("return document.documentElement.dir") == words["dir"]
    _checked(browser, f"portal-{language}-sign-in")
    browser.find_element(By.ID, "id_email").send_keys(patient.email)
    mail.outbox.clear()
    _click_and_wait(browser, "main form button[type=submit]")
    _checked(browser, f"portal-{language}-code")
    sent = [m for m in mail.outbox if m.to == [patient.email]]
    assert len(sent) == 1
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", sent[0].body)
    assert code, sent[0].body
    browser.find_element(By.ID, "id_code").send_keys(code.group(1))
    _click_and_wait(browser, "main form button[type=submit]")

    assert browser.current_url.endswith(f"/portal/cases/{case.uuid}/")
    assert words["standing"] in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.execute_script("return document.documentElement.dir") == words["dir"]
    _checked(browser, f"portal-{language}-case-quoted")

    agree = browser.find_element(By.ID, "id_agree")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", agree)
    agree.click()
    _click_and_wait(browser, "#quote form button[type=submit]")
    assert words["accepted"] in browser.find_element(By.CSS_SELECTOR, ".messages").text
    case.refresh_from_db()
    assert case.stage == Stage.ACCEPTED
    assert case.quotes.get(version=1).acceptance_recorded_by == patient
    _checked(browser, f"portal-{language}-case-accepted")
