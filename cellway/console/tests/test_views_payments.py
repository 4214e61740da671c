"""Finance records a bank transfer with its proof and reverses a mistaken one from the case page."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cellway.billing import selectors as billing_selectors
from cellway.billing.models import Payment, PaymentReversal
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.journey import bank_proof


def transfer(reference: str, proof=None, **changes):
    data = {"amount": "100.00", "method": "transfer", "reference": reference, "received_on": clinic_today().isoformat()}
    if proof is not None:
        data["proof"] = proof
    return data | changes


def test_finance_records_a_transfer_with_its_proof_and_downloads_the_proof(client, staff, case_at):
    case = case_at(Stage.SCHEDULED)
    client.force_login(staff["fiona"])

    response = client.post(reverse("console:act-payment", args=[case.uuid]), transfer("BANK-UI-1", bank_proof("BANK-UI-1")))

    assert response.status_code == 302
    payment = Payment.objects.get(reference="BANK-UI-1")
    assert payment.amount == Decimal("100.00") and payment.proof_sha256
    page = client.get(reverse("console:case", args=[case.uuid]))
    proof_url = reverse("console:payment-proof", args=[case.uuid, payment.uuid])
    assert proof_url in page.text
    download = client.get(proof_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == bank_proof("BANK-UI-1").read()
    assert download["Content-Disposition"].startswith('attachment; filename="proof-')


def test_a_transfer_without_proof_is_refused_next_to_the_form_with_what_was_typed(client, staff, case_at):
    case = case_at(Stage.SCHEDULED)
    client.force_login(staff["fiona"])

    response = client.post(reverse("console:act-payment", args=[case.uuid]), transfer("BANK-UI-2"))

    assert response.status_code == 422
    assert "Attach the bank&#x27;s proof of the transfer" in response.text
    assert 'value="BANK-UI-2"' in response.text
    assert not Payment.objects.filter(reference="BANK-UI-2").exists()


def test_a_proof_that_is_not_a_document_is_refused(client, staff, case_at):
    case = case_at(Stage.SCHEDULED)
    client.force_login(staff["fiona"])
    exe = SimpleUploadedFile("statement.pdf", b"MZ\x90\x00" + bytes(60), "application/pdf")

    response = client.post(reverse("console:act-payment", args=[case.uuid]), transfer("BANK-UI-3", exe))

    assert response.status_code == 422
    assert "The proof is a Windows executable; attach a PDF, JPEG or PNG." in response.text
    assert not Payment.objects.filter(reference="BANK-UI-3").exists()


def test_finance_reverses_a_payment_with_a_reason_and_the_page_shows_it_struck_through(client, staff, case_at):
    case = case_at(Stage.DEPOSIT_PAID)
    payment = Payment.objects.get(case=case)
    client.force_login(staff["fiona"])
    url = reverse("console:act-payment-reverse", args=[case.uuid])

    empty = client.post(url, {"payment": str(payment.uuid), "reason": "   "})
    assert empty.status_code == 422
    assert "A reversal needs a reason on the record." in empty.text
    assert not PaymentReversal.objects.exists()

    done = client.post(url, {"payment": str(payment.uuid), "reason": "Credited to the wrong patient by the bank"})

    assert done.status_code == 302
    assert PaymentReversal.objects.get().reason == "Credited to the wrong patient by the bank"
    assert billing_selectors.account(case).paid == 0
    page = client.get(reverse("console:case", args=[case.uuid]))
    assert "Credited to the wrong patient by the bank" in page.text
    assert f"<s>{payment.amount:,.2f} EUR</s>" in page.text
    again = client.post(url, {"payment": str(payment.uuid), "reason": "Again"})
    assert again.status_code == 422
    assert PaymentReversal.objects.count() == 1


def test_a_forged_reversal_of_another_cases_payment_is_refused(client, staff, case_at):
    ours, theirs = case_at(Stage.DEPOSIT_PAID), case_at(Stage.DEPOSIT_PAID)
    client.force_login(staff["fiona"])

    response = client.post(
        reverse("console:act-payment-reverse", args=[ours.uuid]),
        {"payment": str(Payment.objects.get(case=theirs).uuid), "reason": "Forged"},
    )

    assert response.status_code == 422
    assert "That payment is not one of this case&#x27;s payments." in response.text
    assert not PaymentReversal.objects.exists()


def test_roles_without_money_cannot_reverse_or_download_a_proof(client, staff, case_at):
    case = case_at(Stage.DEPOSIT_PAID)
    payment = Payment.objects.get(case=case)
    proof_url = reverse("console:payment-proof", args=[case.uuid, payment.uuid])

    client.force_login(staff["lena"])  # logistics: the case in scope, money not
    assert client.get(proof_url).status_code == 403
    response = client.post(reverse("console:act-payment-reverse", args=[case.uuid]), {"payment": str(payment.uuid), "reason": "x"})
    assert response.status_code == 403
    client.force_login(staff["outsider"])
    assert client.get(proof_url).status_code == 404
    assert not PaymentReversal.objects.exists()
