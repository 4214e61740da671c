"""Card payments through Stripe's hosted Checkout, offline: the local fake API (cellway/demo/fake_stripe.py) on loopback,
webhook payloads signed in the test with the webhook secret."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.urls import reverse

from cellway.billing import checkout, paylinks
from cellway.billing import selectors as billing_selectors
from cellway.billing import services as billing
from cellway.billing.models import CheckoutAttempt, CheckoutStatus, InvoiceKind, JournalLine, LedgerAccount, Payment, StripeEvent
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.fake_stripe import FakeStripe, event_payload, sign

SECRET = "whsec_test_cellway"
WEBHOOK = "/billing/stripe/webhook/"


@pytest.fixture
def fake_stripe(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_cellway"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    fake = FakeStripe(webhook_secret=SECRET)
    settings.STRIPE_API_BASE = fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def scheduled(case_at):
    """A scheduled case with its deposit invoice open."""
    case = case_at(Stage.SCHEDULED)
    return case, case.invoices.get(kind=InvoiceKind.DEPOSIT)


def pay_url(invoice, name="billing:pay"):
    return reverse(name, kwargs={"token": paylinks.token_for(invoice)})


def deliver(client, payload: bytes, header: str | None, capture):
    headers = {"HTTP_STRIPE_SIGNATURE": header} if header is not None else {}
    with capture(execute=True):
        return client.post(WEBHOOK, data=payload, content_type="application/json", **headers)


def press(client, invoice) -> CheckoutAttempt:
    response = client.post(pay_url(invoice, "billing:pay-card"))
    assert response.status_code == 303, response.content
    attempt = CheckoutAttempt.objects.filter(invoice=invoice).order_by("-attempt").first()
    assert response["Location"] == attempt.url
    return attempt


def balanced(case) -> bool:
    sums: dict[str, Decimal] = {}
    for (_account, currency), amount in billing_selectors.trial_balance(case).items():
        sums[currency] = sums.get(currency, Decimal(0)) + amount
    return all(v == 0 for v in sums.values())


def test_the_pay_page_shows_the_open_amount_and_a_card_button(client, fake_stripe, scheduled):
    _case, invoice = scheduled
    token = paylinks.token_for(invoice)
    page = client.get(reverse("billing:pay", kwargs={"token": token}))
    assert page.status_code == 200
    text = page.content.decode()
    assert invoice.label in text and "Pay by card" in text
    assert f"{invoice.amount:,.2f}" in text.replace("\xa0", " ")
    assert 'action="' + reverse("billing:pay-card", kwargs={"token": token}) + '"' in text
    # The form may lead to Stripe's page (and to the fake's, which STRIPE_API_BASE names here), nowhere else.
    policy = page["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if part.strip().startswith("form-action")).split()
    assert form_action == ["form-action", "'self'", "https://checkout.stripe.com", fake_stripe.base_url]


def test_a_card_payment_is_recorded_from_the_webhook_with_its_journal_and_moves_the_case(
    client, fake_stripe, scheduled, django_capture_on_commit_callbacks
):
    case, invoice = scheduled
    attempt = press(client, invoice)
    assert attempt.status == CheckoutStatus.OPEN and attempt.idempotency_key == f"cellway-checkout-{invoice.uuid}-1"
    created = [p for m, path, p in fake_stripe.requests if m == "POST" and path == "/v1/checkout/sessions"]
    assert created[0]["line_items"]["0"]["price_data"]["unit_amount"] == str(checkout.to_minor(invoice.amount, invoice.currency))

    # The success page records nothing.
    assert client.get(pay_url(invoice) + "?paid=1").status_code == 200
    assert not Payment.objects.filter(case=case, method="card").exists()

    payload, header = fake_stripe.pay(attempt.session_id, send=False)
    response = deliver(client, payload, header, django_capture_on_commit_callbacks)

    assert response.status_code == 200, response.content
    payment = Payment.objects.get(case=case, method="card")
    assert payment.amount == invoice.amount and payment.refund_due == 0 and payment.recorded_by is None
    assert payment.provider_reference == fake_stripe.sessions[attempt.session_id]["payment_intent"]
    attempt.refresh_from_db()
    assert attempt.status == CheckoutStatus.COMPLETE and attempt.payment == payment
    case.refresh_from_db()
    assert case.stage == Stage.DEPOSIT_PAID
    line = JournalLine.objects.get(entry__payment=payment)
    assert (line.debit, line.credit, line.amount) == (LedgerAccount.STRIPE_CLEARING, LedgerAccount.RECEIVABLE, invoice.amount)
    assert balanced(case)
    # The session was re-read from Stripe's API, not taken from the webhook's copy.
    assert ("GET", f"/v1/checkout/sessions/{attempt.session_id}", {}) in fake_stripe.requests
    assert "paid" in client.get(pay_url(invoice)).content.decode().lower()


def test_the_same_event_twice_records_one_payment(client, fake_stripe, scheduled, django_capture_on_commit_callbacks):
    case, invoice = scheduled
    attempt = press(client, invoice)
    payload, header = fake_stripe.pay(attempt.session_id, send=False)

    first = deliver(client, payload, header, django_capture_on_commit_callbacks)
    again = deliver(client, payload, header, django_capture_on_commit_callbacks)

    assert (first.status_code, again.status_code) == (200, 200)
    assert "nothing more" in again.content.decode()
    assert Payment.objects.filter(case=case).exclude(method="transfer").count() == 1
    assert StripeEvent.objects.count() == 1
    assert balanced(case)


def test_an_expired_event_after_the_completed_one_changes_nothing(client, fake_stripe, scheduled, django_capture_on_commit_callbacks):
    case, invoice = scheduled
    attempt = press(client, invoice)
    completed = fake_stripe.pay(attempt.session_id, send=False)
    session = dict(fake_stripe.sessions[attempt.session_id], status="expired")
    late = event_payload("checkout.session.expired", session)

    assert deliver(client, *completed, django_capture_on_commit_callbacks).status_code == 200
    assert deliver(client, late, sign(late, SECRET), django_capture_on_commit_callbacks).status_code == 200

    attempt.refresh_from_db()
    assert attempt.status == CheckoutStatus.COMPLETE
    assert Payment.objects.filter(case=case, method="card").count() == 1
    assert StripeEvent.objects.count() == 2


def test_the_expired_event_arriving_first_then_completed_still_records_the_payment(
    client, fake_stripe, scheduled, django_capture_on_commit_callbacks
):
    """Out of order the other way: whatever the event says, the session as Stripe has it now decides."""
    case, invoice = scheduled
    attempt = press(client, invoice)
    completed = fake_stripe.pay(attempt.session_id, send=False)
    early = event_payload("checkout.session.expired", dict(fake_stripe.sessions[attempt.session_id], status="expired"))
    deliver(client, early, sign(early, SECRET), django_capture_on_commit_callbacks)
    deliver(client, *completed, django_capture_on_commit_callbacks)
    assert Payment.objects.filter(case=case, method="card").count() == 1


@pytest.mark.parametrize(
    ("header", "why"),
    [
        (None, "no Stripe-Signature"),
        ("t=1,v1=deadbeef", "signature"),
        ("garbage", "signature"),
    ],
)
def test_an_unsigned_or_garbled_signature_is_refused_with_nothing_written(
    client, fake_stripe, scheduled, django_capture_on_commit_callbacks, header, why
):
    _case, invoice = scheduled
    attempt = press(client, invoice)
    payload, _good = fake_stripe.pay(attempt.session_id, send=False)
    response = deliver(client, payload, header, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert why.lower() in response.content.decode().lower()
    assert not StripeEvent.objects.exists() and not Payment.objects.filter(method="card").exists()


def test_a_tampered_body_a_wrong_secret_and_a_stale_timestamp_are_refused(
    client, fake_stripe, scheduled, django_capture_on_commit_callbacks
):
    _case, invoice = scheduled
    attempt = press(client, invoice)
    payload, header = fake_stripe.pay(attempt.session_id, send=False)
    tampered = payload.replace(b'"amount_total": ', b'"amount_total": 9')
    stale = sign(payload, SECRET, timestamp=int(time.time()) - 3600)
    for body, signature in [
        (tampered, header),
        (payload, sign(payload, "whsec_other")),
        (payload, stale),
        (b"not json", sign(b"not json", SECRET)),
    ]:
        assert deliver(client, body, signature, django_capture_on_commit_callbacks).status_code == 400
    assert "timestamp" in deliver(client, payload, stale, django_capture_on_commit_callbacks).content.decode().lower()
    assert not StripeEvent.objects.exists() and not Payment.objects.filter(method="card").exists()


def test_an_event_for_a_session_cellway_never_made_is_refused_with_nothing_written(
    client, db, fake_stripe, django_capture_on_commit_callbacks
):
    payload = event_payload("checkout.session.completed", {"id": "cs_test_unknown", "status": "complete", "metadata": {}})
    response = deliver(client, payload, sign(payload, SECRET), django_capture_on_commit_callbacks)
    assert response.status_code == 404
    assert not StripeEvent.objects.exists()


def test_an_event_type_cellway_does_not_act_on_is_acknowledged_and_not_stored(client, db, fake_stripe, django_capture_on_commit_callbacks):
    payload = event_payload("customer.created", {"id": "cus_1"})
    response = deliver(client, payload, sign(payload, SECRET), django_capture_on_commit_callbacks)
    assert response.status_code == 200 and not StripeEvent.objects.exists()


def test_the_webhook_answers_503_with_the_reason_when_no_secret_is_configured(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = client.post(WEBHOOK, data=b"{}", content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=x")
    assert response.status_code == 503
    assert "STRIPE_WEBHOOK_SECRET" in response.content.decode()


def test_each_press_makes_a_fresh_session_and_expires_the_one_before(client, fake_stripe, scheduled):
    _case, invoice = scheduled
    first = press(client, invoice)
    second = press(client, invoice)
    first.refresh_from_db()
    assert first.status == CheckoutStatus.SUPERSEDED and second.status == CheckoutStatus.OPEN
    assert fake_stripe.sessions[first.session_id]["status"] == "expired"
    assert fake_stripe.sessions[second.session_id]["status"] == "open"
    assert second.idempotency_key == f"cellway-checkout-{invoice.uuid}-2"
    assert CheckoutAttempt.objects.filter(invoice=invoice, status__in=["open", "pending"]).count() == 1


def test_a_second_card_payment_of_a_paid_invoice_is_recorded_and_flagged_for_refund(
    client, fake_stripe, scheduled, staff, django_capture_on_commit_callbacks
):
    """Two tabs: the patient pays in both before either webhook arrives. The second is owed back, on refunds payable."""
    case, invoice = scheduled
    first = press(client, invoice)
    one = fake_stripe.pay(first.session_id, send=False)
    # The second tab's session: made straight at the fake as if the first had not been expired.
    deliver(client, *one, django_capture_on_commit_callbacks)
    second = CheckoutAttempt.objects.create(
        invoice=invoice, attempt=2, idempotency_key="cellway-checkout-x-2", amount=invoice.amount, currency=invoice.currency
    )
    session = fake_stripe.api(
        "POST",
        "/v1/checkout/sessions",
        {
            "mode": "payment",
            "line_items": {
                "0": {"quantity": "1", "price_data": {"currency": "eur", "unit_amount": str(checkout.to_minor(invoice.amount, "EUR"))}}
            },
            "success_url": "http://testserver/",
            "cancel_url": "http://testserver/",
        },
    )[1]
    CheckoutAttempt.objects.filter(pk=second.pk).update(session_id=session["id"], status="open")
    two = fake_stripe.pay(session["id"], send=False)
    deliver(client, *two, django_capture_on_commit_callbacks)

    cards = list(Payment.objects.filter(case=case, method="card").order_by("pk"))
    assert len(cards) == 2
    assert cards[0].refund_due == 0 and cards[1].refund_due == invoice.amount
    assert billing_selectors.account(case).paid == invoice.amount
    assert [(line.debit, line.credit) for line in JournalLine.objects.filter(entry__payment=cards[1])] == [
        (LedgerAccount.STRIPE_CLEARING, LedgerAccount.REFUNDS_PAYABLE)
    ]
    assert balanced(case)
    assert [p.pk for p in billing_selectors.refunds_due()] == [cards[1].pk]
    # Finance sees it.
    client.force_login(staff["fiona"])
    assert "owed back" in client.get(reverse("console:receivables")).content.decode()


def test_a_card_payment_after_a_bank_transfer_settled_the_invoice_is_flagged(
    client, fake_stripe, scheduled, staff, django_capture_on_commit_callbacks
):
    case, invoice = scheduled
    attempt = press(client, invoice)
    billing.record_payment(case=case, by=staff["fiona"], amount=invoice.amount, method="cash", reference="R1", received_on=clinic_today())
    deliver(client, *fake_stripe.pay(attempt.session_id, send=False), django_capture_on_commit_callbacks)
    card = Payment.objects.get(case=case, method="card")
    assert card.refund_due == invoice.amount
    assert balanced(case)


def test_a_paid_invoice_offers_no_card_button_and_a_press_is_refused(client, fake_stripe, scheduled, staff):
    case, invoice = scheduled
    billing.record_payment(case=case, by=staff["fiona"], amount=invoice.amount, method="cash", reference="R2", received_on=clinic_today())
    page = client.get(pay_url(invoice)).content.decode()
    assert "Pay by card" not in page and "is paid" in page
    response = client.post(pay_url(invoice, "billing:pay-card"))
    assert response.status_code == 409
    assert not CheckoutAttempt.objects.exists()


def test_a_tampered_link_shows_a_clear_page_not_an_error(client, fake_stripe, scheduled):
    _case, invoice = scheduled
    token = paylinks.token_for(invoice)
    for bad in [token[:-2] + "xx", "nonsense", token.replace(str(invoice.uuid)[:8], "00000000")]:
        for method, name in [("get", "billing:pay"), ("post", "billing:pay-card")]:
            response = getattr(client, method)(reverse(name, kwargs={"token": bad}))
            assert response.status_code == 400, (bad, name)
            assert "does not work" in response.content.decode()
            assert 'href="mailto:care@cellway.example"' in response.content.decode()
    assert not CheckoutAttempt.objects.exists()


def test_an_expired_link_offers_a_new_one_sent_to_the_patient_alone_in_their_language(
    client, fake_stripe, scheduled, settings, django_capture_on_commit_callbacks, monkeypatch
):
    case, invoice = scheduled
    old = signing.TimestampSigner(salt=paylinks.SALT)
    monkeypatch.setattr(time, "time", lambda: 0.0 + 1_700_000_000)
    token = old.sign(str(invoice.uuid))
    monkeypatch.undo()
    page = client.get(reverse("billing:pay", kwargs={"token": token}))
    assert page.status_code == 410
    assert "expired" in page.content.decode() and "Send me a new link" in page.content.decode()
    assert client.post(reverse("billing:pay-card", kwargs={"token": token})).status_code == 410
    assert not CheckoutAttempt.objects.exists()

    case.patient.language = "Arabic"
    case.patient.save(update_fields=["language"])
    if case.inquiry:
        type(case.inquiry).objects.filter(pk=case.inquiry.pk).update(site_language="")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("billing:pay-new-link", kwargs={"token": token}))
    assert sent.status_code == 410 and 'lang="ar"' in sent.content.decode()  # the patient's language
    assert [m.to for m in mail.outbox] == [[case.patient.email]]
    link = mail.outbox[0].body
    fresh = link[link.index("/billing/pay/") :].split()[0]
    assert client.get(fresh).status_code == 200
    # A second request straight after is held back (no flooding the patient's inbox).
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("billing:pay-new-link", kwargs={"token": token}))
    assert len(mail.outbox) == 1


def test_an_old_link_still_opens_a_fresh_session(client, fake_stripe, scheduled):
    """A link mailed earlier, whose earlier session expired at Stripe, makes a new session on the next press."""
    _case, invoice = scheduled
    first = press(client, invoice)
    fake_stripe.api("POST", f"/v1/checkout/sessions/{first.session_id}/expire", {})
    second = press(client, invoice)
    assert second.session_id != first.session_id and fake_stripe.sessions[second.session_id]["status"] == "open"


def test_without_a_secret_key_no_card_button_is_offered(client, settings, scheduled):
    settings.STRIPE_SECRET_KEY = ""
    _case, invoice = scheduled
    page = client.get(pay_url(invoice)).content.decode()
    assert "Pay by card" not in page and "bank transfer" in page.lower()
    assert client.post(pay_url(invoice, "billing:pay-card")).status_code == 409


def test_stripe_unreachable_leaves_no_open_attempt_and_says_so(client, settings, scheduled):
    settings.STRIPE_SECRET_KEY = "sk_test_cellway"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    _case, invoice = scheduled
    response = client.post(pay_url(invoice, "billing:pay-card"))
    assert response.status_code == 409
    assert "nothing was charged" in response.content.decode()
    assert CheckoutAttempt.objects.get().status == CheckoutStatus.FAILED


def test_the_event_is_processed_from_the_session_stripe_has_not_the_webhook_copy(
    client, fake_stripe, scheduled, django_capture_on_commit_callbacks
):
    """A signed event claiming 'paid' for a session Stripe still has open records nothing."""
    _case, invoice = scheduled
    attempt = press(client, invoice)
    claim = dict(fake_stripe.sessions[attempt.session_id], status="complete", payment_status="paid", payment_intent="pi_forged")
    payload = event_payload("checkout.session.completed", claim)
    assert deliver(client, payload, sign(payload, SECRET), django_capture_on_commit_callbacks).status_code == 200
    assert not Payment.objects.filter(method="card").exists()
    assert "nothing to do" in StripeEvent.objects.get().outcome


def test_refunds_at_the_fake_follow_stripes_rules(fake_stripe, scheduled, client):
    _case, invoice = scheduled
    attempt = press(client, invoice)
    fake_stripe.pay(attempt.session_id, send=False)
    intent = fake_stripe.sessions[attempt.session_id]["payment_intent"]
    status, refund = fake_stripe.api("POST", "/v1/refunds", {"payment_intent": intent, "amount": "100"}, "key-1")
    assert status == 200 and refund["status"] == "succeeded"
    assert fake_stripe.api("POST", "/v1/refunds", {"payment_intent": intent, "amount": "100"}, "key-1")[1]["id"] == refund["id"]
    status, error = fake_stripe.api("POST", "/v1/refunds", {"payment_intent": intent, "amount": str(10**9)})
    assert status == 400 and "greater" in error["error"]["message"]
    # And through the official library, at STRIPE_API_BASE.
    from cellway.billing.stripe_api import client as stripe_client

    again = stripe_client().v1.refunds.create({"payment_intent": intent, "amount": 50}, {"idempotency_key": "key-2"})
    assert again.status == "succeeded" and again.amount == 50
    assert json.loads(json.dumps(fake_stripe.refunds[again.id]))["payment_intent"] == intent
