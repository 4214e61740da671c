"""The portal in Chromium, English and Arabic: the patient signs in by a mailed code, lets their daughter in,
signs consent; later, at follow-up, answers the questionnaire, which appears in the outcomes registry. Every page
passes axe-core and fits a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.cases.models import Patient
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.console.tests.browser import browser, browser_db, set_date, visit
from cellway.portal.models import FollowUpAnswers, PortalGrant
from cellway.portal.tests.test_browser_portal import _checked, _click_and_wait

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, browser_db]

ARABIC_FORM = "أوافق على العلاج الخلوي التجريبي بعد أن شُرحت لي مخاطره وبدائله."
RECORD_LANGUAGE = {"en": "English", "ar": "Arabic"}
SIGNED = {"en": "your consent is signed", "ar": "تم توقيع موافقتك"}
ANSWERED = {"en": "your answers are with your care team", "ar": "إجاباتك الآن لدى فريق الرعاية"}


def _sign_in_by_code(driver: WebDriver, live_server: Any, email: str, language: str) -> None:
    visit(driver, live_server, f"/portal/sign-in/?lang={language}")
    driver.find_element(By.ID, "id_email").send_keys(email)
    mail.outbox.clear()
    _click_and_wait(driver, "main form button[type=submit]")
    sent = [m for m in mail.outbox if m.to == [email]]
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", sent[0].body)
    assert code, sent[0].body
    driver.find_element(By.ID, "id_code").send_keys(code.group(1))
    _click_and_wait(driver, "main form button[type=submit]")


def _patient(case: Any, language: str) -> Any:
    from cellway.demo.journey import ensure_consent_documents
    from cellway.portal.services import invite_patient, set_language
    from cellway.treatment.models import ConsentDocument, Therapy

    Patient.objects.filter(pk=case.patient_id).update(language=RECORD_LANGUAGE[language])
    ensure_consent_documents()
    for therapy in Therapy:
        ConsentDocument.objects.get_or_create(
            therapy=therapy,
            language="Arabic",
            version=1,
            defaults={
                "title": "موافقة مستنيرة",
                "text": "أوافق على العلاج الخلوي التجريبي بعد أن شُرحت لي مخاطره وبدائله.",
                "effective_from": "2026-01-01",
            },
        )
    patient = invite_patient(case=case, by=None).person
    set_language(person=patient, language=language)
    return patient


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_patient_lets_their_daughter_in_and_signs_consent(browser: WebDriver, live_server: Any, case_at: Any, language: str) -> None:
    case = case_at(Stage.PAID)
    patient = _patient(case, language)
    _sign_in_by_code(browser, live_server, patient.email, language)
    assert browser.current_url.endswith(f"/portal/cases/{case.uuid}/")
    _checked(browser, f"portal-{language}-case-paid")

    visit(browser, live_server, f"/portal/cases/{case.uuid}/people/")
    browser.find_element(By.ID, "id_full_name").send_keys("Dana Daughter")
    browser.find_element(By.ID, "id_email").send_keys("dana@example.com")
    browser.find_element(By.CSS_SELECTOR, "input[name=scopes][value=itinerary]").click()
    set_date(browser, browser.find_element(By.ID, "id_ends_on"), clinic_today().replace(year=clinic_today().year + 1))
    _click_and_wait(browser, "main form.inquiry button[type=submit]")
    assert PortalGrant.objects.filter(case=case, person__email="dana@example.com", relation="family").exists()
    _checked(browser, f"portal-{language}-people")

    visit(browser, live_server, f"/portal/cases/{case.uuid}/consent/")
    _checked(browser, f"portal-{language}-consent")
    while browser.find_elements(By.CSS_SELECTOR, "section.consent-form"):
        box = browser.find_element(By.CSS_SELECTOR, "section.consent-form input[name=agree]")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.click()
        _click_and_wait(browser, "section.consent-form form button[type=submit]")
        assert SIGNED[language] in browser.find_element(By.CSS_SELECTOR, ".messages").text
    _checked(browser, f"portal-{language}-consent-signed")
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
    patient = _patient(case, language)
    _sign_in_by_code(browser, live_server, patient.email, language)
    visit(browser, live_server, f"/portal/cases/{case.uuid}/follow-up/")
    _checked(browser, f"portal-{language}-questionnaire")
    browser.find_element(By.ID, f"q{point.pk}-m_msis29-physical").send_keys("35")
    browser.find_element(By.ID, f"q{point.pk}-m_mfis5").send_keys("9")
    _click_and_wait(browser, f"#questionnaire-{point.pk} button[type=submit]")
    assert ANSWERED[language] in browser.find_element(By.CSS_SELECTOR, ".messages").text
    answers = FollowUpAnswers.objects.get(assessment=point)
    assert sorted(float(s.value) for s in answers.visit.reported.all()) == [9.0, 35.0]
    assert browser.find_elements(By.CSS_SELECTOR, "#course svg[role=img]")
    _checked(browser, f"portal-{language}-course")
