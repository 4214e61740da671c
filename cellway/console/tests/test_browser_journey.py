"""One patient walked through the whole journey in a real browser, each step by the role that does it.

Every step is done with the console's own forms, signed in as the demo person who
does that work, and checked against what that person then sees (the stage badge,
the message, the section that appears); the end is checked in the database too.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec

from cellway.console.tests.browser import (
    NAMES,
    browser,  # noqa: F401 - a fixture
    browser_db,
    button,
    case_path,
    choose,
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
    wait,
)

pytestmark = [pytest.mark.browser, browser_db]

PROTOCOL = (
    "For four weeks: no heavy lifting, no sauna, no alcohol for two weeks.\n"
    "Keep walking 30 minutes a day and do the stretching sheet.\n"
    "Call the clinic at once for fever above 38 °C or new weakness."
)


def test_a_patient_goes_from_inquiry_to_follow_up_in_the_browser(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
    tmp_path: Path,
) -> None:
    from cellway.cases.models import Case
    from cellway.clinic import clinic_today
    from cellway.demo.journey import PLAN, ensure_consent_documents, ensure_price_list
    from cellway.treatment.models import PostTreatmentProtocol

    ensure_price_list(staff["adam"])
    ensure_consent_documents()  # kept by the administrator in the admin
    today = clinic_today()
    d = browser

    # Carla, customer care, records the inquiry.
    sign_in(d, live_server, "carla")
    follow(d, d.find_element(By.LINK_TEXT, "New inquiry"))
    type_into(d.find_element(By.ID, "id_full_name"), "Marta Kowalska")
    type_into(d.find_element(By.ID, "id_email"), "marta.kowalska@example.com")
    type_into(d.find_element(By.ID, "id_country"), "Poland")
    type_into(d.find_element(By.ID, "id_language"), "Polish")
    choose(d.find_element(By.ID, "id_source"), "Website form")
    type_into(d.find_element(By.ID, "id_message"), "Relapsing-remitting MS since 2018, EDSS 3.5.")
    submit(d, button(d.find_element(By.TAG_NAME, "main"), "Open the case"))
    case = Case.objects.get(patient__email="marta.kowalska@example.com")
    assert stage(d) == "Collecting records"
    assert f"Case {case.code} opened for" in " ".join(messages(d))
    assert "Marta Kowalska" in d.find_element(By.TAG_NAME, "h1").text
    screenshot(d, "case-inquiry")

    # A hematology report arrives as a PDF: Carla drops it on its checklist row.
    pdf = tmp_path / "blood-tests-2026.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
    row = d.find_element(By.XPATH, "//section[@id='records']//tr[td[starts-with(normalize-space(), 'Hematology')]]")
    row.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(pdf))
    wait(d).until(lambda _: "received" in row.find_element(By.CSS_SELECTOR, "[data-uploads]").text)
    assert row.find_element(By.CSS_SELECTOR, "[data-item-status]").text == "Received"
    assert "blood-tests-2026.pdf" in row.find_element(By.CSS_SELECTOR, "[data-files]").text

    # The other required records came by email: she marks them received.
    for kind in ("Imaging", "Doctor's assessment"):
        row = d.find_element(By.XPATH, f"//section[@id='records']//tr[td[starts-with(normalize-space(), \"{kind}\")]]")
        choose(row.find_element(By.NAME, "status"), "Received")
        type_into(row.find_element(By.NAME, "note"), "received by email")
        submit(d, button(row, "Set"))
        assert any("marked received" in m for m in messages(d)), messages(d)
    d.refresh()  # what the server holds, not what the upload script drew
    badges = [b.text for b in d.find_elements(By.CSS_SELECTOR, "#records [data-item-status]")]
    assert badges.count("Received") == 3, badges
    submit(d, button(section(d, "records"), "Records complete: send to triage"))
    assert stage(d) == "Liaison triage"
    assert "Records complete; the case waits for the liaison officer." in messages(d)

    # Liam, the liaison officer, finds it in his queue and assigns the suggested specialist.
    sign_in(d, live_server, "liam")
    screenshot(d, "home-liam")
    follow(d, d.find_element(By.XPATH, "//a[contains(@class, 'card')][.//h2[normalize-space()='Waiting for a specialist']]"))
    screenshot(d, "queue-triage")
    follow(d, d.find_element(By.LINK_TEXT, case.code))
    assign = section(d, "assign")
    suggested = assign.find_element(By.XPATH, ".//tr[.//span[normalize-space()='suggested']]")
    assert NAMES["sofia"] in suggested.text
    assert NAMES["sofia"] in assign.find_element(By.CSS_SELECTOR, "#assign-specialist option:checked").text
    type_into(assign.find_element(By.NAME, "reason"), "MS expert with the lightest load")
    submit(d, button(assign, "Assign"))
    assert stage(d) == "Specialist review"
    assert f"Assigned to {NAMES['sofia']}." in messages(d)
    screenshot(d, "case-review-liam")

    # Sofia writes the plan, saves the draft and signs it; her password is asked again.
    sign_in(d, live_server, "sofia")
    visit(d, live_server, case_path(case))
    plan_form = form(d, "plan")
    for name, value in PLAN.items():
        field = plan_form.find_element(By.NAME, name)
        if field.tag_name == "select":
            choose(field, "Inclusive")
        else:
            type_into(field, str(value))
    submit(d, button(form(d, "plan"), "Save draft"))
    assert "Plan v1 saved as a draft. Sign it to issue the quote." in messages(d)
    signing = form(d, "plan-sign")
    assert f"You sign as {NAMES['sofia']}" in signing.text and "approved therapy plan" in signing.text
    assert signing.find_element(By.ID, "plan-password").get_attribute("type") == "password"
    type_into(signing.find_element(By.ID, "plan-password"), staff_password())
    submit(d, button(signing, "Sign and issue the quote"))
    assert stage(d) == "Quote proposed"
    assert "Plan v1 signed; the quote has been issued." in messages(d)
    signed = section(d, "plan").find_element(By.XPATH, ".//p[span[normalize-space()='Signed']]").text
    assert NAMES["sofia"] in signed and "approved therapy plan" in signed
    assert today.strftime("%d %b %Y") in signed  # when
    issued = case.quotes.get(status="issued")
    assert f"{issued.total:,.2f} EUR" in section(d, "quote").text

    # Carla records that the patient accepted the quote, then the screening result.
    sign_in(d, live_server, "carla")
    visit(d, live_server, case_path(case))
    type_into(d.find_element(By.ID, "accept-note"), "Email of the patient, today")
    submit(d, button(section(d, "quote"), "Record acceptance"))
    assert stage(d) == "Awaiting screening"
    assert "Quote v1 accepted." in messages(d)
    screening = form(d, "screening")
    open_details(d, screening)
    set_date(d, screening.find_element(By.NAME, "sample_date"), today - dt.timedelta(days=12))
    type_into(screening.find_element(By.NAME, "laboratory"), "Diagnostyka Kraków")
    type_into(screening.find_element(By.NAME, "markers"), "CEA 1.0 ng/mL; CA 15-3 11 U/mL; CA 125 8 U/mL")
    submit(d, button(screening, "Record result"))
    assert "Screening result recorded; it waits for the specialist's verdict." in messages(d)
    assert stage(d) == "Awaiting screening"

    # Sofia judges it satisfactory and signs the verdict.
    sign_in(d, live_server, "sofia")
    visit(d, live_server, case_path(case))
    judge = form(d, "screening-judge")
    judge.find_element(By.CSS_SELECTOR, "input[name=verdict][value=satisfactory]").click()
    type_into(judge.find_element(By.NAME, "reason"), "All markers within range")
    type_into(judge.find_element(By.ID, "judge-password"), staff_password())
    submit(d, button(judge, "Sign the verdict"))
    assert stage(d) == "Screening cleared"
    assert "Screening judged satisfactory." in messages(d)
    assert f"Judged by {NAMES['sofia']}" in section(d, "screening").text

    # Lena, logistics, sets the dates: arriving today, first therapy day tomorrow.
    sign_in(d, live_server, "lena")
    visit(d, live_server, case_path(case))
    dates = form(d, "schedule")
    set_date(d, dates.find_element(By.NAME, "arrival_date"), today)
    set_date(d, dates.find_element(By.NAME, "first_therapy_day"), today + dt.timedelta(days=1))
    submit(d, button(dates, "Save dates"))
    assert stage(d) == "Scheduled"
    assert "Dates saved." in messages(d)
    # Nothing is confirmed before the deposit: no confirm form, and the page says why.
    assert not has_form(d, "confirm")
    assert "once the deposit is paid" in section(d, "logistics").text

    # Fiona, finance, records the deposit (the form offers the deposit's amount).
    sign_in(d, live_server, "fiona")
    visit(d, live_server, case_path(case))
    accepted = case.quotes.get(status="accepted")
    record_payment(d, accepted.deposit, "DEP-0001", today)
    assert stage(d) == "Deposit paid"
    assert f"Payment of {accepted.deposit:,.2f} EUR recorded." in messages(d)

    # Lena confirms an arrangement now that the deposit is in.
    sign_in(d, live_server, "lena")
    visit(d, live_server, case_path(case))
    transfer = d.find_element(By.XPATH, "//section[@id='logistics']//tr[td[normalize-space()='Airport transfer']]")
    type_into(transfer.find_element(By.NAME, "details"), "Driver Piotr, arrivals hall, 14:00")
    submit(d, button(transfer, "Confirm"))
    assert "Airport transfer confirmed." in messages(d)
    assert "Driver Piotr, arrivals hall, 14:00" in section(d, "logistics").text

    # Fiona records the balance; the case is paid in full.
    sign_in(d, live_server, "fiona")
    visit(d, live_server, case_path(case))
    screenshot(d, "case-payments-fiona")
    record_payment(d, accepted.total - accepted.deposit, "BAL-0001", today)
    assert stage(d) == "Paid in full"
    assert "paid in full" in section(d, "account").text
    assert not has_form(d, "payment")

    # Lena marks the patient arrived.
    sign_in(d, live_server, "lena")
    visit(d, live_server, case_path(case))
    submit(d, button(section(d, "logistics"), "Patient has arrived"))
    assert stage(d) == "Arrived"
    assert f"Arrival recorded (arrival date {today:%d %b %Y})." in messages(d)

    # Nina, the nurse, records the signed consent forms (English, through an interpreter: the patient is Polish);
    # until then no session can be logged.
    sign_in(d, live_server, "nina")
    visit(d, live_server, case_path(case))
    assert "No informed consent to investigational cell therapy (wjMSCs) is recorded" in section(d, "consent").text
    assert not has_form(d, "session")
    scan = tmp_path / "signed-consent.pdf"
    scan.write_bytes(b"%PDF-1.4\n" + b"Signed consent, scanned on the ward. " * 20)
    for therapy in ("Investigational cell therapy (wjMSCs)", "Intrathecal administration (lumbar puncture)"):
        consent = form(d, "consent")
        open_details(d, consent)
        choose(consent.find_element(By.NAME, "document"), f"{therapy}, English, version 1")
        set_date(d, consent.find_element(By.NAME, "signed_on"), today)
        choose(consent.find_element(By.NAME, "taken_by"), NAMES["sofia"])
        type_into(consent.find_element(By.NAME, "interpreter"), "Ewa Nowak")
        consent.find_element(By.NAME, "scan").send_keys(str(scan))
        submit(d, button(consent, "Record consent"))
        assert f"Consent to {therapy[0].lower() + therapy[1:]} recorded." in messages(d)
    assert "Consent held for every planned therapy" in section(d, "consent").text

    # Nina logs the first session (today: sessions are never logged ahead).
    session = form(d, "session")
    choose(session.find_element(By.NAME, "item"), "Cell infusion, intravenous 1 of 2")
    set_date(d, session.find_element(By.NAME, "day"), today)
    type_into(session.find_element(By.NAME, "given"), "50 million wjMSCs IV")
    submit(d, button(session, "Log session"))
    assert stage(d) == "In treatment"
    assert "Cell infusion, intravenous 1 logged." in messages(d)
    assert NAMES["nina"] in section(d, "sessions").text

    # Sofia sees what the plan still asks for; the patient has to fly home, so she sets the rest aside with the
    # reason, then completes the treatment, then issues and signs the protocol.
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
    assert "14 planned items set aside." in messages(d)
    submit(d, button(section(d, "sessions"), "Treatment complete"))
    assert stage(d) == "Treatment complete"
    protocol = form(d, "protocol-issue")
    assert "issued post-treatment protocol" in protocol.text
    type_into(protocol.find_element(By.NAME, "instructions"), PROTOCOL)
    type_into(protocol.find_element(By.ID, "protocol-password"), staff_password())
    submit(d, button(protocol, "Issue and sign the protocol"))
    assert stage(d) == "Follow-up"
    assert "Protocol issued and signed; follow-up assessments are scheduled." in messages(d)
    follow_up = section(d, "follow_up").text
    for months in ("1 month", "3 months", "6 months", "12 months"):
        assert months in follow_up

    screenshot(d, "case-follow-up")

    # The timeline tells who did what.
    timeline = section(d, "timeline")
    entries = [li.text for li in timeline.find_elements(By.CSS_SELECTOR, "li")]
    for who in ("carla", "liam", "sofia", "fiona", "lena", "nina"):
        assert any(NAMES[who] in e for e in entries), f"{who} missing from the timeline: {entries}"
    assert any(NAMES["liam"] in e and "MS expert with the lightest load" in e for e in entries)

    # The protocol document opens.
    follow(d, d.find_element(By.LINK_TEXT, "Open the document"))
    wait(d).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Post-treatment protocol"))
    document = d.find_element(By.TAG_NAME, "article").text
    assert "Marta Kowalska" in document and "no heavy lifting" in document
    assert f"Signed electronically by {NAMES['sofia']}" in document
    assert "12 months after treatment" in document
    screenshot(d, "protocol")

    # And the database agrees.
    case.refresh_from_db()
    assert case.stage == "follow_up"
    plan = case.plans.get()
    assert plan.status == "signed" and plan.signature.signer == staff["sofia"]
    assert case.specialist == staff["sofia"]
    assert sum(p.amount for p in case.payments.all()) == accepted.total
    assert [s.given_by for s in case.sessions.all()] == [staff["nina"]]
    assert PostTreatmentProtocol.objects.get(case=case).issued_by == staff["sofia"]
    assert sorted(case.follow_ups.values_list("months_after", flat=True))[:4] == [1, 3, 6, 12]
    assert case.record_items.get(kind="hematology").files.get().original_name == "blood-tests-2026.pdf"
    actors = set(case.events.values_list("actor__username", flat=True))
    assert {"carla", "liam", "sofia", "fiona", "lena", "nina"} <= actors


def staff_password() -> str:
    from cellway.demo.staff import DEMO_PASSWORD

    return DEMO_PASSWORD


def record_payment(d: WebDriver, amount: Any, reference: str, day: dt.date, proof: Path | None = None) -> None:
    """Record a bank transfer from the account panel, attaching `proof` (else a statement line written beside the test)."""
    from cellway.demo.journey import bank_proof

    payment = form(d, "payment")
    assert payment.find_element(By.NAME, "amount").get_attribute("value") == str(amount)
    choose(payment.find_element(By.NAME, "method"), "Bank transfer")
    type_into(payment.find_element(By.NAME, "reference"), reference)
    set_date(d, payment.find_element(By.NAME, "received_on"), day)
    if proof is None:
        proof = Path(tempfile.mkdtemp()) / f"statement-{reference}.pdf"
        proof.write_bytes(bank_proof(reference).read())
    payment.find_element(By.NAME, "proof").send_keys(str(proof))
    submit(d, button(payment, "Record payment"))
