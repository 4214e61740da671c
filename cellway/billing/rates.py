"""The exchange rates finance keeps, and the indicative amounts they give in a patient's own currency.

A rate is typed by finance with the day it holds from; nothing is fetched at run time. An indicative amount is
only that: the patient pays in the quote's currency, and the documents say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from cellway.accounts.models import User
from cellway.audit.services import audit_record
from cellway.billing.models import ExchangeRate
from cellway.billing.money import check_currency, currency_of_country, round_money
from cellway.cases.models import Patient
from cellway.cases.services import require_perm
from cellway.clinic import clinic_today
from cellway.errors import Refusal

RATE_PLACES = 8
RATE_LIMIT = Decimal(10) ** 10


def check_enter_rate(*, by: User) -> None:
    require_perm(by, "billing.keep_exchange_rates", "enter exchange rates")


def enter_rate(*, by: User, base: str, target: str, rate: Decimal | str, effective_from: dt.date) -> ExchangeRate:
    """Finance enters that 1 `base` is worth `rate` `target` from `effective_from` on.

    Refused, nothing written: the same currency twice, an unknown currency, a rate that is not a positive number of
    at most 8 decimals, a date more than a year ahead, a rate for that pair and day already entered.
    """
    check_enter_rate(by=by)
    base, target = check_currency(base), check_currency(target)
    if base == target:
        raise Refusal("A rate is between two different currencies.")
    try:
        value = rate if isinstance(rate, Decimal) else Decimal(str(rate).strip())
    except InvalidOperation:
        raise Refusal("The rate is not a number.") from None
    if not value.is_finite() or value <= 0 or value >= RATE_LIMIT:
        raise Refusal("The rate is a number above zero.")
    if value != value.quantize(Decimal(1).scaleb(-RATE_PLACES)):
        raise Refusal(f"The rate has more than {RATE_PLACES} decimals.")
    if effective_from > clinic_today() + dt.timedelta(days=366):
        raise Refusal("A rate is entered at most a year ahead.")
    try:
        with transaction.atomic():
            entered = ExchangeRate.objects.create(base=base, target=target, rate=value, effective_from=effective_from, entered_by=by)
            audit_record(actor=by, action="exchange_rate.entered", target=str(entered))
    except IntegrityError:
        raise Refusal(f"A {base}→{target} rate from {effective_from:%d %b %Y} is already entered; enter one from another day.") from None
    return entered


def rate_on(base: str, target: str, day: dt.date) -> ExchangeRate | None:
    """The rate in force on `day`: the latest one entered from that day or before."""
    return ExchangeRate.objects.filter(base=base, target=target, effective_from__lte=day).order_by("-effective_from").first()


def history(limit: int = 50) -> QuerySet[ExchangeRate]:
    return ExchangeRate.objects.select_related("entered_by").order_by("base", "target", "-effective_from")[:limit]


@dataclass(frozen=True)
class Indicative:
    """`amount` of the quote's currency as about `converted` of the patient's, at `rate` of `on`."""

    converted: Decimal
    currency: str
    rate: ExchangeRate


def indicative(amount: Decimal, currency: str, patient: Patient, day: dt.date) -> Indicative | None:
    """`amount` in the patient's own currency at finance's rate in force on `day`; None when the patient pays in
    that currency anyway, their country is not recognised, or finance keeps no rate for the pair."""
    theirs = currency_of_country(patient.country, day)
    if theirs is None or theirs == currency:
        return None
    rate = rate_on(currency, theirs, day)
    if rate is None:
        return None
    return Indicative(converted=round_money(amount * rate.rate, theirs), currency=theirs, rate=rate)
