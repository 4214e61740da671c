"""The portal's browser-test steps, shared by its browser tests (and any other that signs a patient in):
inviting a case's patient in a language and signing them in by the code mailed to them. The page checks and
clicks are the console's shared ones (cellway.console.tests.browser)."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.cases.models import Patient
from cellway.console.tests.browser import checked_page, click_and_wait, visit

RECORD_LANGUAGE = {"en": "English", "ar": "Arabic"}
# Which way each portal language reads (the page's <html dir>).
DIRECTION = {"en": "ltr", "zh-hans": "ltr", "ar": "rtl"}
ARABIC_CONSENT = "أوافق على العلاج الخلوي التجريبي بعد أن شُرحت لي مخاطره وبدائله."


def sign_in_by_code(
    driver: WebDriver, live_server: Any, email: str, language: str, *, checked_as: str | None = None, direction: str | None = None
) -> None:
    """Sign `email` in to the portal through the real pages, in `language`: ask for a code, read the one mail
    sent (exactly one), type its code. Whoever was signed in before is forgotten. With `checked_as`, the sign-in
    and code pages pass `checked_page` too (named `<checked_as>-sign-in` and `<checked_as>-code`)."""
    if driver.current_url.startswith(live_server.url):
        driver.delete_all_cookies()
    visit(driver, live_server, f"/portal/sign-in/?lang={language}")
    if checked_as:
        checked_page(driver, f"{checked_as}-sign-in", direction)
    driver.find_element(By.ID, "id_email").send_keys(email)
    mail.outbox.clear()
    click_and_wait(driver, "main form button[type=submit]")
    if checked_as:
        checked_page(driver, f"{checked_as}-code", direction)
    sent = [m for m in mail.outbox if m.to == [email]]
    assert len(sent) == 1, [m.subject for m in sent]
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", sent[0].body)
    assert code, sent[0].body
    driver.find_element(By.ID, "id_code").send_keys(code.group(1))
    click_and_wait(driver, "main form button[type=submit]")


def invite_in_language(case: Any, language: str) -> Any:
    """Invite the case's patient to the portal in `language` ("en" or "ar"), their record in that language and the
    consent forms there in it; the patient's person."""
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
            defaults={"title": "موافقة مستنيرة", "text": ARABIC_CONSENT, "effective_from": "2026-01-01"},
        )
    patient = invite_patient(case=case, by=None).person
    set_language(person=patient, language=language)
    return patient
