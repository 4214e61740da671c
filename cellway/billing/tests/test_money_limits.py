"""Money that fits: an amount the money fields cannot hold is refused with a message, and nothing is written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from cellway.billing import services as billing
from cellway.billing.models import PRICE_FIELDS, Payment, PriceList, Quote
from cellway.billing.money import MONEY_DECIMALS, MONEY_MAX_DIGITS, check_money, money_limit
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.staff import PRICES
from cellway.errors import Refusal

LIMIT = Decimal("9999999999.99")
TOO_MUCH = Decimal("10000000000.00")


def written(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.stage,
        fresh.version,
        fresh.events.count(),
        tuple(Quote.objects.filter(case=case).values_list("version", "status", "total")),
        tuple(Payment.objects.filter(case=case).values_list("amount", flat=True)),
        PriceList.objects.count(),
    )


def test_the_limit_is_what_every_money_field_holds():
    assert money_limit() == LIMIT
    for model in (PriceList, Quote, Payment):
        for field in model._meta.get_fields():
            if field.get_internal_type() == "DecimalField":
                assert (field.max_digits, field.decimal_places) == (MONEY_MAX_DIGITS, MONEY_DECIMALS), field


@pytest.mark.parametrize(
    ("amount", "negative", "message"),
    [
        (TOO_MUCH, False, "The amount is more than the largest amount allowed (9,999,999,999.99)."),
        (-TOO_MUCH, True, "The amount is more than the largest amount allowed (9,999,999,999.99)."),
        (Decimal("99999999999999999999"), False, "The amount is more than the largest amount allowed (9,999,999,999.99)."),
        (Decimal("1E+40"), False, "The amount is more than the largest amount allowed (9,999,999,999.99)."),
        (Decimal("-1"), False, "The amount cannot be negative."),
        (Decimal("1.005"), False, "The amount has more than 2 decimals."),
        (Decimal("NaN"), False, "The amount is not an amount of money."),
        (Decimal("Infinity"), True, "The amount is not an amount of money."),
        ("twelve", False, "The amount is not an amount of money."),
    ],
)
def test_check_money_refuses_what_a_money_field_cannot_hold(amount, negative, message):
    with pytest.raises(Refusal) as refused:
        check_money(amount, "The amount", may_be_negative=negative)

    assert refused.value.message == message


@pytest.mark.parametrize("amount", [LIMIT, -LIMIT, Decimal("1.50"), Decimal("1.500"), Decimal(0)])
def test_check_money_lets_every_amount_that_fits_through(amount):
    assert check_money(amount, "The amount", may_be_negative=True) == amount


# --- Quotes ------------------------------------------------------------------------------------


@pytest.fixture
def quoted(case_at):
    return case_at(Stage.QUOTED)


@pytest.mark.parametrize(
    ("adjustment", "message"),
    [
        (TOO_MUCH, "The adjustment is more than the largest amount allowed (9,999,999,999.99)."),
        (Decimal("-99999999999999999999"), "The adjustment is more than the largest amount allowed (9,999,999,999.99)."),
        (Decimal("10.001"), "The adjustment has more than 2 decimals."),
        # Fits on its own, but the quote's lines come on top of it.
        (LIMIT, "The quote's total of 10,000,015,259.99 EUR is more than the largest amount allowed (9,999,999,999.99)."),
    ],
)
def test_an_adjustment_that_overflows_the_quote_is_refused_and_no_quote_version_is_written(quoted, staff, adjustment, message):
    before = written(quoted)

    with pytest.raises(Refusal) as refused:
        billing.revise_quote(case=quoted, by=staff["fiona"], adjustment=adjustment, reason="Typed by hand")

    assert refused.value.message == message
    assert written(quoted) == before


def test_the_revise_quote_form_refuses_an_overflowing_adjustment_with_a_422(quoted, staff, client):
    before = written(quoted)
    client.force_login(staff["fiona"])
    url = reverse("console:act-quote-revise", args=[quoted.uuid])

    too_long = client.post(url, {"adjustment": "99999999999999999999", "reason": "Typed by hand"})
    total = client.post(url, {"adjustment": str(LIMIT), "reason": "Typed by hand"})

    assert too_long.status_code == 422
    assert total.status_code == 422 and "is more than the largest amount allowed (9,999,999,999.99)" in total.text
    assert written(quoted) == before


# --- Payments ----------------------------------------------------------------------------------


@pytest.fixture
def scheduled(case_at):
    return case_at(Stage.SCHEDULED)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (TOO_MUCH, "The payment amount is more than the largest amount allowed (9,999,999,999.99)."),
        (Decimal("99999999999999999999"), "The payment amount is more than the largest amount allowed (9,999,999,999.99)."),
        (Decimal("100.001"), "The payment amount has more than 2 decimals."),
    ],
)
def test_a_payment_that_overflows_is_refused_and_no_payment_is_written(scheduled, staff, amount, message):
    before = written(scheduled)

    with pytest.raises(Refusal) as refused:
        billing.record_payment(
            case=scheduled, by=staff["fiona"], amount=amount, method="transfer", reference="BIG-1", received_on=clinic_today()
        )

    assert refused.value.message == message
    assert written(scheduled) == before


def test_a_payment_by_a_method_the_clinic_does_not_take_is_refused(scheduled, staff):
    before = written(scheduled)

    with pytest.raises(Refusal, match="A payment is made by bank transfer, card or cash."):
        billing.record_payment(
            case=scheduled, by=staff["fiona"], amount=Decimal("100"), method="seashells", reference="S-1", received_on=clinic_today()
        )

    assert written(scheduled) == before


def test_the_payment_form_refuses_an_overflowing_amount_with_a_422(scheduled, staff, client):
    before = written(scheduled)
    client.force_login(staff["fiona"])

    response = client.post(
        reverse("console:act-payment", args=[scheduled.uuid]),
        {"amount": "99999999999999999999", "method": "transfer", "reference": "BIG-1", "received_on": clinic_today().isoformat()},
    )

    assert response.status_code == 422
    assert written(scheduled) == before


# --- Price lists -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "message"),
    [
        (TOO_MUCH, "The price for iv infusion is more than the largest amount allowed (9,999,999,999.99)."),
        (Decimal("-5"), "The price for iv infusion cannot be negative."),
        (Decimal("12.345"), "The price for iv infusion has more than 2 decimals."),
        ("lots", "The price for iv infusion is not an amount of money."),
    ],
)
def test_a_price_that_does_not_fit_is_refused_and_no_price_list_version_is_written(staff, price, message):
    before = PriceList.objects.count()

    with pytest.raises(Refusal) as refused:
        billing.publish_price_list(by=staff["adam"], currency="EUR", prices={**PRICES, "iv_infusion": price})

    assert refused.value.message == message
    assert PriceList.objects.count() == before


def test_a_currency_that_is_not_a_three_letter_code_is_refused(staff):
    with pytest.raises(Refusal, match="A currency is a three-letter code"):
        billing.publish_price_list(by=staff["adam"], currency="EURO", prices=PRICES)

    assert not PriceList.objects.exists()


def test_prices_that_each_fit_but_overflow_a_quote_refuse_the_quote_not_the_server(quoted, staff):
    billing.publish_price_list(by=staff["adam"], currency="EUR", prices={**PRICES, "per_million_cells": LIMIT})
    before = written(quoted)

    with pytest.raises(Refusal, match=r"The quote's total of [\d,.]+ EUR is more than the largest amount allowed"):
        billing.revise_quote(case=quoted, by=staff["fiona"], adjustment=Decimal("-1"), reason="Goodwill")

    assert written(quoted) == before


def test_the_price_list_form_refuses_an_overflowing_price_with_a_422(staff, client):
    client.force_login(staff["adam"])
    data = dict.fromkeys(PRICE_FIELDS, "100.00") | {"currency": "EUR", "iv_infusion": "99999999999999999999"}

    response = client.post(reverse("console:price_list"), data)

    assert response.status_code == 422
    assert not PriceList.objects.exists()
