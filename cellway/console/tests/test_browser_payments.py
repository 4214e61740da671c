"""In the browser: finance records a bank transfer with its proof, sees it was a mistake, reverses it with a reason
and records the right one under the same reference; the journal balances."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
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
    stage,
    submit,
    type_into,
    visit,
)
from cellway.console.tests.test_browser_journey import record_payment

pytestmark = [pytest.mark.browser, browser_db]


def test_finance_records_a_transfer_with_proof_reverses_a_mistake_and_records_the_right_one(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
    case_at: Any,
    tmp_path: Path,
) -> None:
    from cellway.billing import selectors as billing_selectors
    from cellway.billing.models import Payment
    from cellway.cases.stages import Stage
    from cellway.clinic import clinic_today
    from cellway.demo.journey import bank_proof

    d = browser
    case = case_at(Stage.SCHEDULED)
    quote = billing_selectors.accepted_quote(case)
    proof = tmp_path / "statement.pdf"
    proof.write_bytes(bank_proof("BANK-311").read())
    sign_in(d, live_server, "fiona")
    visit(d, live_server, case_path(case))

    # A transfer typed with the wrong amount: too little for the deposit, so the stage stays.
    payment = form(d, "payment")
    type_into(payment.find_element(By.NAME, "amount"), "1000.00")
    record_payment(d, Decimal("1000.00"), "BANK-311", clinic_today(), proof=proof)
    assert "Payment of 1,000.00 EUR recorded." in messages(d)
    assert stage(d) == "Scheduled"
    account = section(d, "account")
    assert "Download" in account.text

    # Reversed with a reason (the summary opens the form), then recorded as it should have been.
    reverse_form = form(d, "payment-reverse")
    open_details(d, reverse_form)
    type_into(reverse_form.find_element(By.NAME, "reason"), "Typed 1000.00 for the deposit")
    submit(d, button(reverse_form, "Reverse 1,000.00 EUR"))
    assert "Payment BANK-311 of 1,000.00 EUR reversed; the reason is on the record." in messages(d)
    assert "Typed 1000.00 for the deposit" in section(d, "account").text
    screenshot(d, "case-payment-reversed-fiona")
    fits(d)

    record_payment(d, quote.deposit, "BANK-311", clinic_today(), proof=proof)
    assert stage(d) == "Deposit paid"
    rows = Payment.objects.filter(case=case).values_list("reference", "amount", "reversed_at")
    assert [(ref, amount, at is not None) for ref, amount, at in rows] == [
        ("BANK-311", Decimal("1000.00"), True),
        ("BANK-311", quote.deposit, False),
    ]
    assert billing_selectors.account(case).paid == quote.deposit

    # The balance is open: finance's receivables list it with its due date, at both widths.
    visit(d, live_server, "/receivables/")
    assert case.code in section(d, "open").text
    screenshot(d, "receivables-fiona")
    fits(d)


def test_finance_opens_the_quote_pdf_from_the_case_page_and_the_administrator_schedules_a_price_list(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
    case_at: Any,
) -> None:
    import datetime as dt

    from cellway.billing import documents
    from cellway.cases.stages import Stage
    from cellway.clinic import clinic_today

    d = browser
    case = case_at(Stage.SCHEDULED)
    sign_in(d, live_server, "fiona")
    visit(d, live_server, case_path(case))
    link = section(d, "quote").find_element(By.LINK_TEXT, "PDF")
    fetched = d.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0]).then(r => r.arrayBuffer().then(b => done("
        "[r.status, r.headers.get('content-type'), new TextDecoder('latin1').decode(new Uint8Array(b).slice(0, 5))])));",
        link.get_attribute("href"),
    )
    if documents.unavailable() is None:
        assert fetched == [200, "application/pdf", "%PDF-"]
    else:  # this machine has no WeasyPrint libraries (make pdf-deps): the page says so, never a 500
        assert fetched[0] == 503

    # The administrator publishes next month's prices; today's stay in force until then.
    sign_in(d, live_server, "adam")
    visit(d, live_server, "/price-list/")
    later = clinic_today() + dt.timedelta(days=30)
    publish = d.find_element(By.XPATH, "//form[.//button[normalize-space()='Publish']]")
    type_into(publish.find_element(By.NAME, "iv_infusion"), "450.00")
    set_date(d, publish.find_element(By.NAME, "effective_from"), later)
    submit(d, button(publish, "Publish"))
    assert f"Price list v2 is in force from {later:%d %b %Y}." in " ".join(messages(d))
    assert f"from {later:%d %b %Y}" in d.page_source
    screenshot(d, "price-list-scheduled-adam")
    fits(d)
