"""Reads of money: quotes, payments, where a case stands, the price list."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from cellway.billing.models import (
    MONEY_ACCOUNTS,
    BalanceOverride,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    Payment,
    PriceList,
    Quote,
    QuoteStatus,
)
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
    """Where a case stands with money, as its journal says."""

    quote: Quote | None
    paid: Decimal  # received, less what was reversed or paid back
    overridden: bool = False  # a finance manager signed a balance override
    owed: Decimal | None = None  # the patient receivable's balance; None: the quote's total less what was paid

    @property
    def total(self) -> Decimal:
        return self.quote.total if self.quote else Decimal(0)

    @property
    def outstanding(self) -> Decimal:
        return self.owed if self.owed is not None else self.total - self.paid

    @property
    def deposit_paid(self) -> bool:
        return self.quote is not None and self.paid >= self.quote.deposit

    @property
    def balance_open(self) -> bool:
        return self.quote is None or self.outstanding > 0


def _lines_sum(condition: Q) -> Coalesce:
    """The sum of the case's journal lines matching `condition`, as a subquery of a row with a `case` column."""
    lines = JournalLine.objects.filter(condition, entry__case=OuterRef("case")).order_by().values("entry__case")
    return Coalesce(Subquery(lines.annotate(s=Sum("amount")).values("s")), Value(Decimal(0)), output_field=DecimalField())


RECEIVED = Q(credit=LedgerAccount.RECEIVABLE, debit__in=set(MONEY_ACCOUNTS.values()))
RETURNED = Q(debit=LedgerAccount.RECEIVABLE, credit__in=set(MONEY_ACCOUNTS.values()))


def account(case: Case) -> Account:
    """Where `case` stands with money, from its journal, in one query (the checks of every money action ask it)."""
    quote = (
        case.quotes.filter(status=QuoteStatus.ACCEPTED)
        .annotate(
            charged=_lines_sum(Q(debit=LedgerAccount.RECEIVABLE)),
            credited=_lines_sum(Q(credit=LedgerAccount.RECEIVABLE)),
            received=_lines_sum(RECEIVED),
            returned=_lines_sum(RETURNED),
            overridden=Exists(BalanceOverride.objects.filter(case=OuterRef("case"))),
        )
        .first()
    )
    if quote is None:
        return Account(quote=None, paid=Decimal(0))
    return Account(
        quote=quote, paid=quote.received - quote.returned, owed=quote.charged - quote.credited, overridden=quote.overridden
    )


def balance_settled(case: Case) -> bool:
    """The treatment gate's question: is nothing owed on the accepted quote (journal's receivable at zero or below)?"""
    return not account(case).balance_open


def journal(case: Case) -> list[JournalEntry]:
    """The case's journal entries with their lines, oldest first."""
    return list(case.journal.select_related("created_by").prefetch_related("lines").order_by("created_at", "pk"))


def trial_balance(case: Case) -> dict[tuple[str, str], Decimal]:
    """Each (account, currency) of the case's journal with its balance, debits positive. Sums to zero per currency."""
    balances: dict[tuple[str, str], Decimal] = {}
    rows = JournalLine.objects.filter(entry__case=case).values_list("debit", "credit", "currency", "amount")
    for debit, credit, currency, amount in rows:
        balances[debit, currency] = balances.get((debit, currency), Decimal(0)) + amount
        balances[credit, currency] = balances.get((credit, currency), Decimal(0)) - amount
    return balances
