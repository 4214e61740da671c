"""Card payments at the same moment (PostgreSQL, real row locks, real threads): a webhook event delivered 100 times
at once, a double-clicked "Pay by card"."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cellway.billing import paylinks
from cellway.billing.models import CheckoutAttempt, CheckoutStatus, InvoiceKind, JournalLine, Payment, StripeEvent
from cellway.billing.tests.test_stripe import SECRET, WEBHOOK, balanced, fake_stripe  # noqa: F401 (the fixture)
from cellway.cases.stages import Stage
from cellway.cases.tests.test_concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DELIVERIES = 100
# At most this many at once: each thread holds a database connection (PostgreSQL allows 100 in all).
AT_ONCE = 30


def test_one_event_delivered_100_times_at_once_records_one_payment_and_the_ledger_balances(case_at, fake_stripe):  # noqa: F811
    case = case_at(Stage.SCHEDULED)
    invoice = case.invoices.get(kind=InvoiceKind.DEPOSIT)
    response = Client().post(reverse("billing:pay-card", kwargs={"token": paylinks.token_for(invoice)}))
    assert response.status_code == 303
    attempt = CheckoutAttempt.objects.get(invoice=invoice)
    payload, header = fake_stripe.pay(attempt.session_id, send=False)
    start = threading.Barrier(AT_ONCE)

    def deliver(i: int) -> int:
        try:
            if i < AT_ONCE:
                start.wait(timeout=30)
            return Client().post(WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        statuses = list(pool.map(deliver, range(DELIVERIES)))

    assert statuses == [200] * DELIVERIES
    assert StripeEvent.objects.count() == 1 and StripeEvent.objects.get().processed_at is not None
    payment = Payment.objects.get(case=case, method="card")
    assert payment.amount == invoice.amount and payment.refund_due == 0
    assert JournalLine.objects.filter(entry__payment=payment).count() == 1
    assert balanced(case)
    case.refresh_from_db()
    assert case.stage == Stage.DEPOSIT_PAID


def test_a_double_clicked_pay_by_card_leaves_one_open_session(case_at, fake_stripe):  # noqa: F811
    case = case_at(Stage.SCHEDULED)
    invoice = case.invoices.get(kind=InvoiceKind.DEPOSIT)
    url = reverse("billing:pay-card", kwargs={"token": paylinks.token_for(invoice)})

    outcomes = race(*(lambda: Client().post(url).status_code for _ in range(2)))

    assert sorted(kind for kind, _ in outcomes) == ["ok", "ok"], outcomes
    attempts = list(CheckoutAttempt.objects.filter(invoice=invoice).order_by("attempt"))
    assert [a.attempt for a in attempts] == [1, 2]
    assert [a.status for a in attempts].count(CheckoutStatus.OPEN) == 1
    open_at_stripe = [s for s in fake_stripe.sessions.values() if s["status"] == "open"]
    assert len(open_at_stripe) == 1
    assert open_at_stripe[0]["id"] == next(a.session_id for a in attempts if a.status == CheckoutStatus.OPEN)
