"""The portal in Chromium, English and Arabic: the patient signs in by a mailed code, lets their daughter in,
signs consent; later, at follow-up, answers the questionnaire, which appears in the outcomes registry. Every page
passes axe-core and fits a phone."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.console.tests.browser import browser, browser_db, checked_page, click_and_wait, set_date, visit
from cellway.portal.models import FollowUpAnswers, PortalGrant
from cellway.portal.tests.browser import DIRECTION, invite_in_language, sign_in_by_code

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, browser_db]

SIGNED = {"en": "your consent is signed", "ar": "تم توقيع موافقتك"}
ANSWERED = {"en": "your answers are with your care team", "ar": "إجاباتك الآن لدى فريق الرعاية"}


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_patient_lets_their_daughter_in_and_signs_consent(browser: WebDriver, live_server: Any, case_at: Any, language: str) -> None:
    case = case_at(Stage.PAID)
    patient = invite_in_language(case, language)
    sign_in_by_code(browser, live_server, patient.email, language)
    assert browser.current_url.endswith(f"/portal/cases/{case.uuid}/")
    checked_page(browser, f"portal-{language}-case-paid", DIRECTION[language])

    visit(browser, live_server, f"/portal/cases/{case.uuid}/people/")
    browser.find_element(By.ID, "id_full_name").send_keys("Dana Daughter")
    browser.find_element(By.ID, "id_email").send_keys("dana@example.com")
    browser.find_element(By.CSS_SELECTOR, "input[name=scopes][value=itinerary]").click()
    set_date(browser, browser.find_element(By.ID, "id_ends_on"), clinic_today().replace(year=clinic_today().year + 1))
    click_and_wait(browser, "main form.inquiry button[type=submit]")
    assert PortalGrant.objects.filter(case=case, person__email="dana@example.com", relation="family").exists()
    checked_page(browser, f"portal-{language}-people", DIRECTION[language])

    visit(browser, live_server, f"/portal/cases/{case.uuid}/consent/")
    checked_page(browser, f"portal-{language}-consent", DIRECTION[language])
    while browser.find_elements(By.CSS_SELECTOR, "section.consent-form"):
        box = browser.find_element(By.CSS_SELECTOR, "section.consent-form input[name=agree]")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.click()
        click_and_wait(browser, "section.consent-form form button[type=submit]")
        assert SIGNED[language] in browser.find_element(By.CSS_SELECTOR, ".messages").text
    checked_page(browser, f"portal-{language}-consent-signed", DIRECTION[language])
    from cellway.treatment.services import check_consent

    check_consent(case=case)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_patient_answers_the_follow_up_questionnaire_into_the_registry(
    browser: WebDriver, live_server: Any, case_at: Any, language: str
) -> None:
    from cellway.demo.outcomes import ensure_measures

    ensure_measures()
    case = case_at(Stage.FOLLOW_UP)
    point = case.follow_ups.order_by("due_on").first()
    case.follow_ups.filter(pk=point.pk).update(due_on=clinic_today())
    patient = invite_in_language(case, language)
    sign_in_by_code(browser, live_server, patient.email, language)
    visit(browser, live_server, f"/portal/cases/{case.uuid}/follow-up/")
    checked_page(browser, f"portal-{language}-questionnaire", DIRECTION[language])
    browser.find_element(By.ID, f"q{point.pk}-m_msis29-physical").send_keys("35")
    browser.find_element(By.ID, f"q{point.pk}-m_mfis5").send_keys("9")
    click_and_wait(browser, f"#questionnaire-{point.pk} button[type=submit]")
    assert ANSWERED[language] in browser.find_element(By.CSS_SELECTOR, ".messages").text
    answers = FollowUpAnswers.objects.get(assessment=point)
    assert sorted(float(s.value) for s in answers.visit.reported.all()) == [9.0, 35.0]
    assert browser.find_elements(By.CSS_SELECTOR, "#course svg[role=img]")
    checked_page(browser, f"portal-{language}-course", DIRECTION[language])
