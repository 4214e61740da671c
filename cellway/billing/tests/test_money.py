"""Amounts in a currency: its minor unit, half-up rounding, refusals and formatting (pure, no Django)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cellway.billing.money import check_amount, check_currency, format_money, minor_unit, quantum, round_money
from cellway.errors import Refusal


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("usd", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3)])
def test_each_currency_has_its_own_minor_unit(currency, digits):
    assert minor_unit(currency) == digits
    assert quantum(currency) == Decimal(1).scaleb(-digits)


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("2.005", "EUR", "2.01"),  # half-up, not the banker's half-even (2.00)
        ("2.004", "EUR", "2.00"),
        ("-2.005", "EUR", "-2.01"),  # half away from zero
        ("2.5", "JPY", "3"),
        ("3.5", "JPY", "4"),
        ("1.0005", "KWD", "1.001"),
        ("1.0004", "KWD", "1.000"),
    ],
)
def test_amounts_round_half_up_to_the_minor_unit(amount, currency, rounded):
    result = round_money(Decimal(amount), currency)

    assert result == Decimal(rounded)
    assert result.as_tuple().exponent == -minor_unit(currency)


@pytest.mark.parametrize("code", ["", "EU", "EURO", "ABC", "XXX", "XAU", "12€"])
def test_a_code_that_is_not_a_currency_is_refused(code):
    with pytest.raises(Refusal) as refused:
        check_currency(code)

    assert "is not a currency" in refused.value.message


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("0", "EUR", "The payment must be more than zero."),
        ("-5", "EUR", "The payment must be more than zero."),
        ("1.001", "EUR", "The payment has more decimals than EUR has (2 decimals)."),
        ("100.5", "JPY", "The payment has more decimals than JPY has (no decimals)."),
        ("1.0001", "KWD", "The payment has more decimals than KWD has (3 decimals)."),
        ("ten", "EUR", "The payment is not an amount of money."),
        ("NaN", "EUR", "The payment is not an amount of money."),
        ("Infinity", "EUR", "The payment is not an amount of money."),
        ("1000000000000", "EUR", "The payment is more than the largest amount allowed."),
    ],
)
def test_an_amount_that_cannot_be_paid_in_the_currency_is_refused(amount, currency, message):
    with pytest.raises(Refusal) as refused:
        check_amount(amount, currency, "The payment")

    assert refused.value.message == message


@pytest.mark.parametrize(("amount", "currency"), [("18080.00", "EUR"), ("18080", "JPY"), ("18080.125", "KWD"), ("0.01", "EUR")])
def test_an_amount_the_currency_can_hold_is_taken_as_it_is(amount, currency):
    assert check_amount(amount, currency, "The payment") == Decimal(amount)


def test_amounts_are_written_for_the_readers_language_with_the_currencys_decimals():
    assert format_money(Decimal("18080"), "EUR", "en") == "€18,080.00"
    assert format_money(Decimal("18080"), "EUR", "de") == "18.080,00\xa0€"
    assert format_money(Decimal("18080.4"), "JPY", "en") == "¥18,080"
    assert format_money(Decimal("1.5"), "KWD", "en") == "KWD1.500"
