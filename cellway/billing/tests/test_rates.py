"""The exchange rates finance keeps and the indicative amount in the patient's currency on quotes and invoices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cellway.audit.models import AuditEvent
from cellway.billing import documents, rates
from cellway.billing import services as billing
from cellway.billing.models import ExchangeRate, Invoice
from cellway.billing.money import currency_of_country
from cellway.billing.tests.test_documents import text_of
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal

TODAY = clinic_today()
PDFS = pytest.mark.skipif(documents.unavailable() is not None, reason=f"No PDFs on this machine: {documents.unavailable()}")


def test_the_patients_currency_follows_their_country():
    assert currency_of_country("United Kingdom", TODAY) == "GBP"
    assert currency_of_country("japan", TODAY) == "JPY"
    assert currency_of_country("KW", TODAY) == "KWD"
    assert currency_of_country("Atlantis", TODAY) is None


def test_finance_enters_a_dated_rate_and_the_one_in_force_is_read(staff):
    rates.enter_rate(by=staff["fiona"], base="eur", target="GBP", rate="0.85", effective_from=TODAY - dt.timedelta(days=10))
    newer = rates.enter_rate(by=staff["marcus"], base="EUR", target="GBP", rate=Decimal("0.86"), effective_from=TODAY)

    assert rates.rate_on("EUR", "GBP", TODAY) == newer
    assert rates.rate_on("EUR", "GBP", TODAY - dt.timedelta(days=1)).rate == Decimal("0.85")
    assert rates.rate_on("EUR", "GBP", TODAY - dt.timedelta(days=11)) is None
    assert AuditEvent.objects.filter(action="exchange_rate.entered").count() == 2


@pytest.mark.parametrize(
    ("base", "target", "rate", "days", "message"),
    [
        ("EUR", "EUR", "1", 0, "A rate is between two different currencies."),
        ("EUR", "ZZZ", "1", 0, "ZZZ is not a currency"),
        ("EUR", "GBP", "0", 0, "The rate is a number above zero."),
        ("EUR", "GBP", "-1", 0, "The rate is a number above zero."),
        ("EUR", "GBP", "abc", 0, "The rate is not a number."),
        ("EUR", "GBP", "0.123456789", 0, "The rate has more than 8 decimals."),
        ("EUR", "GBP", "0.85", 400, "A rate is entered at most a year ahead."),
    ],
)
def test_a_rate_that_cannot_be_right_is_refused_and_nothing_is_written(staff, base, target, rate, days, message):
    with pytest.raises(Refusal) as refused:
        rates.enter_rate(by=staff["fiona"], base=base, target=target, rate=rate, effective_from=TODAY + dt.timedelta(days=days))

    assert refused.value.message.startswith(message)
    assert not ExchangeRate.objects.exists()


def test_the_same_pair_and_day_twice_and_other_roles_are_refused(staff):
    rates.enter_rate(by=staff["fiona"], base="EUR", target="GBP", rate="0.85", effective_from=TODAY)
    with pytest.raises(Refusal, match="is already entered"):
        rates.enter_rate(by=staff["fiona"], base="EUR", target="GBP", rate="0.86", effective_from=TODAY)
    with pytest.raises(NotAllowed):
        rates.enter_rate(by=staff["lena"], base="EUR", target="USD", rate="1.1", effective_from=TODAY)
    assert ExchangeRate.objects.count() == 1


def test_no_indicative_amount_without_a_rate_or_in_the_same_currency(case_at):
    case = case_at(Stage.QUOTED)  # the demo patient lives in Portugal: euros
    assert rates.indicative(Decimal(100), "EUR", case.patient, TODAY) is None
    case.patient.country = "United Kingdom"
    assert rates.indicative(Decimal(100), "EUR", case.patient, TODAY) is None  # no EUR→GBP rate kept


@PDFS
def test_the_quote_and_invoice_show_an_indicative_amount_in_the_patients_currency(case_at, staff):
    case = case_at(Stage.SCHEDULED)
    case.patient.country = "United Kingdom"
    case.patient.save(update_fields=["country"])
    rates.enter_rate(by=staff["fiona"], base="EUR", target="GBP", rate="0.85", effective_from=TODAY - dt.timedelta(days=30))
    quote = case.quotes.get(status="accepted")
    deposit = Invoice.objects.get(case=case, kind="deposit")

    quote_text = text_of(documents.quote_pdf(quote))
    invoice_text = text_of(documents.invoice_pdf(deposit))

    assert "Indicative only: about £12,971.00" in quote_text  # 15,260.00 × 0.85
    assert "1 EUR = 0.85 GBP" in quote_text and "You pay in EUR" in quote_text
    assert "Indicative only: about £3,891.30" in invoice_text  # 4,578.00 × 0.85


@PDFS
def test_a_discount_on_the_quote_pdf_says_why_and_who_allowed_it(case_at, staff):
    case = case_at(Stage.QUOTED)
    quote = billing.revise_quote(case=case, by=staff["marcus"], adjustment=Decimal("-260.00"), reason="Returning patient")

    text = text_of(documents.quote_pdf(quote))

    assert f"Discount: Returning patient (allowed by {staff['marcus'].get_full_name()})" in text
    assert "-€260.00" in text
