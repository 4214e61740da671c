"""In the browser: a declined case, finance reads what the policy gives back, issues the credit note, finds the
refund on the receivables page, records it made; the journal balances. Checked at desktop and phone width."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.console.tests.browser import (
    browser,  # noqa: F401 - a fixture
    browser_db,
    button,
    case_path,
    fits,
    form,
    messages,
    open_details,
    screenshot,
    section,
    set_date,
    sign_in,
    submit,
    type_into,
    visit,
)

pytestmark = [pytest.mark.browser, browser_db]


def test_finance_issues_a_credit_note_under_the_policy_and_records_the_refund(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
    case_at: Any,
    settings: Any,
) -> None:
    from cellway.billing import selectors as billing_selectors
    from cellway.billing.cancellation import parse_policy
    from cellway.billing.models import Refund
    from cellway.billing.tests.test_ledger import sums_to_zero
    from cellway.cases import services as cases
    from cellway.cases.stages import Stage
    from cellway.clinic import clinic_today

    settings.CANCELLATION_POLICY = parse_policy("60:100,30:75,0:0")
    d = browser
    case = case_at(Stage.PAID, arrival=clinic_today() + dt.timedelta(days=45))
    cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Changed their mind")
    sign_in(d, live_server, "fiona")
    visit(d, live_server, case_path(case))

    panel = section(d, "refund")
    assert "What the cancellation policy gives back" in panel.text
    assert "25% of €15,260.00" in panel.text
    screenshot(d, "case-refund-policy-fiona")
    fits(d)

    issue = form(d, "credit-note")
    open_details(d, issue)
    type_into(issue.find_element(By.NAME, "note"), "Patient cancelled by email")
    submit(d, button(issue, "Issue credit note"))
    assert any(m.startswith("Credit note CN-") and "11,445.00 to refund" in m for m in messages(d))

    visit(d, live_server, "/receivables/")
    assert case.code in section(d, "refunds").text
    screenshot(d, "receivables-refunds-fiona")
    fits(d)

    visit(d, live_server, case_path(case))
    record = form(d, "refund-record")
    type_into(record.find_element(By.NAME, "reference"), "OUT-2026-1")
    set_date(d, record.find_element(By.NAME, "paid_on"), clinic_today())
    submit(d, button(record, "Refund made"))
    assert any("recorded as made" in m for m in messages(d))
    assert "made" in section(d, "refund").text
    screenshot(d, "case-refund-made-fiona")
    fits(d)

    assert Refund.objects.get(case=case).status == "done"
    assert billing_selectors.trial_balance(case)[("refunds_payable", "EUR")] == Decimal(0)
    assert sums_to_zero(case)


def test_finance_keeps_an_exchange_rate(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
) -> None:
    from cellway.clinic import clinic_today

    d = browser
    sign_in(d, live_server, "fiona")
    visit(d, live_server, "/exchange-rates/")
    enter = d.find_element(By.XPATH, "//form[.//button[normalize-space()='Enter rate']]")
    type_into(enter.find_element(By.NAME, "base"), "EUR")
    type_into(enter.find_element(By.NAME, "target"), "GBP")
    type_into(enter.find_element(By.NAME, "rate"), "0.8512")
    set_date(d, enter.find_element(By.NAME, "effective_from"), clinic_today())
    submit(d, button(enter, "Enter rate"))
    assert "EUR → GBP" in section(d, "rates").text
    screenshot(d, "exchange-rates-fiona")
    fits(d)
