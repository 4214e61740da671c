"""The journal: written by the money services in their transaction, never changed, balanced per currency by the database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from cellway.billing import ledger
from cellway.billing import selectors as billing_selectors
from cellway.billing import services as billing
from cellway.billing.models import EntryKind, JournalEntry, JournalLine, LedgerAccount
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.journey import bank_proof
from cellway.errors import Refusal

TOTAL, DEPOSIT = Decimal("15260.00"), Decimal("4578.00")  # the demo plan on the demo price list


def pay(case, staff, amount, reference, method="transfer"):
    return billing.record_payment(
        case=case, by=staff["fiona"], amount=Decimal(amount), method=method, reference=reference, received_on=clinic_today(),
        proof=bank_proof(reference) if method == "transfer" else None,
    )


def sums_to_zero(case: Case) -> bool:
    per_currency: dict[str, Decimal] = {}
    for (_account, currency), balance in billing_selectors.trial_balance(case).items():
        per_currency[currency] = per_currency.get(currency, Decimal(0)) + balance
    return all(total == 0 for total in per_currency.values())


@pytest.fixture
def scheduled(case_at):
    return case_at(Stage.SCHEDULED)


def test_acceptance_charges_the_patient_and_defers_the_revenue(scheduled):
    balances = billing_selectors.trial_balance(scheduled)

    assert balances == {("receivable", "EUR"): TOTAL, ("deferred_revenue", "EUR"): -TOTAL}
    entry = JournalEntry.objects.get(case=scheduled)
    assert (entry.kind, entry.memo) == (EntryKind.CHARGE, "Quote v1 accepted")
    assert billing_selectors.account(scheduled).outstanding == TOTAL


def test_payments_move_money_into_bank_and_card_clearing_and_the_balance_follows_the_journal(scheduled, staff):
    pay(scheduled, staff, DEPOSIT, "BANK-1")
    pay(scheduled, staff, "1000.00", "ch_1", method="card")

    balances = billing_selectors.trial_balance(scheduled)
    assert balances[("bank", "EUR")] == DEPOSIT
    assert balances[("stripe_clearing", "EUR")] == Decimal("1000.00")
    assert balances[("receivable", "EUR")] == TOTAL - DEPOSIT - Decimal("1000.00")
    assert sums_to_zero(scheduled)
    money = billing_selectors.account(scheduled)
    assert (money.paid, money.outstanding, money.deposit_paid) == (DEPOSIT + Decimal("1000.00"), balances[("receivable", "EUR")], True)
    assert [e.payment is not None for e in billing_selectors.journal(scheduled)] == [False, True, True]


def test_paid_in_full_settles_the_balance_the_treatment_gate_asks_about(scheduled, staff):
    assert not billing_selectors.balance_settled(scheduled)

    pay(scheduled, staff, TOTAL, "BANK-ALL")

    assert billing_selectors.balance_settled(scheduled)
    assert billing_selectors.trial_balance(scheduled)[("receivable", "EUR")] == 0


def test_a_refused_payment_writes_nothing_on_the_journal(scheduled, staff):
    lines = JournalLine.objects.count()

    with pytest.raises(Refusal):
        pay(scheduled, staff, TOTAL + 1, "BANK-TOO-MUCH")

    assert JournalLine.objects.count() == lines


def test_a_reversal_moves_every_amount_back_and_the_journal_keeps_both(scheduled, staff):
    payment = pay(scheduled, staff, "500.00", "BANK-WRONG")
    entry = payment.entries.get()

    with transaction.atomic():
        reversal = ledger.reverse(entry=entry, memo="Recorded against the wrong case", by=staff["fiona"])

    assert [(line.debit, line.credit, line.amount) for line in reversal.lines.all()] == [("receivable", "bank", Decimal("500.000"))]
    assert billing_selectors.account(scheduled).paid == 0
    assert billing_selectors.account(scheduled).outstanding == TOTAL
    assert sums_to_zero(scheduled)


@pytest.mark.django_db(transaction=True)
def test_the_journal_is_written_only_inside_a_transaction():
    move = ledger.Move(debit=LedgerAccount.BANK, credit=LedgerAccount.RECEIVABLE, amount=Decimal(1), currency="EUR")

    with pytest.raises(RuntimeError, match="inside the transaction"):
        ledger.post(case=1, kind=EntryKind.PAYMENT, memo="stray", moves=[move], by=None)


@pytest.mark.parametrize("table", ["billing_journalentry", "billing_journalline"])
def test_journal_rows_are_never_updated_or_deleted(scheduled, table):
    column = {"billing_journalentry": "memo", "billing_journalline": "currency"}[table]

    for statement in (f"UPDATE {table} SET {column} = 'USD'", f"DELETE FROM {table}"):  # noqa: S608 (fixed names)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)

    assert billing_selectors.trial_balance(scheduled)[("receivable", "EUR")] == TOTAL


@pytest.mark.parametrize(
    ("debit", "credit", "amount"),
    [
        ("receivable", "receivable", "10"),  # one account both sides: nothing moves, yet it would count twice
        ("bank", "receivable", "0"),
        ("bank", "receivable", "-10"),  # a negative line would let a "balanced" entry hide a one-sided one
        ("pocket", "receivable", "10"),
    ],
)
def test_the_database_refuses_a_line_that_could_unbalance_an_entry(scheduled, debit, credit, amount):
    entry = JournalEntry.objects.get(case=scheduled)

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_journalline (entry_id, debit, credit, amount, currency) VALUES (%s, %s, %s, %s, 'EUR')",
            [entry.pk, debit, credit, Decimal(amount)],
        )

    assert JournalLine.objects.filter(entry=entry).count() == 1


def test_cash_goes_to_the_cash_account(scheduled, staff):
    payment = billing.record_payment(
        case=scheduled, by=staff["fiona"], amount=Decimal("10.00"), method="cash", reference="TILL-1",
        received_on=clinic_today(),
    )

    line = payment.entries.get().lines.get()
    assert (line.debit, line.credit, line.amount) == ("cash", "receivable", Decimal("10.000"))


@pytest.mark.parametrize(
    ("currency", "price", "message"),
    [
        ("ABC", "100.00", "ABC is not a currency (an ISO 4217 code, e.g. EUR)."),
        ("KWD", "100.00", "Prices are kept to 2 decimals; KWD has 3."),
        ("JPY", "100.50", "The price for per million cells has more decimals than JPY has."),
    ],
)
def test_a_price_list_in_a_currency_its_prices_cannot_be_kept_in_is_refused(staff, currency, price, message):
    from cellway.billing.models import PRICE_FIELDS, PriceList
    from cellway.demo.staff import PRICES

    before = PriceList.objects.count()
    prices = {name: Decimal(PRICES[name]) for name in PRICE_FIELDS} | {"per_million_cells": Decimal(price)}

    with pytest.raises(Refusal) as refused:
        billing.publish_price_list(by=staff["adam"], currency=currency, prices=prices)

    assert refused.value.message == message
    assert PriceList.objects.count() == before
