"""The ways a case stops or is held back, seen in a real browser by the people involved.

Each test starts from a case walked by the real services (`case_at`) to the stage
where the refusal happens, then does the refusing step with the console's forms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.cases.stages import Stage
from cellway.console.tests.browser import (
    NAMES,
    PHONE,
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
    overflows,
    section,
    set_date,
    sign_in,
    stage,
    submit,
    type_into,
    visit,
    widest_elements,
)

pytestmark = [pytest.mark.browser, browser_db]

CaseAt = Callable[..., Any]


def password() -> str:
    from cellway.demo.staff import DEMO_PASSWORD

    return DEMO_PASSWORD


def end_case(d: WebDriver, ending: str, reason: str) -> None:
    end = form(d, "end")
    open_details(d, end)
    choose(end.find_element(By.NAME, "ending"), ending)
    type_into(end.find_element(By.NAME, "reason"), reason)
    submit(d, button(end, "End the case"))


def ended_card(d: WebDriver) -> str:
    return d.find_element(By.XPATH, "//div[contains(@class, 'card')][strong[starts-with(., 'This case ended')]]").text


def test_an_unsatisfactory_screening_refuses_the_case_and_nothing_is_charged(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
    case_at: CaseAt,
) -> None:
    from cellway.clinic import clinic_today
    from cellway.plans import services as plans

    case = case_at(Stage.ACCEPTED)
    plans.record_screening(
        case=case,
        by=staff["carla"],
        sample_date=clinic_today() - dt.timedelta(days=5),
        markers="CEA 14.2 ng/mL (high); CA 19-9 88 U/mL (high)",
        laboratory="Lab Lisboa",
    )
    d = browser
    sign_in(d, live_server, "sofia")
    visit(d, live_server, case_path(case))
    judge = form(d, "screening-judge")
    judge.find_element(By.CSS_SELECTOR, "input[name=verdict][value=unsatisfactory]").click()
    type_into(judge.find_element(By.NAME, "reason"), "CEA and CA 19-9 well above range; needs oncology work-up first")
    type_into(judge.find_element(By.ID, "judge-password"), password())
    submit(d, button(judge, "Sign the verdict"))

    assert stage(d) == "Refused"
    assert "Screening judged unsatisfactory: the case is refused." in messages(d)
    assert "needs oncology work-up first" in ended_card(d)
    assert f"Judged by {NAMES['sofia']}" in section(d, "screening").text

    # Finance opens it: nothing to charge, no dates to set.
    sign_in(d, live_server, "fiona")
    visit(d, live_server, case_path(case))
    assert stage(d) == "Refused"
    assert not has_form(d, "payment") and not has_form(d, "schedule")
    case.refresh_from_db()
    assert case.stage == "refused" and "oncology" in case.end_reason
    assert not case.payments.exists() and not case.logistics_tasks.exists()


def test_a_patient_who_declines_ends_the_case_as_declined_with_the_reason(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    case_at: CaseAt,
) -> None:
    case = case_at(Stage.QUOTED)
    d = browser
    sign_in(d, live_server, "carla")
    visit(d, live_server, case_path(case))
    end_case(d, "Declined by the patient", "The family chose a clinic closer to home")

    assert stage(d) == "Declined"
    assert "Case ended: Declined." in messages(d)
    assert "closer to home" in ended_card(d)
    assert not has_form(d, "quote-accept") and not has_form(d, "end")
    assert any(NAMES["carla"] in e and "closer to home" in e for e in timeline(d))
    case.refresh_from_db()
    assert case.stage == "declined"


def test_a_case_can_be_withdrawn_with_the_reason(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    case_at: CaseAt,
) -> None:
    case = case_at(Stage.TRIAGE)
    d = browser
    sign_in(d, live_server, "liam")
    visit(d, live_server, case_path(case))
    end_case(d, "Withdrawn", "Duplicate of the case opened from the chat")

    assert stage(d) == "Withdrawn"
    assert "Case ended: Withdrawn." in messages(d)
    assert "Duplicate of the case opened from the chat" in ended_card(d)
    assert not has_form(d, "assign")
    case.refresh_from_db()
    assert case.stage == "withdrawn"


def test_moving_the_therapy_date_past_the_screening_sends_the_case_back_to_screening(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    case_at: CaseAt,
) -> None:
    from cellway.clinic import clinic_today

    case = case_at(Stage.SCHEDULED)  # screened 10 days ago
    later = clinic_today() + dt.timedelta(days=100)
    d = browser
    sign_in(d, live_server, "lena")
    visit(d, live_server, case_path(case))
    dates = form(d, "schedule")
    open_details(d, dates)
    set_date(d, dates.find_element(By.NAME, "arrival_date"), later)
    set_date(d, dates.find_element(By.NAME, "first_therapy_day"), later + dt.timedelta(days=1))
    type_into(dates.find_element(By.NAME, "reason"), "Patient asked to travel after the holidays")
    submit(d, button(dates, "Save dates"))

    assert stage(d) == "Awaiting screening"
    assert "Dates moved. The screening no longer counts for the new first therapy day: the case is back to screening." in messages(d)
    assert later.strftime("%d %b %Y") in section(d, "schedule").text
    case.refresh_from_db()
    assert case.stage == "accepted" and case.first_therapy_day == later + dt.timedelta(days=1)


def test_a_session_waits_for_the_balance_until_a_finance_manager_signs_an_override(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
    case_at: CaseAt,
) -> None:
    from cellway.clinic import clinic_today
    from cellway.demo.journey import give_consent
    from cellway.travel import services as travel

    today = clinic_today()
    case = case_at(Stage.DEPOSIT_PAID, arrival=today)
    travel.mark_arrived(case=case, by=staff["lena"])  # deposit in, balance still open
    give_consent(case, staff)
    d = browser

    sign_in(d, live_server, "nina")
    visit(d, live_server, case_path(case))
    # The session form is not offered while the service would refuse it; the reason is shown instead.
    assert not has_form(d, "session")
    assert (
        "The balance is still open: no session starts until it is paid, or a finance manager signs an override."
        in section(d, "sessions").text
    )
    assert stage(d) == "Arrived"
    assert not case.sessions.exists()

    # Fiona (finance, not a manager) is not offered the override; Marcus is.
    sign_in(d, live_server, "fiona")
    visit(d, live_server, case_path(case))
    assert not has_form(d, "override")
    sign_in(d, live_server, "marcus")
    visit(d, live_server, case_path(case))
    override = form(d, "override")
    open_details(d, override)
    assert "sessions may start with a balance open" in override.text
    type_into(override.find_element(By.NAME, "reason"), "Balance wired yesterday; bank confirmation pending")
    type_into(override.find_element(By.ID, "override-password"), password())
    submit(d, button(override, "Sign the override"))
    assert "Override signed: sessions may start with the balance open." in messages(d)
    assert NAMES["marcus"] in section(d, "account").text

    sign_in(d, live_server, "nina")
    visit(d, live_server, case_path(case))
    log_session(d, today)
    assert stage(d) == "In treatment"
    assert "Cell infusion, intravenous 1 logged." in messages(d)
    assert "balance open, override" in section(d, "sessions").text
    session = case.sessions.get()
    assert session.given_by == staff["nina"] and session.override.granted_by == staff["marcus"]


def test_a_wrong_password_signs_nothing(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
    case_at: CaseAt,
) -> None:
    from cellway.audit.signatures import Signature
    from cellway.demo.journey import PLAN
    from cellway.plans import services as plans

    case = case_at(Stage.REVIEW)
    plans.save_plan(case=case, by=staff["sofia"], **PLAN)
    d = browser
    sign_in(d, live_server, "sofia")
    visit(d, live_server, case_path(case))
    signing = form(d, "plan-sign")
    type_into(signing.find_element(By.ID, "plan-password"), "not-my-password")
    submit(d, button(signing, "Sign and issue the quote"))

    assert "The password is not correct; nothing was signed." in messages(d)
    assert stage(d) == "Specialist review"
    assert has_form(d, "plan-sign")  # she can try again
    assert "Signed" not in [b.text for b in section(d, "plan").find_elements(By.CSS_SELECTOR, ".badge")]
    plan = case.plans.get()
    assert plan.status == "draft" and plan.signature is None
    assert not Signature.objects.filter(signer=staff["sofia"]).exists()
    assert not case.quotes.exists()


def test_a_specialist_cannot_open_another_specialists_case(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    case_at: CaseAt,
) -> None:
    case = case_at(Stage.REVIEW)  # assigned to Sofia
    d = browser
    sign_in(d, live_server, "daniel")
    visit(d, live_server, case_path(case))
    assert d.find_element(By.TAG_NAME, "h1").text == "Not found"
    assert "not yours to see" in d.find_element(By.TAG_NAME, "main").text
    assert case.patient.full_name not in d.page_source
    assert case.code not in d.page_source
    # Nor does his case list give it away.
    follow(d, d.find_element(By.LINK_TEXT, "Cases"))
    assert case.code not in d.find_element(By.TAG_NAME, "main").text


def test_on_a_phone_the_case_page_and_a_queue_fit_the_screen(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    case_at: CaseAt,
) -> None:
    case = case_at(Stage.DEPOSIT_PAID)  # a quote, a payment, logistics and the payment form
    d = browser
    d.set_window_size(*PHONE)
    sign_in(d, live_server, "fiona")

    follow(d, d.find_element(By.XPATH, "//a[contains(@class, 'card')][.//h2[normalize-space()='Payments due']]"))
    assert case.code in d.find_element(By.TAG_NAME, "main").text
    assert not overflows(d), widest_elements(d)

    follow(d, d.find_element(By.LINK_TEXT, case.code))
    assert stage(d) == "Deposit paid"
    assert not overflows(d), widest_elements(d)
    width = d.execute_script("return window.innerWidth")

    def on_screen(element: Any) -> bool:
        box = element.rect
        return bool(box["x"] >= 0 and box["x"] + box["width"] <= width + 1)

    # The quote's amounts and total are on screen, not scrolled off inside the table.
    amounts = section(d, "quote").find_elements(By.CSS_SELECTOR, "td.num, th.num")
    assert amounts and all(on_screen(a) for a in amounts), [(a.text, a.rect) for a in amounts if not on_screen(a)]
    # The payment form is usable at this width: every field and its button inside the screen.
    for element in form(d, "payment").find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), select, button"):
        assert on_screen(element), (element.get_attribute("name"), element.rect)


def timeline(d: WebDriver) -> list[str]:
    return [li.text for li in section(d, "timeline").find_elements(By.CSS_SELECTOR, "li")]


def log_session(d: WebDriver, day: dt.date) -> None:
    session = form(d, "session")
    choose(session.find_element(By.NAME, "item"), "Cell infusion, intravenous 1 of 2")
    set_date(d, session.find_element(By.NAME, "day"), day)
    type_into(session.find_element(By.NAME, "given"), "50 million wjMSCs IV")
    submit(d, button(session, "Log session"))
