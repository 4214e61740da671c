"""What an amount of money may be, in one place: the money fields, the forms and the services read it.

Pure Python (no Django). The money fields hold MONEY_MAX_DIGITS digits, MONEY_DECIMALS
of them after the point; an amount that does not fit is refused by the
billing services with a message naming it, before anything is written.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

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
