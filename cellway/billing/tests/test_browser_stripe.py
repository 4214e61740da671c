"""In Chromium: the patient opens the pay link from their email, presses "Pay by card", pays with the test card on the
local fake of Stripe's hosted Checkout, and comes back to the invoice shown paid; the payment came through the fake's
signed webhook, not the return page. The pay pages pass axe-core, in English and Arabic, and fit a phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec

from cellway.billing import paylinks
from cellway.billing.models import CheckoutAttempt, CheckoutStatus, InvoiceKind, Payment, StripeEvent
from cellway.billing.tests.test_stripe import balanced
from cellway.cases.stages import Stage
from cellway.console.tests.browser import (
    PHONE,
    browser,
    browser_db,
    checked_page,
    click_and_wait,
    fake_stripe_live,
    fits,
    screenshot,
    visit,
    wait,
)

__all__ = ["browser", "fake_stripe_live"]

pytestmark = [pytest.mark.browser, browser_db]


def test_the_patients_card_payment_arrives_through_the_webhook_and_the_invoice_shows_paid(
    browser: WebDriver, live_server: Any, fake_stripe_live: Any, case_at: Any
) -> None:
    case = case_at(Stage.SCHEDULED)
    invoice = case.invoices.get(kind=InvoiceKind.DEPOSIT)
    link = reverse("billing:pay", kwargs={"token": paylinks.token_for(invoice)})

    visit(browser, live_server, link + "?lang=ar")
    checked_page(browser, "pay-link-ar", "rtl")
    visit(browser, live_server, link)
    assert invoice.label in browser.find_element(By.TAG_NAME, "h1").text
    checked_page(browser, "pay-link-en", "ltr")

    click_and_wait(browser, "#pay-by-card")
    assert browser.current_url.startswith(fake_stripe_live.base_url + "/checkout/cs_test_")
    assert "Fake Stripe Checkout" in browser.find_element(By.TAG_NAME, "h1").text
    assert not Payment.objects.filter(method="card").exists()

    click_and_wait(browser, "#pay")

    # Back on Cellway's page, which the webhook's payment has already marked paid.
    assert browser.current_url.startswith(live_server.url + link)
    assert browser.find_element(By.ID, "paid-note").is_displayed()
    checked_page(browser, "pay-link-paid")
    [(_payload, _header, status)] = fake_stripe_live.sent
    assert status == 200
    payment = Payment.objects.get(case=case, method="card")
    assert payment.amount == invoice.amount and payment.recorded_by is None
    assert StripeEvent.objects.get().processed_at is not None
    assert CheckoutAttempt.objects.get(invoice=invoice).status == CheckoutStatus.COMPLETE
    case.refresh_from_db()
    assert case.stage == Stage.DEPOSIT_PAID
    assert balanced(case)


def test_an_expired_link_offers_a_new_one_in_the_browser(browser: WebDriver, live_server: Any, case_at: Any, settings: Any) -> None:
    settings.PAY_LINK_DAYS = 1
    case = case_at(Stage.SCHEDULED)
    invoice = case.invoices.get(kind=InvoiceKind.DEPOSIT)
    import time as clock

    from django.core import signing

    token = signing.TimestampSigner(salt=paylinks.SALT).sign(str(invoice.uuid))
    old = signing.TimestampSigner(salt=paylinks.SALT)
    original = clock.time
    try:
        clock.time = lambda: original() - 3 * 86400  # type: ignore[assignment]
        token = old.sign(str(invoice.uuid))
    finally:
        clock.time = original  # type: ignore[assignment]
    visit(browser, live_server, reverse("billing:pay", kwargs={"token": token}))
    assert "expired" in browser.find_element(By.TAG_NAME, "h1").text
    checked_page(browser, "pay-link-expired")
    click_and_wait(browser, "#send-new-link")
    assert "on its way" in browser.find_element(By.CSS_SELECTOR, "[role=status]").text


def test_finance_copies_and_mails_a_pay_link_from_the_case_page(
    browser: WebDriver, live_server: Any, fake_stripe_live: Any, case_at: Any, staff: Any
) -> None:
    from django.core import mail

    from cellway.console.tests.browser import sign_in, submit

    case = case_at(Stage.SCHEDULED)
    sign_in(browser, live_server, "fiona")
    visit(browser, live_server, reverse("console:case", kwargs={"uuid": case.uuid}) + "#pay-links")
    fields = browser.find_elements(By.CSS_SELECTOR, "input.copy-field")
    assert len(fields) == 2 and all("/billing/pay/" in f.get_attribute("value") for f in fields)
    fits(browser, (PHONE,))
    screenshot(browser, "console-pay-links")
    mail.outbox.clear()
    button = browser.find_element(By.XPATH, "//button[normalize-space()='Email it to the patient']")
    submit(browser, button)
    wait(browser).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "body"), "is on its way"))
    assert [m.to for m in mail.outbox] == [[case.patient.email]]
