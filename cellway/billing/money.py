"""What an amount of money may be, in one place: the money fields, the forms and the services read it.

Pure Python (no Django; Babel for the currencies). The money fields hold MONEY_MAX_DIGITS digits, MONEY_DECIMALS
of them after the point; an amount that does not fit is refused by the
billing services with a message naming it, before anything is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from cellway.errors import Refusal

MONEY_MAX_DIGITS = 12
MONEY_DECIMALS = 2


def money_limit() -> Decimal:
    """The largest amount a money field holds (9999999999.99)."""
    return Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMALS) - Decimal(1).scaleb(-MONEY_DECIMALS)


def check_money(amount: object, what: str, *, may_be_negative: bool = False) -> Decimal:
    """`amount` as a Decimal, or a Refusal saying why `what` cannot be that amount.

    Refused: not a number, more than MONEY_DECIMALS decimals, beyond `money_limit()`
    either way, and below zero unless `may_be_negative` (a discount).
    """
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except InvalidOperation:
        raise Refusal(f"{what} is not an amount of money.") from None
    if not value.is_finite():
        raise Refusal(f"{what} is not an amount of money.")
    limit = money_limit()
    if abs(value) > limit:
        raise Refusal(f"{what} is more than the largest amount allowed ({limit:,}).")
    if value < 0 and not may_be_negative:
        raise Refusal(f"{what} cannot be negative.")
    if value != value.quantize(Decimal(1).scaleb(-MONEY_DECIMALS)):
        raise Refusal(f"{what} has more than {MONEY_DECIMALS} decimals.")
    return value


# --- Currencies --------------------------------------------------------------------------------------
# The minor unit of each ISO 4217 currency comes from Babel's CLDR data (JPY 0, EUR 2, KWD 3), so no table
# of our own goes stale. The journal holds LEDGER_DECIMALS places: enough for every currency in use.
# Babel is imported by the functions that ask it: the settings load this module (through the cancellation
# policy), and a batch command or worker that handles no money need not load Babel's 30 ms.

LEDGER_MAX_DIGITS = 15
LEDGER_DECIMALS = 3

# Codes CLDR lists that are not money anyone pays in (test, precious metals, fund and settlement units).
_NOT_PAYABLE = frozenset({"XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XDR", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD"})


def check_currency(currency: object) -> str:
    """`currency` as an upper-case ISO 4217 code in use, or a Refusal naming it."""
    from babel.numbers import list_currencies

    code = str(currency).strip().upper()
    if len(code) != 3 or code in _NOT_PAYABLE or code not in list_currencies():
        raise Refusal(f"{str(currency).strip() or 'An empty code'} is not a currency (an ISO 4217 code, e.g. EUR).")
    return code


def minor_unit(currency: str) -> int:
    """How many decimals `currency` has (JPY 0, EUR 2, KWD 3)."""
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(check_currency(currency)))


def quantum(currency: str) -> Decimal:
    """The smallest amount of `currency`: 1, 0.01 or 0.001."""
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-up to the minor unit of `currency` (a share of a total, a converted amount)."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def check_amount(amount: object, currency: str, what: str) -> Decimal:
    """A payment-like amount in `currency`: a number above zero, with no more decimals than the currency has.

    Refused with a message naming `what`: not a number, zero or below, more decimals than the
    currency's minor unit (0.5 JPY, 1.005 EUR), or beyond what the journal holds.
    """
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except InvalidOperation:
        raise Refusal(f"{what} is not an amount of money.") from None
    if not value.is_finite():
        raise Refusal(f"{what} is not an amount of money.")
    if value <= 0:
        raise Refusal(f"{what} must be more than zero.")
    digits = minor_unit(currency)
    if value != value.quantize(Decimal(1).scaleb(-digits)):
        places = {0: "no decimals", 1: "one decimal"}.get(digits, f"{digits} decimals")
        raise Refusal(f"{what} has more decimals than {currency.upper()} has ({places}).")
    if value >= Decimal(10) ** (LEDGER_MAX_DIGITS - LEDGER_DECIMALS):
        raise Refusal(f"{what} is more than the largest amount allowed.")
    return value


def format_money(amount: Decimal, currency: str, locale: str = "en") -> str:
    """`amount` written for a reader of `locale`, with the currency's own decimals ('€18,080.00', '18.080,00 €')."""
    from babel.numbers import format_currency

    return str(format_currency(round_money(amount, currency), currency.upper(), locale=locale, currency_digits=True))


def currency_of_country(country: str, on: dt.date) -> str | None:
    """The currency in use on `on` in `country` as people write it ('Portugal', 'United Kingdom', or a code 'GB'):
    the patient's currency for an indicative amount. None if the country is not recognised."""
    from babel import Locale
    from babel.numbers import get_territory_currencies

    name = country.strip()
    if not name:
        return None
    by_name = {label.lower(): code for code, label in Locale("en").territories.items()}
    code = name.upper() if len(name) == 2 and name.upper() in Locale("en").territories else by_name.get(name.lower())
    if code is None:
        return None
    currencies = get_territory_currencies(code, start_date=on, tender=True)
    return str(currencies[0]) if currencies else None
