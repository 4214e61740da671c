"""Reads of money: quotes, payments, where a case stands, the price list."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet, Subquery, Sum

from cellway.billing.models import BalanceOverride, Payment, PriceList, Quote, QuoteStatus
from cellway.cases.models import Case
from cellway.errors import Refusal


def active_price_list() -> PriceList:
    """The price list new quotes are made from; a Refusal if the clinic has none yet."""
    price_list = PriceList.objects.filter(active=True).first()
    if price_list is None:
        raise Refusal("The clinic has no active price list; a clinic administrator must set one first.")
    return price_list


def price_list_history(limit: int = 20) -> QuerySet[PriceList]:
    return PriceList.objects.select_related("created_by").order_by("-version")[:limit]


def accepted_quote(case: Case) -> Quote | None:
    return case.quotes.filter(status=QuoteStatus.ACCEPTED).first()


def quotes(case: Case) -> list[Quote]:
    """Every version of the case's quote, newest first."""
    return list(case.quotes.select_related("issued_by", "acceptance_recorded_by").order_by("-version"))


def payments(case: Case) -> list[Payment]:
    return list(case.payments.select_related("recorded_by"))


def overrides(case: Case) -> list[BalanceOverride]:
    return list(case.balance_overrides.select_related("granted_by", "signature"))


def has_override(case: Case) -> bool:
    return case.balance_overrides.exists()


@dataclass(frozen=True)
class Account:
    """Where a case stands with money."""

    quote: Quote | None
    paid: Decimal
    overridden: bool = False  # a finance manager signed a balance override

    @property
    def total(self) -> Decimal:
        return self.quote.total if self.quote else Decimal(0)

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.paid

    @property
    def deposit_paid(self) -> bool:
        return self.quote is not None and self.paid >= self.quote.deposit

    @property
    def balance_open(self) -> bool:
        return self.quote is None or self.paid < self.quote.total


def account(case: Case) -> Account:
    """Where `case` stands with money, in one query (the checks of every money action ask it)."""
    # Payments are taken only against the accepted quote, and a case has at most one.
    paid = Payment.objects.filter(case=OuterRef("case")).order_by().values("case").annotate(s=Sum("amount")).values("s")
    quote = (
        case.quotes.filter(status=QuoteStatus.ACCEPTED)
        .annotate(paid=Subquery(paid), overridden=Exists(BalanceOverride.objects.filter(case=OuterRef("case"))))
        .first()
    )
    if quote is None:
        return Account(quote=None, paid=Decimal(0))
    return Account(quote=quote, paid=quote.paid or Decimal(0), overridden=quote.overridden)
