"""Money at the same moment (PostgreSQL, real row locks, real threads): invoice numbers, reversals, the journal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cellway.billing import selectors as billing_selectors
from cellway.billing import services as billing
from cellway.billing.models import Invoice, JournalLine, Payment, PaymentReversal
from cellway.cases.stages import Stage
from cellway.cases.tests.test_concurrency import one_won, race
from cellway.clinic import clinic_today
from cellway.travel import services as travel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_staff_scheduling_at_once_get_consecutive_invoice_numbers_without_gap_or_duplicate(case_at, staff):
    cleared = [case_at(Stage.CLEARED) for _ in range(4)]
    day = clinic_today() + dt.timedelta(days=21)

    def schedule(case):
        return lambda: travel.schedule_case(case=case, by=staff["lena"], arrival_date=day, first_therapy_day=day + dt.timedelta(days=1))

    outcomes = race(*(schedule(case) for case in cleared))

    assert [kind for kind, _ in outcomes] == ["ok"] * 4, outcomes
    numbers = sorted(Invoice.objects.filter(year=clinic_today().year).values_list("number", flat=True))
    assert numbers == list(range(1, 9))
    for case in cleared:  # each case's deposit and balance, in due order
        assert [inv.kind for inv in Invoice.objects.filter(case=case).order_by("due_on")] == ["deposit", "balance"]


def test_a_double_clicked_reversal_reverses_once_and_the_journal_balances(case_at, staff):
    case = case_at(Stage.DEPOSIT_PAID)
    payment = Payment.objects.get(case=case)

    outcomes = race(
        lambda: billing.reverse_payment(payment=payment, by=staff["fiona"], reason="Wrong case"),
        lambda: billing.reverse_payment(payment=payment, by=staff["fiona"], reason="Wrong case"),
    )

    _, refusal = one_won(outcomes)
    assert refusal.message == f"The payment {payment.reference} is already reversed."
    assert PaymentReversal.objects.count() == 1
    assert billing_selectors.account(case).paid == Decimal(0)
    per_currency: dict[str, Decimal] = {}
    for (_account, currency), balance in billing_selectors.trial_balance(case).items():
        per_currency[currency] = per_currency.get(currency, Decimal(0)) + balance
    assert per_currency == {"EUR": Decimal(0)}
    assert JournalLine.objects.filter(entry__case=case, entry__kind="reversal").count() == 1


def _ended(case_at, staff):
    from cellway.cases import services as cases

    case = case_at(Stage.PAID, arrival=clinic_today() + dt.timedelta(days=45))
    return cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Changed their mind")


def _balanced(case) -> bool:
    per_currency: dict[str, Decimal] = {}
    for (_account, currency), balance in billing_selectors.trial_balance(case).items():
        per_currency[currency] = per_currency.get(currency, Decimal(0)) + balance
    return all(total == 0 for total in per_currency.values())


def test_a_double_clicked_credit_note_is_issued_once(case_at, staff):
    from cellway.billing import refunds
    from cellway.billing.models import CreditNote

    case = _ended(case_at, staff)

    outcomes = race(*(lambda: refunds.issue_credit_note(case=case, by=staff["fiona"], note="Cancelled") for _ in range(2)))

    _, refusal = one_won(outcomes)
    assert "is already issued" in refusal.message
    assert CreditNote.objects.filter(case=case).count() == 1
    assert _balanced(case)


def test_a_double_clicked_refund_records_once_and_the_journal_balances(case_at, staff):
    from cellway.billing import refunds
    from cellway.billing.models import JournalEntry, Refund

    case = _ended(case_at, staff)
    task = refunds.issue_credit_note(case=case, by=staff["fiona"], note="Cancelled").refund_task

    outcomes = race(
        *(lambda: refunds.record_refund(refund=task, by=staff["fiona"], reference="OUT-1", paid_on=clinic_today()) for _ in range(2))
    )

    _, refusal = one_won(outcomes)
    assert "already recorded as made" in refusal.message
    assert Refund.objects.get(pk=task.pk).status == "done"
    assert JournalEntry.objects.filter(case=case, kind="refund").count() == 1
    assert billing_selectors.trial_balance(case)[("refunds_payable", "EUR")] == 0
    assert _balanced(case)
