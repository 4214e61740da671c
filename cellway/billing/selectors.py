"""Reads of money: quotes, payments, where a case stands, the price list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from cellway.billing.models import (
    MONEY_ACCOUNTS,
    BalanceOverride,
    Invoice,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    Payment,
    PriceList,
    Quote,
    QuoteStatus,
)
from cellway.billing.money import round_money
from cellway.cases.models import Case
from cellway.clinic import clinic_today
from cellway.errors import Refusal


def price_list_on(day: dt.date) -> PriceList | None:
    """The price list in force on `day`: the latest version whose effective date has come."""
    return PriceList.objects.filter(effective_from__lte=day).order_by("-effective_from", "-version").first()


def active_price_list() -> PriceList:
    """The price list new quotes are made from today (clinic calendar); a Refusal if none is in force yet."""
    price_list = price_list_on(clinic_today())
    if price_list is None:
        raise Refusal("The clinic has no active price list; a clinic administrator must set one first.")
    return price_list


def price_list_history(limit: int = 20) -> QuerySet[PriceList]:
    return PriceList.objects.select_related("created_by").order_by("-version")[:limit]


def accepted_quote(case: Case) -> Quote | None:
    return case.quotes.filter(status=QuoteStatus.ACCEPTED).first()


def quotes(case: Case) -> list[Quote]:
    """Every version of the case's quote, newest first, each carrying the case's journal sums (see `account_of`)."""
    versions = list(_with_money(case.quotes.select_related("issued_by", "acceptance_recorded_by")).order_by("-version"))
    for quote in versions:
        quote.case = case  # its document and digest name the case: no query more
    return versions


def payments(case: Case) -> list[Payment]:
    return list(case.payments.select_related("recorded_by", "invoice", "reversal__reversed_by"))


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


def _lines_sum(condition: Q, case_column: str = "case") -> Coalesce:
    """The sum of the case's journal lines matching `condition`, as a subquery of a row whose `case_column` is the case."""
    lines = JournalLine.objects.filter(condition, entry__case=OuterRef(case_column)).order_by().values("entry__case")
    return Coalesce(Subquery(lines.annotate(s=Sum("amount")).values("s")), Value(Decimal(0)), output_field=DecimalField())


RECEIVED = Q(credit=LedgerAccount.RECEIVABLE, debit__in=set(MONEY_ACCOUNTS.values()))
RETURNED = Q(debit=LedgerAccount.RECEIVABLE, credit__in=set(MONEY_ACCOUNTS.values()))


def _with_money(quotes: QuerySet[Quote]) -> QuerySet[Quote]:
    """`quotes` annotated with their case's journal sums and whether a balance override exists."""
    return quotes.annotate(
        charged=_lines_sum(Q(debit=LedgerAccount.RECEIVABLE)),
        credited=_lines_sum(Q(credit=LedgerAccount.RECEIVABLE)),
        received=_lines_sum(RECEIVED),
        returned=_lines_sum(RETURNED),
        overridden=Exists(BalanceOverride.objects.filter(case=OuterRef("case"))),
    )


def account_of(quote: Quote) -> Account:
    """The account of an accepted quote fetched by `account` or `quotes` (which carry the journal's sums)."""
    # The journal keeps three decimals for every currency; what a case pays is in its quote's own minor unit.
    received, returned = getattr(quote, "received"), getattr(quote, "returned")  # noqa: B009 (annotations)
    charged, credited = getattr(quote, "charged"), getattr(quote, "credited")  # noqa: B009
    paid, owed = (round_money(x, quote.currency) for x in (received - returned, charged - credited))
    return Account(quote=quote, paid=paid, owed=owed, overridden=getattr(quote, "overridden"))  # noqa: B009


def account(case: Case) -> Account:
    """Where `case` stands with money, from its journal, in one query (the checks of every money action ask it)."""
    quote = _with_money(case.quotes.filter(status=QuoteStatus.ACCEPTED)).first()
    if quote is None:
        return Account(quote=None, paid=Decimal(0))
    return account_of(quote)


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


@dataclass(frozen=True)
class InvoiceState:
    """An invoice and how much of it is paid. Payments settle invoices in due order (deposit first)."""

    invoice: Invoice
    paid: Decimal

    @property
    def open_amount(self) -> Decimal:
        return self.invoice.amount - self.paid

    @property
    def settled(self) -> bool:
        return self.paid >= self.invoice.amount

    def days_overdue(self, today: dt.date) -> int:
        return 0 if self.settled else max((today - self.invoice.due_on).days, 0)


def _settle(invoices: list[Invoice], paid: Decimal) -> list[InvoiceState]:
    states = []
    for invoice in sorted(invoices, key=lambda inv: (inv.due_on, inv.pk)):
        share = min(max(paid, Decimal(0)), invoice.amount)
        states.append(InvoiceState(invoice=invoice, paid=share))
        paid -= share
    return states


def invoice_states(case: Case, paid: Decimal | None = None) -> list[InvoiceState]:
    """The case's live (not cancelled) invoices in due order, each with what is paid of it."""
    invoices = list(case.invoices.filter(cancelled_at__isnull=True))
    return _settle(invoices, account(case).paid if paid is None else paid)


@dataclass(frozen=True)
class Receivable:
    """A case that owes money: how much, since when, and its invoices."""

    case: Case
    outstanding: Decimal
    currency: str
    invoices: list[InvoiceState]
    today: dt.date

    @property
    def next_due(self) -> dt.date | None:
        return next((s.invoice.due_on for s in self.invoices if not s.settled), None)

    @property
    def days_overdue(self) -> int:
        return max((s.days_overdue(self.today) for s in self.invoices), default=0)


AGEING = [
    ("current", "Not yet due", 0, 0),
    ("1-30", "1–30 days", 1, 30),
    ("31-60", "31–60 days", 31, 60),
    ("61-90", "61–90 days", 61, 90),
    ("90+", "Over 90 days", 91, 10**6),
]


def receivables(cases: QuerySet[Case], *, today: dt.date) -> list[Receivable]:
    """Every case of `cases` with an open balance on its journal, whatever its stage, most overdue first. Two queries."""
    owing = (
        cases.filter(quotes__status=QuoteStatus.ACCEPTED)
        .annotate(
            charged=_lines_sum(Q(debit=LedgerAccount.RECEIVABLE), "pk"),
            credited=_lines_sum(Q(credit=LedgerAccount.RECEIVABLE), "pk"),
            received=_lines_sum(RECEIVED, "pk"),
            returned=_lines_sum(RETURNED, "pk"),
            currency=Subquery(Quote.objects.filter(case=OuterRef("pk"), status=QuoteStatus.ACCEPTED).values("currency")[:1]),
        )
        .filter(charged__gt=F("credited"))
        .select_related("patient")
        .prefetch_related(Prefetch("invoices", queryset=Invoice.objects.filter(cancelled_at__isnull=True), to_attr="live_invoices"))
    )
    rows = [
        Receivable(
            case=case,
            outstanding=round_money(case.charged - case.credited, case.currency),
            currency=case.currency,
            invoices=_settle(case.live_invoices, round_money(case.received - case.returned, case.currency)),
            today=today,
        )
        for case in owing
    ]
    return sorted(rows, key=lambda r: (-r.days_overdue, r.next_due or dt.date.max, r.case.code))


def ageing(rows: list[Receivable]) -> list[tuple[str, str, dict[str, Decimal]]]:
    """What is open, by how long past due, per currency: (key, label, {currency: amount}) for each bucket."""
    buckets: dict[str, dict[str, Decimal]] = {key: {} for key, *_ in AGEING}
    for row in rows:
        for state in row.invoices:
            if state.settled:
                continue
            days = state.days_overdue(row.today)
            key = next(k for k, _label, low, high in AGEING if low <= days <= high)
            buckets[key][row.currency] = buckets[key].get(row.currency, Decimal(0)) + state.open_amount
    return [(key, label, buckets[key]) for key, label, *_ in AGEING]


def upcoming(rows: list[Receivable], *, today: dt.date, days: int = 30) -> list[tuple[Receivable, InvoiceState]]:
    """The invoices still open that fall due within `days` days from `today`, soonest first."""
    horizon = today + dt.timedelta(days=days)
    due = [(row, state) for row in rows for state in row.invoices if not state.settled and today <= state.invoice.due_on <= horizon]
    return sorted(due, key=lambda pair: (pair[1].invoice.due_on, pair[1].invoice.pk))


def invoices_for_export(cases: QuerySet[Case]) -> QuerySet[Invoice]:
    """Every invoice of `cases` with its case and patient, in number order (the accountant's list)."""
    return Invoice.objects.filter(case__in=cases).select_related("case__patient").order_by("series", "year", "number")


def payments_for_export(cases: QuerySet[Case]) -> QuerySet[Payment]:
    """Every payment of `cases` with its invoice and reversal, in the order received."""
    return (
        Payment.objects.filter(case__in=cases)
        .select_related("case__patient", "invoice", "reversal")
        .order_by("received_on", "recorded_at", "pk")
    )


def refunds_due(cases: QuerySet[Case] | None = None) -> list[Payment]:
    """Payments of which a part is owed back to the patient (a card payment of an invoice already paid), oldest first.

    Each sits on "refunds payable" in its case's journal until finance refunds it.
    """
    found = Payment.objects.filter(refund_due__gt=0, reversed_at__isnull=True)
    if cases is not None:
        found = found.filter(case__in=cases)
    return list(found.select_related("case__patient", "invoice").order_by("recorded_at", "pk"))
