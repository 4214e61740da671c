"""Writing the journal: called only by the billing services, inside the transaction of the movement they make.

Nothing here checks permissions or stages: the calling service has, holding the case lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from cellway import limits
from cellway.accounts.models import User
from cellway.billing.models import EntryKind, JournalEntry, JournalLine, LedgerAccount, Payment
from cellway.billing.money import check_amount, check_currency
from cellway.cases.models import Case


@dataclass(frozen=True)
class Move:
    """`amount` of `currency` debited to one account and credited to another."""

    debit: LedgerAccount
    credit: LedgerAccount
    amount: Decimal
    currency: str


def post(
    *,
    case: Case | int,
    kind: EntryKind,
    memo: str,
    moves: list[Move],
    by: User | None,
    payment: Payment | None = None,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Write one journal entry with its lines. Must run inside the caller's transaction (checked)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The journal is written only inside the transaction of the movement it records.")
    if not moves:
        raise ValueError("A journal entry moves something.")
    case_id = case if isinstance(case, int) else case.pk
    entry = JournalEntry.objects.create(
        case_id=case_id, kind=kind, memo=memo[: limits.SHORT], payment=payment, reverses=reverses, created_by=by
    )
    JournalLine.objects.bulk_create(
        JournalLine(
            entry=entry,
            debit=move.debit,
            credit=move.credit,
            currency=check_currency(move.currency),
            amount=check_amount(move.amount, move.currency, "A journal amount"),
        )
        for move in moves
    )
    return entry


def reverse(*, entry: JournalEntry, memo: str, by: User) -> JournalEntry:
    """A new entry moving every amount of `entry` back (a mistake is never edited, only reversed)."""
    moves = [
        Move(debit=LedgerAccount(line.credit), credit=LedgerAccount(line.debit), amount=line.amount, currency=line.currency)
        for line in entry.lines.all()
    ]
    return post(case=entry.case_id, kind=EntryKind.REVERSAL, memo=memo, moves=moves, by=by, payment=entry.payment, reverses=entry)
