"""Credit notes and refunds when a case ends: what the cancellation policy gives back, issued and paid back.

Writes (`issue_credit_note`, `record_refund`) each check with a `check_…` predicate the console asks too, and
write their journal entry in the same transaction. The journal of a credit note (case's currency):

    Dr deferred revenue / Cr receivable      the credit: what is no longer charged (the refund and the unpaid rest)
    Dr receivable / Cr refunds payable       the refund now owed to the patient
    Dr deferred revenue / Cr revenue         what the clinic keeps under the policy

so the receivable ends at zero; `record_refund` then moves the refund out: Dr refunds payable / Cr bank.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from sequences import get_next_value

from cellway import limits
from cellway.accounts.models import User
from cellway.billing import cancellation, ledger, stripe_api
from cellway.billing.checkout import to_minor
from cellway.billing.incurred import incurred
from cellway.billing.ledger import Move
from cellway.billing.models import (
    CREDIT_NOTE_SERIES,
    MONEY_ACCOUNTS,
    CancellationReason,
    CreditNote,
    EntryKind,
    LedgerAccount,
    Method,
    Quote,
    Refund,
    RefundStatus,
)
from cellway.billing.money import check_money, format_money, round_money
from cellway.billing.selectors import accepted_quote, account
from cellway.cases.events import EventKind
from cellway.cases.models import Case
from cellway.cases.services import expect_stage, lock_case, record_event, require_perm, touch
from cellway.cases.stages import ENDINGS, Stage
from cellway.clinic import clinic_today, clinic_zone
from cellway.errors import Refusal

# --- Reads --------------------------------------------------------------------------------------------


def ending(case: Case) -> tuple[cancellation.Reason, dt.date]:
    """Why an ended case ended, as the policy reads it, and the day (clinic calendar) it ended.

    A refusal that came from a screening verdict (its stage event names the screening part) is `SCREENING`.
    """
    event = case.events.filter(kind=EventKind.STAGE, to_stage=case.stage).order_by("-at", "-id").first()
    ended_on = timezone.localtime(event.at, clinic_zone()).date() if event else clinic_today()
    if case.stage_enum == Stage.REFUSED and event is not None and event.data.get("part") == "screening":
        return cancellation.Reason.SCREENING, ended_on
    return cancellation.Reason(case.stage), ended_on


def refunded(case: Case) -> Decimal:
    """What earlier credit notes of the case already give back."""
    total: Decimal | None = case.credit_notes.aggregate(s=Sum("refund"))["s"]
    return total or Decimal(0)


def paid_net(case: Case) -> Decimal:
    """What the patient has paid and not been given back: received, less reversals and credit notes' refunds."""
    return account(case).paid - refunded(case)


def quote_lines(quote: Quote) -> list[cancellation.Line]:
    return [
        cancellation.Line(
            code=line["code"],
            description=line["description"],
            quantity=Decimal(line["quantity"]),
            unit_price=Decimal(line["unit_price"]),
            amount=Decimal(line["amount"]),
        )
        for line in quote.lines
    ]


def policy_decision(case: Case) -> cancellation.Decision | None:
    """What the cancellation policy gives back for an ended case with an accepted quote (None: no accepted quote)."""
    quote = accepted_quote(case)
    if quote is None:
        return None
    reason, ended_on = ending(case)
    days = (case.arrival_date - ended_on).days if case.arrival_date else None
    return cancellation.decide(
        policy=settings.CANCELLATION_POLICY,
        currency=quote.currency,
        total=quote.total,
        paid=paid_net(case),
        lines=quote_lines(quote),
        incurred=incurred(case, ended_on),
        days_before_arrival=days,
        reason=reason,
    )


def credit_notes(case: Case) -> list[CreditNote]:
    return list(case.credit_notes.select_related("issued_by", "refund_task__recorded_by").order_by("issued_at", "pk"))


def refunds_due(cases: QuerySet[Case]) -> QuerySet[Refund]:
    """Finance's "refunds to make": every refund of `cases` not yet made, oldest first."""
    return (
        Refund.objects.filter(case__in=cases, status=RefundStatus.DUE)
        .select_related("case__patient", "credit_note")
        .order_by("created_at", "pk")
    )


def credit_notes_for_export(cases: QuerySet[Case]) -> QuerySet[CreditNote]:
    """Every credit note of `cases` with its refund, in number order (the accountant's list)."""
    return CreditNote.objects.filter(case__in=cases).select_related("case__patient", "refund_task").order_by("series", "year", "number")


# --- Credit notes ---------------------------------------------------------------------------------------


def check_issue_credit_note(*, case: Case, by: User) -> None:
    """Finance credits an ended case's accepted quote once, when the policy takes something off its price."""
    require_perm(by, "billing.issue_credit_note", "issue credit notes")
    expect_stage(case, ENDINGS, "issue a credit note")
    quote = accepted_quote(case)
    if quote is None:
        raise Refusal(f"{case.code} has no accepted quote; nothing was charged, so nothing is credited.")
    done = quote.credit_notes.first()
    if done is not None:
        raise Refusal(f"Credit note {done.label} is already issued for quote v{quote.version}.")


def issue_credit_note(*, case: Case, by: User, note: str, refund: Decimal | None = None, method: str = Method.TRANSFER) -> CreditNote:
    """Issue the credit note of an ended case under the cancellation policy, with its journal entry; a refund
    to make goes on finance's list (bank transfer) or to the card provider (`refund_by_card`).

    `refund` defaults to what the policy gives back. Refused, nothing written: more than was paid, more than the
    policy gives back, a negative or over-precise amount, no note, nothing to credit.
    """
    with transaction.atomic():
        case = lock_case(case)
        check_issue_credit_note(case=case, by=by)
        limits.check_length(note, limits.REASON, "The note")
        if not note.strip():
            raise Refusal("Say why the credit note is issued; it goes on the record.")
        if method not in (Method.TRANSFER, Method.CARD):
            raise Refusal("A refund is made by bank transfer or to the card that paid.")
        decision = policy_decision(case)
        quote = accepted_quote(case)
        assert decision is not None and quote is not None  # the check refuses a case without an accepted quote
        paid = decision.paid
        cur = quote.currency
        amount = _check_refund(refund, decision)
        retained = paid - amount
        credited = quote.total - retained
        if credited <= 0:
            raise Refusal("The policy takes nothing off the price: there is nothing to credit.")
        today = clinic_today()
        items = [{"label": item.label, "amount": str(item.amount)} for item in decision.items]
        if amount != decision.refundable:
            items.append({"label": "Refund set by finance below the policy's", "amount": str(amount - decision.refundable)})
        credit_note = CreditNote.objects.create(
            case=case,
            quote=quote,
            series=CREDIT_NOTE_SERIES,
            year=today.year,
            number=get_next_value(f"credit_note:{CREDIT_NOTE_SERIES}:{today.year}"),
            reason=CancellationReason(decision.reason.value),
            note=note.strip(),
            lines=items,
            amount=credited,
            refund=amount,
            retained=retained,
            currency=cur,
            days_before_arrival=None if case.arrival_date is None else (case.arrival_date - ending(case)[1]).days,
            percent=decision.percent,
            issued_on=today,
            issued_by=by,
        )
        moves = [Move(debit=LedgerAccount.DEFERRED_REVENUE, credit=LedgerAccount.RECEIVABLE, amount=credited, currency=cur)]
        if amount > 0:
            moves.append(Move(debit=LedgerAccount.RECEIVABLE, credit=LedgerAccount.REFUNDS_PAYABLE, amount=amount, currency=cur))
            Refund.objects.create(credit_note=credit_note, case=case, amount=amount, currency=cur, method=method)
        if retained > 0:
            moves.append(Move(debit=LedgerAccount.DEFERRED_REVENUE, credit=LedgerAccount.REVENUE, amount=retained, currency=cur))
        ledger.post(case=case, kind=EntryKind.CREDIT_NOTE, memo=f"Credit note {credit_note.label}", moves=moves, by=by)
        touch(case)
        summary = f"Credit note {credit_note.label} issued: {format_money(credited, cur)} credited, {format_money(amount, cur)} to refund"
        record_event(case=case, by=by, kind=EventKind.PAYMENT, summary=summary, reason=note, data={"credit_note": str(credit_note.uuid)})
    return credit_note


def _check_refund(refund: Decimal | None, decision: cancellation.Decision) -> Decimal:
    """The refund asked for (the policy's when None), or a Refusal: negative, over-precise, beyond what was paid
    or beyond what the policy gives back."""
    cur = decision.currency
    if refund is None:
        return decision.refundable
    amount = check_money(refund, "The refund", may_be_negative=True)
    if amount < 0:
        raise Refusal("A refund cannot be negative.")
    if amount != round_money(amount, cur):
        raise Refusal(f"The refund has more decimals than {cur} has.")
    if amount > decision.paid:
        raise Refusal(
            f"A refund of {format_money(amount, cur)} is more than the {format_money(decision.paid, cur)} paid; nothing was issued."
        )
    if amount > decision.refundable:
        raise Refusal(f"The cancellation policy gives back at most {format_money(decision.refundable, cur)}; nothing was issued.")
    return amount


# --- Refunds --------------------------------------------------------------------------------------------


def check_record_refund(*, refund: Refund, by: User) -> None:
    """Finance marks a bank-transfer refund made, once."""
    require_perm(by, "billing.issue_credit_note", "record refunds")
    if refund.status == RefundStatus.DONE:
        raise Refusal(f"The refund under {refund.credit_note.label} is already recorded as made ({refund.reference}).")
    if refund.method != Method.TRANSFER:
        raise Refusal("A card refund is made through the card provider, not recorded by hand.")


def record_refund(*, refund: Refund, by: User, reference: str, paid_on: dt.date) -> Refund:
    """Finance made the transfer back to the patient: the refund is made, the journal pays the refund out of the bank.

    Refused, nothing written: already made (a double click records once), no reference, a date in the future or
    before the credit note.
    """
    with transaction.atomic():
        lock_case(refund.case_id)
        refund = Refund.objects.select_for_update().select_related("credit_note").get(pk=refund.pk)
        check_record_refund(refund=refund, by=by)
        limits.check_length(reference.strip(), limits.REFERENCE, "The reference")
        if not reference.strip():
            raise Refusal("Give the bank's reference of the transfer back to the patient.")
        if paid_on > clinic_today():
            raise Refusal("A refund cannot be made in the future.")
        if paid_on < refund.credit_note.issued_on:
            raise Refusal(
                f"A refund cannot be made before its credit note {refund.credit_note.label} ({refund.credit_note.issued_on:%d %b %Y})."
            )
        refund.status, refund.reference, refund.paid_on = RefundStatus.DONE, reference.strip(), paid_on
        refund.recorded_by, refund.recorded_at = by, timezone.now()
        refund.save(update_fields=["status", "reference", "paid_on", "recorded_by", "recorded_at"])
        _pay_out(refund, by)
    return refund


def _pay_out(refund: Refund, by: User | None) -> None:
    """The journal entry and trail row of a refund made, in the caller's transaction."""
    out = Move(
        debit=LedgerAccount.REFUNDS_PAYABLE, credit=MONEY_ACCOUNTS[Method(refund.method)], amount=refund.amount, currency=refund.currency
    )
    label = refund.credit_note.label
    ledger.post(case=refund.case_id, kind=EntryKind.REFUND, memo=f"Refund under {label} {refund.reference}", moves=[out], by=by)
    case = Case.objects.get(pk=refund.case_id)
    touch(case)
    summary = (
        f"Refund of {format_money(refund.amount, refund.currency)} made under {label} ({refund.get_method_display()} {refund.reference})"
    )
    record_event(case=case, by=by, kind=EventKind.PAYMENT, summary=summary, data={"refund": str(refund.uuid)})


@dataclass(frozen=True)
class CardRefundRequest:
    """What the card provider is asked to give back: the payment it took, how much, and a key that makes a retry
    the same request (one refund per credit note, however often it is sent)."""

    payment_intent: str
    amount: Decimal
    currency: str
    idempotency_key: str


def card_refund_request(credit_note: CreditNote) -> CardRefundRequest:
    """The card refund of a credit note, against the case's card payment; a Refusal when there is nothing to send."""
    refund = getattr(credit_note, "refund_task", None)
    if refund is None or refund.status == RefundStatus.DONE:
        raise Refusal(f"Credit note {credit_note.label} has no refund still to make.")
    payment = (
        credit_note.case.payments.filter(method=Method.CARD, reversed_at__isnull=True)
        .exclude(provider_reference="")
        .order_by("-received_on", "-pk")
        .first()
    )
    if payment is None:
        raise Refusal(f"{credit_note.case.code} has no card payment with a provider reference to refund; refund by bank transfer.")
    if payment.amount < refund.amount:
        raise Refusal(f"The card payment {payment.reference} is smaller than the refund; refund by bank transfer.")
    return CardRefundRequest(
        payment_intent=payment.provider_reference,
        amount=refund.amount,
        currency=refund.currency,
        idempotency_key=f"cellway-refund-{credit_note.label}" + (f"-{refund.card_attempt}" if refund.card_attempt else ""),
    )


def check_refund_by_card(*, credit_note: CreditNote, by: User) -> None:
    """Finance may send a credit note's refund back to the card that paid (a card payment to refund, Stripe configured)."""
    require_perm(by, "billing.issue_credit_note", "refund to a card")
    card_refund_request(credit_note)
    if not stripe_api.configured():
        raise stripe_api.CardPaymentsOff("Card payments are not configured here (STRIPE_SECRET_KEY is not set); refund by bank transfer.")


def refund_by_card(credit_note: CreditNote, by: User) -> Refund:
    """Give a credit note's refund back to the card that paid, through Stripe, and mark it made.

    Stripe is asked outside any transaction (as every provider call here); the idempotency key is the credit
    note's, so a retry or a double click is the same refund at Stripe, and the second caller finds it made.
    Made when Stripe answers "succeeded" or "pending" (the card network's part); its refund id is the reference.
    A refusal (nothing to refund, no card payment, Stripe unreachable or refusing) leaves the refund on finance's list.
    """
    check_refund_by_card(credit_note=credit_note, by=by)
    request = card_refund_request(credit_note)
    try:
        answer = stripe_api.create_refund(
            payment_intent=request.payment_intent,
            amount_minor=to_minor(request.amount, request.currency),
            idempotency_key=request.idempotency_key,
        )
    except stripe_api.ProviderError as refused:
        if refused.answered:  # Stripe keeps its answer under this key: the next try is a new request, with a new key
            Refund.objects.filter(credit_note=credit_note, status=RefundStatus.DUE).update(card_attempt=F("card_attempt") + 1)
        raise
    if answer.status not in ("succeeded", "pending"):
        raise Refusal(f"Stripe has the refund {answer.id} as {answer.status}; it stays on the list of refunds to make.")
    with transaction.atomic():
        lock_case(credit_note.case_id)
        refund = Refund.objects.select_for_update().select_related("credit_note").get(credit_note=credit_note)
        if refund.status == RefundStatus.DONE:
            return refund  # the other click's, with the same Stripe refund
        refund.status, refund.reference, refund.paid_on = RefundStatus.DONE, answer.id[: limits.REFERENCE], clinic_today()
        refund.recorded_by, refund.recorded_at = by, timezone.now()
        refund.save(update_fields=["status", "reference", "paid_on", "recorded_by", "recorded_at"])
        _pay_out(refund, by)
    return refund
