"""Issue 14's "done when", as one journey in Chromium, in English and in Arabic (right to left): a patient signs in by
the code mailed to them, uploads a record (its progress bar and its state seen), accepts the quote, pays the deposit
through the local fake of Stripe (its hosted page in the browser, its signed webhook to Cellway), lets their daughter
in, signs consent, downloads the itinerary (.ics), and later answers a follow-up questionnaire that lands in the
outcomes registry. Staff steps between them go through the real services (cellway.demo.journey.walk). Every portal
page visited passes axe-core and fits a phone; some steps are taken at phone width."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from cellway.billing.models import InvoiceKind, Payment
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.console.tests.browser import (
    DESKTOP,
    PHONE,
    browser,
    browser_db,
    checked_page,
    click_and_wait,
    fake_stripe_live,
    fetch,
    overflows,
    set_date,
    visit,
    wait,
    watch_upload,
    widest_elements,
)
from cellway.portal.models import FollowUpAnswers, PortalGrant
from cellway.portal.tests.browser import invite_in_language, sign_in_by_code
from cellway.records.models import RecordFile
from cellway.site.tests.axe import axe_violations

__all__ = ["browser", "fake_stripe_live"]

pytestmark = [pytest.mark.browser, browser_db]

WORDS = {
    "en": {
        "dir": "ltr",
        "collecting": "We are collecting your medical records.",
        "received": "is received",
        "state": "received",
        "accepted": "you accepted the quote",
        "signed": "your consent is signed",
        "answered": "your answers are with your care team",
        "granted": "dana.daughter@example.com can now see your case",
    },
    "ar": {
        "dir": "rtl",
        "collecting": "نجمع سجلاتك الطبية",
        "received": "تم استلام الملف",
        "state": "تم الاستلام",
        "accepted": "لقد قبلت عرض السعر",
        "signed": "تم توقيع موافقتك",
        "answered": "إجاباتك الآن لدى فريق الرعاية",
        "granted": "dana.daughter@example.com",
    },
}
PDF_HEAD = b"%PDF-1.4\n1 0 obj <<>> endobj\n"
BLOOD_TESTS = {"en": "Blood tests", "ar": "تحاليل الدم"}


def _checked(driver: WebDriver, name: str, language: str) -> None:
    checked_page(driver, name, WORDS[language]["dir"])


def _section_shots(driver: WebDriver, name: str) -> None:
    """With CELLWAY_SCREENSHOTS=1, the upload section alone at desktop and phone width (var/screenshots)."""
    if os.environ.get("CELLWAY_SCREENSHOTS") != "1":
        return
    folder = Path(__file__).resolve().parents[3] / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    before = driver.get_window_size()
    try:
        for width, height in (DESKTOP, PHONE):
            driver.set_window_size(width, height)
            tall = int(driver.execute_script("return document.getElementById('records').getBoundingClientRect().height"))
            driver.set_window_size(width, max(height, tall + 200))
            section = driver.find_element(By.ID, "records")
            driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", section)
            section.screenshot(str(folder / f"{name}-{width}.png"))
    finally:
        driver.set_window_size(before["width"], before["height"])


def _upload_a_record(driver: WebDriver, case: Any, patient: Any, language: str, tmp_path: Path) -> None:
    """At phone width: choose the record, pick a 2 MiB PDF, watch the bar move, then the file's state from the server."""
    driver.set_window_size(*PHONE)
    Select(driver.find_element(By.ID, "id_record_kind")).select_by_value("hematology")
    pdf = tmp_path / "blood tests 2026.pdf"
    pdf.write_bytes(PDF_HEAD + b"%" + b"0" * (2 * 1024 * 1024) + b"\n%%EOF\n")
    # A slow connection, so the bar is seen moving: 2 MiB at about 512 KiB/s.
    driver.set_network_conditions(offline=False, latency=20, download_throughput=4 * 1024 * 1024, upload_throughput=512 * 1024)
    try:
        driver.find_element(By.ID, "id_record_file").send_keys(str(pdf))
        button = driver.find_element(By.CSS_SELECTOR, "form[data-upload] button[type=submit]")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()
        bar = wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-progress] progress"))
        watch_upload(driver, bar)
    finally:
        driver.delete_network_conditions()
    row = wait(driver, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-progress] li[data-state]"))
    assert row.get_attribute("data-state") == "received", row.text
    assert WORDS[language]["received"] in row.text
    # The file's state as the intake moved it (scan, hash, background task), refreshed from the server.
    sent = wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, "#received li[data-state=received]"))
    assert "blood tests 2026.pdf" in sent.text and WORDS[language]["state"] in sent.text
    # The list of records still missing follows: blood tests are in.
    wait(driver).until(lambda d: BLOOD_TESTS[language] not in d.find_element(By.ID, "records-missing").text)
    assert not overflows(driver), widest_elements(driver)
    driver.set_window_size(*DESKTOP)
    record = RecordFile.objects.select_related("item").get(item__case=case)
    assert (record.item.kind, record.uploaded_by, record.size) == ("hematology", patient, pdf.stat().st_size)
    assert case.events.filter(kind="record.uploaded", actor=patient, summary__contains="(the patient)").exists()


def _pay_the_deposit(driver: WebDriver, live_server: Any, case: Any, fake: Any) -> None:
    """ "Pay by card" on the portal, the fake's hosted page, "Pay": the signed webhook records the payment."""
    deposit = case.invoices.get(kind=InvoiceKind.DEPOSIT)
    link = driver.find_element(By.CSS_SELECTOR, "a.button[href*='/billing/pay/']")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    old = driver.find_element(By.TAG_NAME, "html")
    link.click()
    wait(driver).until(ec.staleness_of(old))
    assert deposit.label in driver.find_element(By.TAG_NAME, "h1").text
    assert axe_violations(driver) == []
    click_and_wait(driver, "#pay-by-card")
    assert driver.current_url.startswith(fake.base_url + "/checkout/cs_test_")
    assert not Payment.objects.filter(case=case, method="card").exists()
    click_and_wait(driver, "#pay")
    assert driver.current_url.startswith(live_server.url + "/billing/pay/")
    assert driver.find_element(By.ID, "paid-note").is_displayed()
    [(_payload, _header, status)] = fake.sent
    assert status == 200
    payment = Payment.objects.get(case=case, method="card")
    assert payment.amount == deposit.amount
    case.refresh_from_db()
    assert case.stage == Stage.DEPOSIT_PAID


def _accept_the_quote(driver: WebDriver, live_server: Any, case: Any, patient: Any, language: str) -> None:
    visit(driver, live_server, f"/portal/cases/{case.uuid}/")
    _checked(driver, f"journey-{language}-case-quoted", language)
    agree = driver.find_element(By.ID, "id_agree")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", agree)
    agree.click()
    click_and_wait(driver, "#quote form button[type=submit]")
    assert WORDS[language]["accepted"] in driver.find_element(By.CSS_SELECTOR, ".messages").text.lower()
    case.refresh_from_db()
    assert case.stage == Stage.ACCEPTED and case.quotes.get(status="accepted").acceptance_recorded_by == patient


def _let_the_daughter_in(driver: WebDriver, live_server: Any, case: Any, patient: Any, language: str) -> None:
    """At phone width: the daughter's name, address, the parts she sees, until when."""
    driver.set_window_size(*PHONE)
    visit(driver, live_server, f"/portal/cases/{case.uuid}/people/")
    _checked(driver, f"journey-{language}-people", language)
    driver.find_element(By.ID, "id_full_name").send_keys("Dana Haddad")
    driver.find_element(By.ID, "id_email").send_keys("dana.daughter@example.com")
    for scope in ("itinerary", "documents"):
        box = driver.find_element(By.CSS_SELECTOR, f"input[name=scopes][value={scope}]")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.click()
    set_date(driver, driver.find_element(By.ID, "id_ends_on"), clinic_today() + dt.timedelta(days=365))
    click_and_wait(driver, "main form.inquiry button[type=submit]")
    assert WORDS[language]["granted"] in driver.find_element(By.CSS_SELECTOR, ".messages").text
    daughter = PortalGrant.objects.get(case=case, person__email="dana.daughter@example.com")
    assert daughter.relation == "family" and daughter.scopes == ["itinerary", "documents"] and daughter.granted_by == patient
    driver.set_window_size(*DESKTOP)


def _sign_consent(driver: WebDriver, live_server: Any, case: Any, language: str) -> None:
    from cellway.treatment.services import check_consent

    visit(driver, live_server, f"/portal/cases/{case.uuid}/consent/")
    _checked(driver, f"journey-{language}-consent", language)
    while driver.find_elements(By.CSS_SELECTOR, "section.consent-form"):
        box = driver.find_element(By.CSS_SELECTOR, "section.consent-form input[name=agree]")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.click()
        click_and_wait(driver, "section.consent-form form button[type=submit]")
        assert WORDS[language]["signed"] in driver.find_element(By.CSS_SELECTOR, ".messages").text.lower()
    check_consent(case=case)  # the ward's gate accepts what was signed


def _download_the_itinerary(driver: WebDriver, live_server: Any, case: Any, language: str) -> None:
    visit(driver, live_server, f"/portal/cases/{case.uuid}/")
    _checked(driver, f"journey-{language}-case-deposit-paid", language)
    href = driver.find_element(By.CSS_SELECTOR, "a[href$='/itinerary.ics']").get_attribute("href")
    ics = fetch(driver, str(href)).decode()
    assert ics.startswith("BEGIN:VCALENDAR") and f"DTSTART;VALUE=DATE:{case.arrival_date:%Y%m%d}" in ics


def _answer_the_questionnaire(driver: WebDriver, live_server: Any, case: Any, patient: Any, language: str) -> None:
    """At phone width, at the first follow-up point; the answers land in the outcomes registry."""
    point = case.follow_ups.order_by("due_on").first()
    case.follow_ups.filter(pk=point.pk).update(due_on=clinic_today())
    driver.set_window_size(*PHONE)
    visit(driver, live_server, f"/portal/cases/{case.uuid}/follow-up/")
    _checked(driver, f"journey-{language}-questionnaire", language)
    driver.find_element(By.ID, f"q{point.pk}-m_msis29-physical").send_keys("35")
    driver.find_element(By.ID, f"q{point.pk}-m_mfis5").send_keys("9")
    click_and_wait(driver, f"#questionnaire-{point.pk} button[type=submit]")
    assert WORDS[language]["answered"] in driver.find_element(By.CSS_SELECTOR, ".messages").text.lower()
    _checked(driver, f"journey-{language}-course", language)
    driver.set_window_size(*DESKTOP)
    answers = FollowUpAnswers.objects.select_related("visit").get(assessment=point, case=case)
    assert answers.answered_by == patient and answers.visit.case_id == case.pk
    assert sorted((s.measure.code, float(s.value)) for s in answers.visit.reported.select_related("measure")) == [
        ("mfis5", 9.0),
        ("msis29-physical", 35.0),
    ]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_patient_follows_their_case_from_records_to_follow_up(
    browser: WebDriver, live_server: Any, staff: dict[str, Any], fake_stripe_live: Any, tmp_path: Path, language: str
) -> None:
    from cellway.demo.journey import new_case, walk
    from cellway.demo.outcomes import ensure_measures
    from cellway.travel import services as travel
    from cellway.travel.models import TaskStatus

    today = clinic_today()
    case = new_case(staff, name="Layla Haddad", country="Jordan", email=f"layla.{language}@example.com")
    patient = invite_in_language(case, language)

    # Signs in by the code mailed to them, typed into the same browser.
    sign_in_by_code(browser, live_server, patient.email, language, checked_as=f"journey-{language}", direction=WORDS[language]["dir"])
    assert browser.current_url.endswith(f"/portal/cases/{case.uuid}/")
    assert WORDS[language]["collecting"] in browser.find_element(By.TAG_NAME, "h1").text
    _checked(browser, f"journey-{language}-case-inquiry", language)
    _section_shots(browser, f"journey-{language}-records-before")

    # Uploads a record, with progress, and sees its state.
    _upload_a_record(browser, case, patient, language, tmp_path)
    assert axe_violations(browser) == []
    _section_shots(browser, f"journey-{language}-records-sent")

    # Staff collect the rest, assign, plan and quote; the patient accepts the quote.
    walk(case, Stage.QUOTED, staff, arrival=today)
    _accept_the_quote(browser, live_server, case, patient, language)

    # Screening judged, dates set; the patient pays the deposit by card through the local Stripe fake.
    walk(case, Stage.SCHEDULED, staff, arrival=today)
    visit(browser, live_server, f"/portal/cases/{case.uuid}/")
    _checked(browser, f"journey-{language}-case-scheduled", language)
    _pay_the_deposit(browser, live_server, case, fake_stripe_live)
    for task in case.logistics_tasks.filter(status=TaskStatus.PENDING):
        travel.confirm_task(task=task, by=staff["lena"], details=f"{task.get_kind_display()} booked")

    _let_the_daughter_in(browser, live_server, case, patient, language)
    _sign_consent(browser, live_server, case, language)
    _download_the_itinerary(browser, live_server, case, language)

    # Pays the rest, comes, is treated, the protocol is issued; at follow-up, answers the questionnaire from home.
    ensure_measures()
    walk(case, Stage.FOLLOW_UP, staff, arrival=today)
    _answer_the_questionnaire(browser, live_server, case, patient, language)
