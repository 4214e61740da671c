"""The console's cancellation panel: finance sees what the policy gives back, issues the credit note and records
the refund; the refunds to make are on finance's receivables page and in the accountant's CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from cellway.billing.cancellation import parse_policy
from cellway.billing.models import CreditNote, Refund
from cellway.billing.tests.test_ledger import sums_to_zero
from cellway.cases import services as cases
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today

YEAR = clinic_today().year


@pytest.fixture(autouse=True)
def policy(settings):
    settings.CANCELLATION_POLICY = parse_policy("60:100,30:75,0:0")


@pytest.fixture
def declined(case_at, staff):
    case = case_at(Stage.PAID, arrival=clinic_today() + dt.timedelta(days=45))
    return cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Changed their mind")


def test_finance_sees_the_itemised_policy_issues_the_credit_note_and_records_the_refund(client, staff, declined):
    client.force_login(staff["fiona"])
    url = reverse("console:case", args=[declined.uuid])

    page = client.get(url)
    assert page.status_code == 200
    assert "What the cancellation policy gives back" in page.text
    assert "Cancellation charge, declined by the patient 45 days before arrival: 25% of €15,260.00" in page.text
    assert "€11,445.00" in page.text and "-€3,815.00" in page.text

    done = client.post(
        reverse("console:act-credit-note", args=[declined.uuid]), {"note": "Cancelled by email", "refund": "11445.00", "method": "transfer"}
    )
    assert done.status_code == 302
    note = CreditNote.objects.get(case=declined)
    assert note.label == f"CN-{YEAR}-000001" and note.refund == Decimal("11445.00")

    finance = client.get(reverse("console:receivables"))
    assert "Refunds to make" in finance.text and note.label in finance.text and "€11,445.00" in finance.text

    page = client.get(url)
    assert "What the cancellation policy gives back" not in page.text  # issued once
    assert reverse("console:credit-note-pdf", args=[declined.uuid, note.uuid]) in page.text
    task = Refund.objects.get(credit_note=note)
    made = client.post(
        reverse("console:act-refund-record", args=[declined.uuid]),
        {"refund": str(task.uuid), "reference": "OUT-5", "paid_on": clinic_today().isoformat()},
    )
    assert made.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.reference) == ("done", "OUT-5")
    assert sums_to_zero(declined)
    assert "No refund is waiting." in client.get(reverse("console:receivables")).text


def test_a_refund_beyond_what_was_paid_is_refused_beside_the_form_and_nothing_is_written(client, staff, declined):
    client.force_login(staff["fiona"])

    page = client.post(
        reverse("console:act-credit-note", args=[declined.uuid]), {"note": "Cancelled", "refund": "20000.00", "method": "transfer"}
    )

    assert page.status_code == 422
    assert "A refund of €20,000.00 is more than the €15,260.00 paid; nothing was issued." in page.text
    assert not CreditNote.objects.filter(case=declined).exists()


def test_roles_without_money_see_no_cancellation_panel_and_may_not_issue(client, staff, declined):
    client.force_login(staff["lena"])
    assert "What the cancellation policy gives back" not in client.get(reverse("console:case", args=[declined.uuid])).text
    refused = client.post(reverse("console:act-credit-note", args=[declined.uuid]), {"note": "x", "refund": "1.00", "method": "transfer"})
    assert refused.status_code == 403
    assert not CreditNote.objects.filter(case=declined).exists()


def test_the_credit_note_pdf_is_for_those_who_read_money(client, staff, declined):
    from cellway.billing import refunds

    note = refunds.issue_credit_note(case=declined, by=staff["fiona"], note="Cancelled")
    url = reverse("console:credit-note-pdf", args=[declined.uuid, note.uuid])
    client.force_login(staff["lena"])
    assert client.get(url).status_code == 403
    client.force_login(staff["fiona"])
    response = client.get(url)
    assert response.status_code in (200, 503)  # 503: this server cannot draw PDFs, said in words
    assert client.get(reverse("console:credit-note-pdf", args=[declined.uuid, declined.uuid])).status_code == 404


def test_the_accountant_gets_credit_notes_and_refunds_as_csv(client, staff, declined):
    from cellway.billing import refunds

    note = refunds.issue_credit_note(case=declined, by=staff["fiona"], note="Cancelled")
    refunds.record_refund(refund=note.refund_task, by=staff["fiona"], reference="OUT-8", paid_on=clinic_today())
    client.force_login(staff["fiona"])

    response = client.get(reverse("console:billing-export", args=["refunds"]))

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["credit_note"], r["credited"], r["kept"], r["refund"], r["refund_status"], r["refund_reference"]) for r in rows] == [
        (note.label, "11445.00", "3815.00", "11445.00", "done", "OUT-8")
    ]


def test_a_card_refund_is_issued_and_goes_back_to_the_card_through_stripe(client, staff, case_at, settings):
    from django.db import transaction

    from cellway.billing import services as billing
    from cellway.billing.models import InvoiceKind
    from cellway.demo.fake_stripe import FakeStripe

    settings.STRIPE_SECRET_KEY = "sk_test_cellway"
    fake = FakeStripe(webhook_secret="whsec_test_cellway")
    settings.STRIPE_API_BASE = fake.start()
    try:
        case = case_at(Stage.SCHEDULED, arrival=clinic_today() + dt.timedelta(days=70))
        fake.intents["pi_9"] = {"id": "pi_9", "amount": 457800, "currency": "eur", "amount_refunded": 0}
        with transaction.atomic():
            deposit = case.invoices.get(kind=InvoiceKind.DEPOSIT)
            billing.record_card_payment(case=case, invoice=deposit, amount=Decimal("4578.00"), currency="EUR", provider_reference="pi_9")
        cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Changed their mind")
        client.force_login(staff["fiona"])

        done = client.post(
            reverse("console:act-credit-note", args=[case.uuid]), {"note": "Cancelled", "refund": "4578.00", "method": "card"}, follow=True
        )
    finally:
        fake.stop()

    (at_stripe,) = fake.refunds.values()
    assert f"Refunded to the card that paid (Stripe {at_stripe['id']})." in done.text
    refund = Refund.objects.get(case=case)
    assert (refund.method, refund.status, refund.reference) == ("card", "done", at_stripe["id"])
    assert sums_to_zero(case)


def test_a_card_refund_stripe_cannot_make_waits_on_finances_list(client, staff, case_at):
    from cellway.billing import services as billing

    case = case_at(Stage.SCHEDULED, arrival=clinic_today() + dt.timedelta(days=70))
    billing.record_payment(
        case=case, by=staff["fiona"], amount=Decimal("4578.00"), method="card", reference="pi_9", received_on=clinic_today()
    )
    cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Changed their mind")
    client.force_login(staff["fiona"])

    done = client.post(
        reverse("console:act-credit-note", args=[case.uuid]), {"note": "Cancelled", "refund": "4578.00", "method": "card"}, follow=True
    )

    assert "no card payment with a provider reference to refund; refund by bank transfer." in done.text
    refund = Refund.objects.get(case=case)
    assert (refund.method, refund.status) == ("card", "due")


def test_a_card_refund_stripe_refused_is_offered_again_and_made_on_the_retry(client, staff, case_at, settings):
    from django.db import transaction

    from cellway.billing import services as billing
    from cellway.billing.models import InvoiceKind
    from cellway.demo.fake_stripe import FakeStripe

    settings.STRIPE_SECRET_KEY = "sk_test_cellway"
    fake = FakeStripe(webhook_secret="whsec_test_cellway")
    settings.STRIPE_API_BASE = fake.start()
    try:
        case = case_at(Stage.SCHEDULED, arrival=clinic_today() + dt.timedelta(days=70))
        fake.intents["pi_7"] = {"id": "pi_7", "amount": 457800, "currency": "eur", "amount_refunded": 457800}  # Stripe refuses
        with transaction.atomic():
            deposit = case.invoices.get(kind=InvoiceKind.DEPOSIT)
            billing.record_card_payment(case=case, invoice=deposit, amount=Decimal("4578.00"), currency="EUR", provider_reference="pi_7")
        cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Changed their mind")
        client.force_login(staff["fiona"])
        issued = client.post(
            reverse("console:act-credit-note", args=[case.uuid]), {"note": "Cancelled", "refund": "4578.00", "method": "card"}, follow=True
        )
        assert "Stripe did not take the refund" in issued.text
        refund = Refund.objects.get(case=case)
        assert refund.status == "due" and "to the card that paid</button>" in issued.text

        fake.intents["pi_7"]["amount_refunded"] = 0
        retried = client.post(reverse("console:act-refund-card", args=[case.uuid]), {"refund": str(refund.uuid)}, follow=True)
    finally:
        fake.stop()

    (at_stripe,) = fake.refunds.values()
    assert f"made to the card that paid (Stripe {at_stripe['id']})" in retried.text
    refund.refresh_from_db()
    assert (refund.status, refund.reference) == ("done", at_stripe["id"])
    assert "to the card that paid</button>" not in retried.text
    assert sums_to_zero(case)
