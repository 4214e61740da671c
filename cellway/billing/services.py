"""Writes for quotes, payments and balance overrides (rules 3, 4 and 6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from cellway import limits
from cellway.accounts.models import User
from cellway.audit.services import audit_record, sign
from cellway.billing import pricing
from cellway.billing.models import PRICE_FIELDS, BalanceOverride, Method, Payment, PriceList, Quote, QuoteStatus, price_label
from cellway.billing.money import check_money
from cellway.cases import notify
from cellway.cases.models import Case
from cellway.cases.services import lock_case, move, record_event, require_perm, touch
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import Refusal, StageConflict
from cellway.plans.models import PlanStatus, TherapyPlan

PAYABLE = {Stage.SCHEDULED, Stage.DEPOSIT_PAID, Stage.PAID, Stage.ARRIVED, Stage.IN_TREATMENT}


def active_price_list() -> PriceList:
    price_list = PriceList.objects.filter(active=True).first()
    if price_list is None:
        raise Refusal("The clinic has no active price list; a clinic administrator must set one first.")
    return price_list


def _numbers(plan: TherapyPlan) -> pricing.PlanNumbers:
    return pricing.PlanNumbers(**{f: getattr(plan, f) for f in pricing.PlanNumbers.__dataclass_fields__})


def _issue(*, case: Case, plan: TherapyPlan, by: User, adjustment: Decimal = Decimal(0), reason: str = "") -> Quote:
    price_list = active_price_list()
    lines = pricing.quote_lines(_numbers(plan), price_list.unit_prices())
    total = pricing.total(lines, adjustment)
    if total <= 0:
        raise Refusal("A quote must come to more than nothing.")
    # Prices and an adjustment that each fit can still add up past what a quote holds.
    check_money(total, f"The quote's total of {total:,} {price_list.currency}")
    case.quotes.filter(status=QuoteStatus.ISSUED).update(status=QuoteStatus.SUPERSEDED)
    last = case.quotes.order_by("-version").first()
    return Quote.objects.create(
        case=case,
        version=(last.version + 1) if last else 1,
        plan=plan,
        price_list=price_list,
        currency=price_list.currency,
        package_tier=plan.package_tier,
        lines=[line.as_dict() for line in lines],
        adjustment=adjustment,
        adjustment_reason=reason,
        total=total,
        deposit=pricing.deposit(total, settings.DEPOSIT_PERCENT),
        issued_by=by,
    )


def quote_signed_plan(sender: Any, *, plan: TherapyPlan, by: User, **kwargs: Any) -> None:
    """Receiver of `plan_signed` (inside the signing transaction): the quote follows from the plan."""
    case = plan.case
    quote = _issue(case=case, plan=plan, by=by)
    move(
        case,
        to=Stage.QUOTED,
        by=by,
        summary=f"Quote v{quote.version} issued: {quote.total} {quote.currency}",
        data={"quote": str(quote.uuid)},
    )
    notify.later(notify.quote_issued, case_id=case.pk)


def revise_quote(*, case: Case, by: User, adjustment: Decimal, reason: str) -> Quote:
    """Finance issues a new version with a price adjustment. No price is changed without a recorded reason."""
    require_perm(by, "billing.issue_quote", "revise quotes")
    limits.check_length(reason, limits.REASON, "The reason")
    adjustment = check_money(adjustment, "The adjustment", may_be_negative=True)
    if adjustment == 0:
        raise Refusal("An adjustment of zero changes nothing.")
    if not reason.strip():
        raise Refusal("A price set by hand needs a reason on the record.")
    with transaction.atomic():
        case = lock_case(case, expected=Stage.QUOTED, doing="revise the quote")
        plan = case.plans.filter(status=PlanStatus.SIGNED).get()
        quote = _issue(case=case, plan=plan, by=by, adjustment=adjustment, reason=reason)
        touch(case)
        record_event(
            case=case,
            by=by,
            kind="quote",
            reason=reason,
            summary=f"Quote v{quote.version} issued with adjustment {adjustment:+} {quote.currency}: {quote.total}",
        )
        notify.later(notify.quote_issued, case_id=case.pk)
    return quote


def accept_quote(*, quote: Quote, by: User, note: str) -> Quote:
    """Record that the patient accepted this quote (how, in the note)."""
    require_perm(by, "billing.record_acceptance", "record quote acceptance")
    limits.check_length(note, limits.SHORT, "How the patient accepted")
    if not note.strip():
        raise Refusal("Say how the patient accepted (e.g. 'email of 3 March').")
    with transaction.atomic():
        case = lock_case(quote.case_id, expected=Stage.QUOTED, doing="record the acceptance")
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        if quote.status != QuoteStatus.ISSUED:
            raise StageConflict(f"Quote v{quote.version} is {quote.get_status_display().lower()}; only the current quote can be accepted.")
        quote.status, quote.accepted_at = QuoteStatus.ACCEPTED, timezone.now()
        quote.acceptance_recorded_by, quote.acceptance_note = by, note
        quote.save(update_fields=["status", "accepted_at", "acceptance_recorded_by", "acceptance_note"])
        move(case, to=Stage.ACCEPTED, by=by, summary=f"Quote v{quote.version} accepted", reason=note)
    return quote


def accepted_quote(case: Case) -> Quote | None:
    return case.quotes.filter(status=QuoteStatus.ACCEPTED).first()


@dataclass(frozen=True)
class Account:
    """Where a case stands with money."""

    quote: Quote | None
    paid: Decimal

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
    paid = case.payments.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    return Account(quote=accepted_quote(case), paid=paid)


def record_payment(*, case: Case, by: User, amount: Decimal, method: str, reference: str, received_on: dt.date) -> Payment:
    """Record money received. The deposit and full payment move the case on by themselves."""
    require_perm(by, "billing.record_payment", "record payments")
    limits.check_length(reference.strip(), limits.REFERENCE, "The reference")
    amount = check_money(amount, "The payment amount", may_be_negative=True)
    if amount <= 0:
        raise Refusal("A payment is more than zero.")
    if not reference.strip():
        raise Refusal("Give the bank or card reference, so the same payment is never recorded twice.")
    if received_on > clinic_today():
        raise Refusal("A payment cannot be received in the future.")
    if method not in Method.values:
        *others, last = (label.lower() for label in Method.labels)
        raise Refusal(f"A payment is made by {', '.join(others)} or {last}.")
    try:
        with transaction.atomic():
            case = lock_case(case, expected=PAYABLE, doing="record a payment")
            before = account(case)
            if before.quote is None:
                raise Refusal("There is no accepted quote to pay against.")
            if amount > before.outstanding:
                raise Refusal(f"That is more than the {before.outstanding} {before.quote.currency} still owed; record a refund separately.")
            payment = Payment.objects.create(
                case=case,
                quote=before.quote,
                amount=amount,
                currency=before.quote.currency,
                method=method,
                reference=reference.strip(),
                received_on=received_on,
                recorded_by=by,
            )
            after = account(case)
            summary = f"Payment of {amount} {payment.currency} recorded ({payment.get_method_display()} {payment.reference})"
            touch(case)
            record_event(case=case, by=by, kind="payment", summary=summary, data={"payment": str(payment.uuid)})
            if case.stage_enum == Stage.SCHEDULED and after.deposit_paid:
                move(case, to=Stage.DEPOSIT_PAID, by=by, summary="Deposit paid")
            if case.stage_enum == Stage.DEPOSIT_PAID and not after.balance_open:
                move(case, to=Stage.PAID, by=by, summary="Paid in full")
            elif not after.balance_open:
                record_event(case=case, by=by, kind="payment", summary="Paid in full")
    except IntegrityError:
        raise Refusal(f"A {method} payment with reference {reference.strip()} is already recorded.") from None
    return payment


def grant_balance_override(*, case: Case, by: User, reason: str, password: str) -> BalanceOverride:
    """A finance manager lets sessions start while a balance is open, signed, with a reason."""
    require_perm(by, "billing.override_balance", "override an open balance")
    limits.check_length(reason, limits.REASON, "The reason")
    if not reason.strip():
        raise Refusal("An override needs a reason on the record.")
    with transaction.atomic():
        case = lock_case(case, expected={Stage.DEPOSIT_PAID, Stage.ARRIVED, Stage.IN_TREATMENT}, doing="override the balance")
        if not account(case).balance_open:
            raise Refusal("Nothing is owed; no override is needed.")
        signature = sign(
            signer=by,
            password=password,
            meaning="sessions may start with a balance open",
            subject=f"case:{case.uuid}",
            content={"case": case.code, "reason": reason},
        )
        override = BalanceOverride.objects.create(case=case, reason=reason, granted_by=by, signature=signature)
        touch(case)
        record_event(case=case, by=by, kind="signature", summary="Balance override signed", reason=reason, data={"signature": signature.pk})
    return override


def has_override(case: Case) -> bool:
    return case.balance_overrides.exists()


def publish_price_list(*, by: User, currency: str, prices: dict[str, Decimal]) -> PriceList:
    """Make a new price list version the active one. Issued quotes keep the prices they were made with."""
    require_perm(by, "billing.edit_price_list", "change the price list")
    missing = set(PRICE_FIELDS) - set(prices)
    if missing:
        raise Refusal(f"Prices missing: {', '.join(sorted(missing))}.")
    if len(currency) != 3 or not currency.isalpha():
        raise Refusal("A currency is a three-letter code, e.g. EUR.")
    prices = {name: check_money(prices[name], f"The price for {price_label(name)}") for name in PRICE_FIELDS}
    with transaction.atomic():
        last = PriceList.objects.select_for_update().order_by("-version").first()
        PriceList.objects.filter(active=True).update(active=False)
        price_list = PriceList.objects.create(
            version=(last.version + 1) if last else 1,
            currency=currency.upper(),
            active=True,
            created_by=by,
            **prices,
        )
        audit_record(actor=by, action="price_list.published", target=str(price_list))
    return price_list
