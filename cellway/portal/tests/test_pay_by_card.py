"""The portal's "Pay by card": the invoice's pay link (billing's page), offered while the invoice is open."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from cellway.billing.models import CheckoutAttempt
from cellway.billing.tests.test_stripe import fake_stripe  # noqa: F401 (the fixture)
from cellway.cases.stages import Stage
from cellway.portal.tests.test_case_page import _signed_in


def test_the_patient_pays_an_open_invoice_by_card_from_the_portal(portal_case: Any, fake_stripe: Any) -> None:  # noqa: F811
    case, patient = portal_case(Stage.SCHEDULED)
    client = _signed_in(patient)
    page = client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert page.count("Pay by card") == 2  # the deposit and the balance are open
    start = page.index("/billing/pay/")
    link = page[start : page.index('"', start)]
    pay_page = client.get(link)
    assert pay_page.status_code == 200 and case.invoices.get(kind="deposit").label in pay_page.content.decode()
    assert client.post(link + "card/").status_code == 303
    assert CheckoutAttempt.objects.filter(invoice__case=case, status="open").count() == 1


def test_no_card_button_for_a_paid_invoice_or_without_card_payments(portal_case: Any, settings: Any) -> None:
    case, patient = portal_case(Stage.DEPOSIT_PAID)
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    client = _signed_in(patient)
    page = client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert page.count("Pay by card") == 1  # the balance only: the deposit is paid
    settings.STRIPE_SECRET_KEY = ""
    page = client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert "Pay by card" not in page
