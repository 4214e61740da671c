"""Finance copies an open invoice's pay link from the case page, or mails it to the patient alone in their language."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.urls import reverse

from cellway.cases.stages import Stage


def test_finance_sees_the_pay_links_and_mails_one_to_the_patient_alone(
    as_user: Any, case_at: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = case_at(Stage.SCHEDULED)
    deposit = case.invoices.get(kind="deposit")
    client = as_user("fiona")
    page = client.get(reverse("console:case", kwargs={"uuid": case.uuid})).content.decode()
    assert page.count("/billing/pay/") == 2 and "Email it to the patient" in page
    case.patient.language = "Chinese"
    case.patient.save(update_fields=["language"])
    type(case.inquiry).objects.filter(pk=case.inquiry_id).update(site_language="")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("console:act-pay-link", kwargs={"uuid": case.uuid}), {"invoice": str(deposit.uuid)})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[case.patient.email]]
    body = mail.outbox[0].body
    assert deposit.label in body and "/billing/pay/" in body
    assert "银行转账" in body or "刷卡" in body or "卡" in body  # in the patient's language
    link = body[body.index("/billing/pay/") :].split()[0]
    assert client.get(link).status_code == 200
    assert case.events.filter(summary__startswith=f"Pay link for invoice {deposit.label} sent").exists()


def test_a_role_without_payments_cannot_send_a_pay_link_and_a_paid_invoice_has_none(
    as_user: Any, case_at: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = case_at(Stage.DEPOSIT_PAID)
    deposit = case.invoices.get(kind="deposit")
    mail.outbox.clear()
    response = as_user("lena").post(reverse("console:act-pay-link", kwargs={"uuid": case.uuid}), {"invoice": str(deposit.uuid)})
    assert response.status_code in (403, 404)
    with django_capture_on_commit_callbacks(execute=True):
        refused = as_user("fiona").post(reverse("console:act-pay-link", kwargs={"uuid": case.uuid}), {"invoice": str(deposit.uuid)})
    assert refused.status_code == 422 and "is paid" in refused.content.decode()
    assert mail.outbox == []
