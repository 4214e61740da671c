"""The ward in a real browser: a nurse takes a patient through consent, two sessions with vital signs against the plan,
an adverse event; the specialist sets the rest aside, completes the treatment and opens the discharge summary."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.cases.stages import Stage
from cellway.console.tests.browser import (
    browser,  # noqa: F401 - a fixture
    browser_db,
    button,
    case_path,
    choose,
    fetch,
    fits,
    follow,
    form,
    has_form,
    messages,
    open_details,
    screenshot,
    section,
    set_date,
    sign_in,
    stage,
    submit,
    type_into,
    visit,
)

pytestmark = [pytest.mark.browser, browser_db]


def log_session(d: WebDriver, item: str, given: str, day: Any) -> None:
    session = form(d, "session")
    choose(session.find_element(By.NAME, "item"), item)
    set_date(d, session.find_element(By.NAME, "day"), day)
    type_into(session.find_element(By.NAME, "given"), given)
    submit(d, button(session, "Log session"))


def record_vitals(d: WebDriver, session: str, phase: str, values: dict[str, str]) -> None:
    vitals = form(d, "vitals")
    open_details(d, vitals)
    choose(vitals.find_element(By.NAME, "session"), session)
    choose(vitals.find_element(By.NAME, "phase"), phase)
    for name, value in values.items():
        type_into(vitals.find_element(By.NAME, name), value)
    submit(d, button(vitals, "Record vital signs"))


def record_consents(d: WebDriver, today: Any, tmp_path: Path) -> None:
    scan = tmp_path / "signed-consent.pdf"
    scan.write_bytes(b"%PDF-1.4\n" + b"Signed consent, scanned on the ward. " * 20)
    for therapy in ("Investigational cell therapy (wjMSCs)", "Intrathecal administration (lumbar puncture)"):
        consent = form(d, "consent")
        open_details(d, consent)
        choose(consent.find_element(By.NAME, "document"), f"{therapy}, Portuguese, version 1")
        set_date(d, consent.find_element(By.NAME, "signed_on"), today)
        type_into(consent.find_element(By.NAME, "witness"), "Rui Silva (husband)")
        consent.find_element(By.NAME, "scan").send_keys(str(scan))
        submit(d, button(consent, "Record consent"))


def two_sessions_with_vital_signs(d: WebDriver, today: Any) -> None:
    log_session(d, "Cell infusion, intravenous 1 of 2", "50 million wjMSCs IV", today)
    assert stage(d) == "In treatment"
    record_vitals(
        d,
        f"{today:%d %b}, Cell infusion, intravenous 1",
        "Before",
        {"systolic": "1200", "diastolic": "80", "pulse": "72", "temperature": "36.8", "spo2": "98"},
    )
    assert "Systolic pressure 1200 mmHg is not plausible: Cellway accepts 50 to 260 mmHg." in section(d, "sessions").text
    record_vitals(
        d,
        f"{today:%d %b}, Cell infusion, intravenous 1",
        "Before",
        {"systolic": "120", "diastolic": "80", "pulse": "72", "temperature": "36.8", "spo2": "98"},
    )
    record_vitals(
        d,
        f"{today:%d %b}, Cell infusion, intravenous 1",
        "After",
        {"systolic": "124", "diastolic": "82", "pulse": "88", "temperature": "38.2", "spo2": "97"},
    )
    assert any("Outside the usual range: Temperature 38.2 °C (high)." in m for m in messages(d))
    log_session(d, "Physiotherapy 1 of 5", "45 minutes gait training", today)
    record_vitals(
        d,
        f"{today:%d %b}, Physiotherapy 1",
        "Before",
        {"systolic": "118", "diastolic": "78", "pulse": "70", "temperature": "37.1", "spo2": "98"},
    )
    sessions = section(d, "sessions").text
    assert "Temperature 38.2 °C (high)" in sessions and "Physiotherapy 1" in sessions


def an_adverse_event(d: WebDriver, today: Any) -> None:
    event = form(d, "adverse-event")
    open_details(d, event)
    set_date(d, event.find_element(By.NAME, "onset_on"), today)
    type_into(event.find_element(By.NAME, "term"), "Fever")
    type_into(event.find_element(By.NAME, "description"), "38.2 °C an hour after the infusion; paracetamol given.")
    choose(event.find_element(By.NAME, "related_to_cells"), "Possible")
    choose(event.find_element(By.NAME, "related_to_procedure"), "Unlikely")
    choose(event.find_element(By.NAME, "action"), "Medication or other treatment given")
    choose(event.find_element(By.NAME, "outcome"), "Recovering / resolving")
    submit(d, button(event, "Record adverse event"))
    assert "Grade the event: CTCAE v5 grade 1 (mild) to 5 (death related to the event)." in section(d, "adverse-events").text
    event = form(d, "adverse-event")
    choose(event.find_element(By.NAME, "grade"), "1 Mild")
    submit(d, button(event, "Record adverse event"))
    assert "Adverse event recorded: Fever, grade 1." in messages(d)


def test_a_nurse_takes_a_patient_through_the_ward_and_the_specialist_discharges_them(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
    case_at: Any,
    tmp_path: Path,
) -> None:
    from cellway.clinic import clinic_today
    from cellway.demo.journey import ensure_consent_documents
    from cellway.treatment.models import AdverseEvent, Consent, TreatmentSession, VitalSigns

    ensure_consent_documents()  # kept by the administrator in the admin
    case = case_at(Stage.ARRIVED)  # arrived today, paid in full; the plan has intravenous and intrathecal infusions
    today = clinic_today()
    d = browser

    # Nina, the nurse: no session without consent.
    sign_in(d, live_server, "nina")
    visit(d, live_server, case_path(case))
    assert "No informed consent to investigational cell therapy (wjMSCs) is recorded" in section(d, "sessions").text
    assert not has_form(d, "session")
    record_consents(d, today, tmp_path)
    assert "Consent held for every planned therapy" in section(d, "consent").text
    screenshot(d, "ward-consent-nina")

    # Two sessions against the plan, each with its vital signs; an implausible value is refused and kept.
    two_sessions_with_vital_signs(d, today)

    # An adverse event: refused without a grade, what was typed kept; then recorded.
    an_adverse_event(d, today)
    screenshot(d, "ward-sessions-nina")

    # Sofia, the specialist: the rest of the plan is set aside with the reason, then treatment is complete.
    sign_in(d, live_server, "sofia")
    visit(d, live_server, case_path(case))
    assert "Still to do: cell infusion, intravenous 2 of 2;" in section(d, "sessions").text
    aside = form(d, "set-aside")
    open_details(d, aside)
    for box in aside.find_elements(By.CSS_SELECTOR, "input[type=checkbox]"):
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.click()
    type_into(aside.find_element(By.NAME, "reason"), "Family emergency: flying home tomorrow")
    submit(d, button(aside, "Set aside"))
    submit(d, button(section(d, "sessions"), "Treatment complete"))
    assert stage(d) == "Treatment complete"
    link = section(d, "protocol").find_element(By.PARTIAL_LINK_TEXT, "Discharge summary")
    pdf = fetch(d, link.get_attribute("href") or "")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "50 million wjMSCs IV" in text and "Fever" in text and "Temperature 38.2 °C (high)" in text
    assert "Family emergency: flying home tomorrow" in text
    screenshot(d, "ward-complete-sofia")

    fits(d)

    assert Consent.objects.filter(case=case).count() == 2
    assert TreatmentSession.objects.filter(case=case).count() == 2
    assert VitalSigns.objects.filter(case=case).count() == 3
    assert AdverseEvent.objects.get(case=case).grade == 1


def test_the_ward_calendar_shows_the_week_and_today_on_desktop_and_phone(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
    case_at: Any,
) -> None:
    here = case_at(Stage.ARRIVED)
    coming = case_at(Stage.DEPOSIT_PAID)
    d = browser
    sign_in(d, live_server, "nina")
    visit(d, live_server, "/ward/")
    assert here.code in section(d, "today").text and coming.code not in section(d, "today").text
    assert here.code in section(d, "week").text
    screenshot(d, "ward-calendar-nina")
    fits(d)


def test_a_nurse_follows_the_ward_in_her_calendar_app_from_a_secret_address(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
    case_at: Any,
) -> None:
    import urllib.error
    import urllib.request

    from icalendar import Calendar

    here = case_at(Stage.ARRIVED)
    d = browser
    sign_in(d, live_server, "nina")
    visit(d, live_server, "/ward/")
    follow(d, d.find_element(By.LINK_TEXT, "Follow this calendar in your calendar app"))
    submit(d, button(section(d, "calendar-feed"), "Make my feed address"))
    assert "Your calendar feed is ready: copy its address into your calendar app." in messages(d)
    address = d.find_element(By.ID, "feed-url").get_attribute("value") or ""
    assert address.startswith(live_server.url + "/ward/feed/") and address.endswith(".ics")
    screenshot(d, "calendar-feed-nina")
    fits(d)

    with urllib.request.urlopen(address) as response:  # noqa: S310 - the live server; no cookie, as a calendar app
        summaries = [str(e["summary"]) for e in Calendar.from_ical(response.read()).walk("VEVENT")]
    assert f"Arrival: {here.code} (P. 1.)" in summaries and here.patient.full_name not in " ".join(summaries)

    submit(d, button(section(d, "calendar-feed"), "Make a new address"))
    assert d.find_element(By.ID, "feed-url").get_attribute("value") != address
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(address)  # noqa: S310
    assert gone.value.code == 404
