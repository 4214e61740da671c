"""Writes for quotes, payments and balance overrides (rules 3, 4 and 6)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from sequences import get_next_value

from cellway import limits
from cellway.accounts.models import User
from cellway.audit.services import audit_record, sign, verify_signer
from cellway.billing import ledger, pricing
from cellway.billing.ledger import Move
from cellway.billing.models import (
    INVOICE_SERIES,
    MONEY_ACCOUNTS,
    PRICE_FIELDS,
    BalanceOverride,
    EntryKind,
    Invoice,
    InvoiceKind,
    LedgerAccount,
    Method,
    Payment,
    PaymentReversal,
    PriceList,
    Quote,
    QuoteStatus,
    balance_due_on,
    deposit_due_on,
    price_label,
)
from cellway.billing.money import MONEY_DECIMALS, check_amount, check_currency, check_money, minor_unit, round_money
from cellway.billing.selectors import accepted_quote, account, active_price_list, invoice_states
from cellway.cases import notify
from cellway.cases.events import EventKind
from cellway.cases.models import Case
from cellway.cases.services import expect_stage, lock_case, move, record_event, require_perm, touch
from cellway.cases.stages import ENDINGS, Stage
from cellway.clinic import clinic_today, clinic_zone
from cellway.errors import Refusal, StageConflict
from cellway.records.intake import filetypes

PAYABLE = {Stage.SCHEDULED, Stage.DEPOSIT_PAID, Stage.PAID, Stage.ARRIVED, Stage.IN_TREATMENT}


def plan_numbers(plan: object) -> pricing.PlanNumbers:
    """What a plan says that the price follows from (rule 3). Any object with the plan's fields will do:
    billing reads a plan through its quote, never through the plans app (which sits above it)."""
    return pricing.PlanNumbers(**{f: getattr(plan, f) for f in pricing.PlanNumbers.__dataclass_fields__})


def _issue(
    *,
    case: Case,
    plan_id: int,
    numbers: pricing.PlanNumbers,
    package_tier: str,
    by: User,
    adjustment: Decimal = Decimal(0),
    reason: str = "",
) -> Quote:
    price_list = active_price_list()
    lines = pricing.quote_lines(numbers, price_list.unit_prices())
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
        plan_id=plan_id,
        price_list=price_list,
        currency=price_list.currency,
        package_tier=package_tier,
        lines=[line.as_dict() for line in lines],
        adjustment=adjustment,
        adjustment_reason=reason,
        total=total,
        deposit=pricing.deposit(total, settings.DEPOSIT_PERCENT),
        issued_by=by,
    )


def issue_quote(*, case: Case, plan_id: int, numbers: pricing.PlanNumbers, package_tier: str, by: User) -> Quote:
    """Issue the quote of a just-signed plan and move the case to "quoted" (rule 3).

    Called by `plans.services.sign_plan` inside its transaction, holding the
    case lock: a refusal here (no price list, a quote of nothing) undoes the signature.
    """
    quote = _issue(case=case, plan_id=plan_id, numbers=numbers, package_tier=package_tier, by=by)
    move(
        case,
        to=Stage.QUOTED,
        by=by,
        summary=f"Quote v{quote.version} issued: {quote.total:,.2f} {quote.currency}",
        data={"quote": str(quote.uuid)},
    )
    notify.later(notify.quote_issued, case_id=case.pk)
    return quote


def check_revise_quote(*, case: Case, by: User) -> None:
    require_perm(by, "billing.issue_quote", "revise quotes")
    expect_stage(case, Stage.QUOTED, "revise the quote")


def revise_quote(*, case: Case, by: User, adjustment: Decimal, reason: str) -> Quote:
    """Finance issues a new version with a price adjustment. No price is changed without a recorded reason."""
    with transaction.atomic():
        case = lock_case(case)
        check_revise_quote(case=case, by=by)
        limits.check_length(reason, limits.REASON, "The reason")
        adjustment = check_money(adjustment, "The adjustment", may_be_negative=True)
        if adjustment == 0:
            raise Refusal("An adjustment of zero changes nothing.")
        if not reason.strip():
            raise Refusal("A price set by hand needs a reason on the record.")
        # The plan the current quote was made from: a revision prices the same plan.
        plan = case.quotes.select_related("plan").filter(status=QuoteStatus.ISSUED).latest("version").plan
        numbers = plan_numbers(plan)
        quote = _issue(
            case=case, plan_id=plan.pk, numbers=numbers, package_tier=plan.package_tier, by=by, adjustment=adjustment, reason=reason
        )
        touch(case)
        record_event(
            case=case,
            by=by,
            kind=EventKind.QUOTE,
            reason=reason,
            summary=f"Quote v{quote.version} issued with adjustment {adjustment:+,.2f} {quote.currency}: {quote.total:,.2f}",
        )
        notify.later(notify.quote_issued, case_id=case.pk)
    return quote


def check_accept_quote(*, case: Case, by: User, quote: Quote | None = None) -> None:
    """Acceptance is recorded while the case is quoted, for the current (issued) quote if one is named."""
    require_perm(by, "billing.record_acceptance", "record quote acceptance")
    expect_stage(case, Stage.QUOTED, "record the acceptance")
    if quote is not None and quote.status != QuoteStatus.ISSUED:
        raise StageConflict(f"Quote v{quote.version} is {quote.get_status_display().lower()}; only the current quote can be accepted.")
    if quote is not None and clinic_today() > quote.valid_until:
        raise Refusal(
            f"Quote v{quote.version} was valid until {quote.valid_until:%d %b %Y}; issue a new version before recording acceptance."
        )


def accept_quote(*, quote: Quote, by: User, note: str) -> Quote:
    """Record that the patient accepted this quote (how, in the note)."""
    with transaction.atomic():
        case = lock_case(quote.case_id)
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        check_accept_quote(case=case, by=by, quote=quote)
        limits.check_length(note, limits.SHORT, "How the patient accepted")
        if not note.strip():
            raise Refusal("Say how the patient accepted (e.g. 'email of 3 March').")
        return _record_acceptance(case, quote, by=by, note=note)


class QuoteSuperseded(StageConflict):
    """The quote the person read is no longer the one to accept (a new version, or it changed since it was shown)."""


def check_accept_quote_online(*, case: Case, quote: Quote, shown_version: int | None = None, shown_digest: str | None = None) -> None:
    """The patient's own acceptance (the portal): the rules of `check_accept_quote` but the role, and exactly what was shown.

    Who may accept for the case is the portal's grant, checked by the portal's service before it calls here.
    """
    expect_stage(case, Stage.QUOTED, "accept the quote")
    if quote.status != QuoteStatus.ISSUED:
        raise QuoteSuperseded(f"Quote v{quote.version} is {quote.get_status_display().lower()}; only the current quote can be accepted.")
    if shown_version is not None and shown_version != quote.version:
        raise QuoteSuperseded(f"The quote you read (v{shown_version}) has been replaced by v{quote.version}; read it before accepting.")
    if shown_digest is not None and shown_digest != quote.document_digest():
        raise QuoteSuperseded(f"Quote v{quote.version} changed since it was shown; read it again before accepting.")
    if clinic_today() > quote.valid_until:
        raise Refusal(f"Quote v{quote.version} was valid until {quote.valid_until:%d %b %Y}; the clinic will issue a new version.")


def accept_quote_online(*, quote: Quote, by: User, shown_version: int, shown_digest: str, address: str | None, for_patient: bool) -> Quote:
    """Record the acceptance a person made on the portal: the version and digest they were shown, when and from where."""
    with transaction.atomic():
        case = lock_case(quote.case_id)
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        check_accept_quote_online(case=case, quote=quote, shown_version=shown_version, shown_digest=shown_digest)
        who = "the patient" if for_patient else f"{by} on the patient's behalf"
        note = f"Accepted on the portal by {who} from {address or 'an unknown address'}"[: limits.SHORT]
        return _record_acceptance(case, quote, by=by, note=note, extra={"online": True, "address": address, "for_patient": for_patient})


def _record_acceptance(case: Case, quote: Quote, *, by: User, note: str, extra: dict[str, object] | None = None) -> Quote:
    """Write an acceptance checked by the caller, in its transaction, with the case and quote rows locked."""
    quote.status, quote.accepted_at = QuoteStatus.ACCEPTED, timezone.now()
    quote.acceptance_recorded_by, quote.acceptance_note = by, note
    quote.case = case
    quote.accepted_digest = quote.document_digest()  # what exactly was accepted
    quote.save(update_fields=["status", "accepted_at", "acceptance_recorded_by", "acceptance_note", "accepted_digest"])
    # What the patient now owes, on the journal; revenue is deferred until the clinic has treated them.
    charge = Move(debit=LedgerAccount.RECEIVABLE, credit=LedgerAccount.DEFERRED_REVENUE, amount=quote.total, currency=quote.currency)
    ledger.post(case=case, kind=EntryKind.CHARGE, memo=f"Quote v{quote.version} accepted", moves=[charge], by=by)
    accepted = {"quote": str(quote.uuid), "version": quote.version, "digest": quote.accepted_digest, **(extra or {})}
    move(case, to=Stage.ACCEPTED, by=by, summary=f"Quote v{quote.version} accepted", reason=note, data=accepted)
    return quote


def check_record_payment(*, case: Case, by: User) -> None:
    """Payments are recorded from scheduling on, while something is still owed."""
    require_perm(by, "billing.record_payment", "record payments")
    expect_stage(case, PAYABLE, "record a payment")
    money = account(case)
    if money.quote is None:
        raise Refusal("There is no accepted quote to pay against.")
    if not money.balance_open:
        raise Refusal(f"{case.code} is paid in full; nothing is owed.")


def record_payment(
    *,
    case: Case,
    by: User,
    amount: Decimal,
    method: str,
    reference: str,
    received_on: dt.date,
    currency: str | None = None,
    invoice: Invoice | None = None,
    proof: File[bytes] | None = None,
) -> Payment:
    """Record money received, against `invoice` or else the first invoice still open.

    The deposit and full payment move the case on by themselves. Refused: a currency other than
    the quote's, an invoice paid, cancelled or not the case's, a received date in the future or before
    the invoice (or, with no invoice yet, before the quote was accepted), a bank transfer without the
    bank's proof (PDF, JPEG or PNG, typed by its content). The proof is stored with the payment; if the
    transaction fails, the stored file goes too.
    """
    stored: list[str] = []
    try:
        with transaction.atomic():
            case = lock_case(case)
            check_record_payment(case=case, by=by)
            amount = _check_payment_input(amount=amount, method=method, reference=reference, received_on=received_on)
            extension, digest = _check_proof(proof, method)
            before = account(case)
            assert before.quote is not None  # the check refuses a case without an accepted quote
            if currency is not None and check_currency(currency) != before.quote.currency:
                raise Refusal(f"{case.code} is billed in {before.quote.currency}; a payment in {currency.upper()} cannot be recorded.")
            amount = check_amount(amount, before.quote.currency, "The payment amount")
            against = _invoice_to_pay(case, before.paid, invoice)
            _check_received_on(received_on, against, before.quote)
            if amount > before.outstanding:
                owed = f"{before.outstanding:,.2f} {before.quote.currency}"
                raise Refusal(f"That is more than the {owed} still owed; record a refund separately.")
            payment = Payment(
                case=case,
                quote=before.quote,
                amount=amount,
                currency=before.quote.currency,
                method=method,
                reference=reference.strip(),
                received_on=received_on,
                recorded_by=by,
                invoice=against,
                proof_sha256=digest,
            )
            if proof is not None:
                proof.seek(0)
                payment.proof.save(f"proof{extension}", proof, save=False)
                stored.append(str(payment.proof.name))
            payment.save(force_insert=True)
            _post_received(case, payment, by=by)
    except IntegrityError:
        _forget(stored)
        raise Refusal(f"A {method} payment with reference {reference.strip()} is already recorded.") from None
    except BaseException:
        _forget(stored)
        raise
    return payment


def _post_received(case: Case, payment: Payment, *, by: User | None) -> None:
    """The journal, trail and stage of a payment just saved, in the caller's transaction holding the case lock.

    What settles the case is moved off the receivable; a part owed back (`refund_due`) goes to refunds
    payable. Reaching the deposit or the total moves the case on.
    """
    settles = payment.amount - payment.refund_due
    into = MONEY_ACCOUNTS[Method(payment.method)]
    moves = []
    if settles > 0:
        moves.append(Move(debit=into, credit=LedgerAccount.RECEIVABLE, amount=settles, currency=payment.currency))
    if payment.refund_due > 0:
        moves.append(Move(debit=into, credit=LedgerAccount.REFUNDS_PAYABLE, amount=payment.refund_due, currency=payment.currency))
    memo = f"{payment.get_method_display()} {payment.reference}"
    ledger.post(case=case, kind=EntryKind.PAYMENT, memo=memo, moves=moves, by=by, payment=payment)
    after = account(case)
    how = f"{payment.get_method_display()} {payment.reference}"
    summary = f"Payment of {payment.amount:,.2f} {payment.currency} recorded ({how})"
    if payment.refund_due > 0:
        summary += f"; {payment.refund_due:,.2f} {payment.currency} of it is owed back to the patient (to refund)"
    touch(case)
    record_event(case=case, by=by, kind=EventKind.PAYMENT, summary=summary, data={"payment": str(payment.uuid)})
    if settles <= 0:
        return
    if case.stage_enum == Stage.SCHEDULED and after.deposit_paid:
        move(case, to=Stage.DEPOSIT_PAID, by=by, summary="Deposit paid")
    if case.stage_enum == Stage.DEPOSIT_PAID and not after.balance_open:
        move(case, to=Stage.PAID, by=by, summary="Paid in full")
    elif not after.balance_open:
        record_event(case=case, by=by, kind=EventKind.PAYMENT, summary="Paid in full")


def record_card_payment(*, case: Case, invoice: Invoice, amount: Decimal, currency: str, provider_reference: str) -> Payment:
    """Record money Stripe says was paid by card for `invoice` (from the webhook, never from a person or a success page).

    Call inside a transaction holding the case lock (`checkout.apply_session`). The money has arrived, so
    it is always recorded: what the invoice still owes is settled, and whatever is beyond it (the invoice was
    paid meanwhile, by transfer or a second card payment; it was cancelled; the case no longer pays) is
    flagged `refund_due` for finance. The processor's id is unique: the same payment is never recorded twice.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A card payment is recorded inside the transaction that holds the case lock.")
    before = account(case)
    states = invoice_states(case, before.paid)
    state = next((s for s in states if s.invoice.pk == invoice.pk), None)
    owed = Decimal(0)
    if state is not None and case.stage_enum in PAYABLE and currency.upper() == invoice.currency and before.quote is not None:
        owed = max(min(state.open_amount, before.outstanding), Decimal(0))
    payment = Payment(
        case=case,
        quote=invoice.quote,
        amount=amount,
        currency=currency.upper(),
        method=Method.CARD,
        reference=provider_reference[: limits.REFERENCE],
        provider_reference=provider_reference,
        refund_due=max(amount - owed, Decimal(0)),
        received_on=clinic_today(),
        recorded_by=None,
        invoice=invoice,
    )
    payment.save(force_insert=True)
    _post_received(case, payment, by=None)
    return payment


PROOF_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
PROOF_MAX_BYTES = 10 * 1024 * 1024


def _check_proof(proof: File[bytes] | None, method: str) -> tuple[str, str]:
    """The stored extension and SHA-256 of a payment's proof; a Refusal if a transfer has none or it is not a document."""
    if proof is None:
        if method == Method.TRANSFER:
            raise Refusal("Attach the bank's proof of the transfer (the statement line or remittance advice: PDF, JPEG or PNG).")
        return "", ""
    size = proof.size or 0
    if size <= 0:
        raise Refusal("The proof is empty (0 bytes), so it may not have copied fully; please attach it again.")
    if size > PROOF_MAX_BYTES:
        raise Refusal(f"The proof is {size // (1024 * 1024)} MB; the largest proof accepted is {PROOF_MAX_BYTES // (1024 * 1024)} MB.")
    proof.seek(0)
    detected = filetypes.sniff(proof.read(filetypes.SNIFF_BYTES))
    if detected.mime not in PROOF_TYPES:
        raise Refusal(f"The proof is {detected.description}; attach a PDF, JPEG or PNG.")
    proof.seek(0)
    digest = hashlib.sha256()
    for chunk in proof.chunks():
        digest.update(chunk)
    return PROOF_TYPES[detected.mime], digest.hexdigest()


def _forget(names: list[str]) -> None:
    """Delete proofs stored by a transaction that did not commit."""
    for name in names:
        default_storage.delete(name)


def _check_payment_input(*, amount: Decimal, method: str, reference: str, received_on: dt.date) -> Decimal:
    """What a payment must be whatever the case: the amount as a Decimal, or a Refusal."""
    limits.check_length(reference.strip(), limits.REFERENCE, "The reference")
    amount = check_money(amount, "The payment amount", may_be_negative=True)
    if method not in Method.values:
        *others, last = (label.lower() for label in Method.labels)
        raise Refusal(f"A payment is made by {', '.join(others)} or {last}.")
    if amount <= 0:
        raise Refusal("A payment is more than zero.")
    if not reference.strip():
        raise Refusal("Give the bank or card reference, so the same payment is never recorded twice.")
    if received_on > clinic_today():
        raise Refusal("A payment cannot be received in the future.")
    return amount


def _invoice_to_pay(case: Case, paid: Decimal, named: Invoice | None) -> Invoice | None:
    """The invoice a payment goes against: the one named (refused if it cannot take one) or the first still open."""
    states = invoice_states(case, paid)
    if named is None:
        return next((s.invoice for s in states if not s.settled), None)
    if named.case_id != case.pk:
        raise Refusal("That invoice is not one of this case's invoices.")
    if named.cancelled_at is not None:
        raise Refusal(f"Invoice {named.label} is cancelled; nothing can be paid against it.")
    state = next((s for s in states if s.invoice.pk == named.pk), None)
    if state is None or state.settled:
        raise Refusal(f"Invoice {named.label} is paid; nothing more is owed on it.")
    return named


def _check_received_on(received_on: dt.date, invoice: Invoice | None, quote: Quote) -> None:
    if invoice is not None and received_on < invoice.issued_on:
        raise Refusal(f"A payment cannot be received before its invoice {invoice.label} was issued ({invoice.issued_on:%d %b %Y}).")
    accepted = timezone.localdate(quote.accepted_at, timezone=clinic_zone()) if quote.accepted_at else None
    if invoice is None and accepted is not None and received_on < accepted:
        raise Refusal(f"A payment cannot be received before the quote was accepted ({accepted:%d %b %Y}).")


def check_reverse_payment(*, case: Case, by: User, payment: Payment | None = None) -> None:
    """Finance takes back a payment recorded by mistake, once, with a reason."""
    require_perm(by, "billing.record_payment", "reverse payments")
    if payment is not None and payment.case_id != case.pk:
        raise Refusal("That payment is not one of this case's payments.")
    if payment is not None and payment.reversed_at is not None:
        raise Refusal(f"The payment {payment.reference} is already reversed.")
    if case.stage_enum in ENDINGS:
        # The credit note's refund was worked out from what was paid; taking a payment back now would undo it.
        credit_note = case.credit_notes.first()
        if credit_note is not None:
            raise Refusal(f"Credit note {credit_note.label} is issued for {case.code}; its payments can no longer be reversed.")


def reverse_payment(*, payment: Payment, by: User, reason: str) -> PaymentReversal:
    """Correct a payment recorded by mistake: the journal moves it back and the reason stays on the record.

    The case's stage does not move back; what is owed again is owed, and the treatment gate sees it.
    """
    with transaction.atomic():
        case = lock_case(payment.case_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        check_reverse_payment(case=case, by=by, payment=payment)
        limits.check_length(reason, limits.REASON, "The reason")
        if not reason.strip():
            raise Refusal("A reversal needs a reason on the record.")
        reversal = PaymentReversal.objects.create(payment=payment, reason=reason.strip(), reversed_by=by)
        payment.reversed_at = reversal.reversed_at
        payment.save(update_fields=["reversed_at"])
        for entry in payment.entries.filter(kind=EntryKind.PAYMENT):
            ledger.reverse(entry=entry, memo=f"Reversal: {reason.strip()}", by=by)
        touch(case)
        summary = f"Payment of {payment.amount:,.2f} {payment.currency} reversed ({payment.get_method_display()} {payment.reference})"
        record_event(case=case, by=by, kind=EventKind.PAYMENT, summary=summary, reason=reason, data={"payment": str(payment.uuid)})
    return reversal


def _issue_invoice(*, case: Case, quote: Quote, kind: InvoiceKind, amount: Decimal, due_on: dt.date, by: User) -> Invoice:
    """Issue one invoice with the next number of its series and year.

    django-sequences locks the series' row until the caller's transaction ends, so two of finance issuing at
    once get consecutive numbers, and a rolled-back issue gives its number back: no gap, no duplicate. The
    callers' transactions are short and never wait on a payment provider.
    """
    today = clinic_today()
    number = get_next_value(f"invoice:{INVOICE_SERIES}:{today.year}")
    return Invoice.objects.create(
        case=case,
        quote=quote,
        kind=kind,
        series=INVOICE_SERIES,
        year=today.year,
        number=number,
        amount=amount,
        currency=quote.currency,
        issued_on=today,
        due_on=due_on,
        issued_by=by,
    )


def sync_invoices(*, case: Case, by: User) -> list[Invoice]:
    """Issue the deposit and balance invoices of a scheduled case, or move their due dates with its dates (rule 6).

    Called by `travel.services.schedule_case` inside its transaction, holding the case lock, once the dates
    are stored. The deposit is due DEPOSIT_DAYS_BEFORE_ARRIVAL days before arrival, the balance
    BALANCE_DAYS_BEFORE_THERAPY days before the first therapy day; each move is on the case's trail.
    """
    quote = accepted_quote(case)
    if quote is None or case.arrival_date is None or case.first_therapy_day is None:
        return []
    due = {InvoiceKind.DEPOSIT: deposit_due_on(case.arrival_date), InvoiceKind.BALANCE: balance_due_on(case.first_therapy_day)}
    amounts = {InvoiceKind.DEPOSIT: quote.deposit, InvoiceKind.BALANCE: quote.balance_amount}
    live = {inv.kind: inv for inv in Invoice.objects.select_for_update().filter(quote=quote, cancelled_at__isnull=True)}
    for kind in (InvoiceKind.DEPOSIT, InvoiceKind.BALANCE):
        invoice = live.get(kind)
        if invoice is None and amounts[kind] > 0:
            invoice = _issue_invoice(case=case, quote=quote, kind=kind, amount=amounts[kind], due_on=due[kind], by=by)
            live[kind] = invoice
            summary = (
                f"Invoice {invoice.label} issued: {kind.label.lower()} {invoice.amount:,.2f} {invoice.currency}"
                f" due {invoice.due_on:%d %b %Y}"
            )
            record_event(case=case, by=by, kind=EventKind.PAYMENT, summary=summary, data={"invoice": str(invoice.uuid)})
        elif invoice is not None and invoice.due_on != due[kind]:
            before, invoice.due_on = invoice.due_on, due[kind]
            invoice.save(update_fields=["due_on"])
            summary = f"Invoice {invoice.label} ({kind.label.lower()}) now due {invoice.due_on:%d %b %Y} instead of {before:%d %b %Y}"
            data = {"invoice": str(invoice.uuid), "due_on": str(invoice.due_on), "was": str(before)}
            record_event(case=case, by=by, kind=EventKind.PAYMENT, summary=summary, data=data)
    return sorted(live.values(), key=lambda inv: (inv.due_on, inv.pk))


OVERRIDABLE = frozenset({Stage.DEPOSIT_PAID, Stage.ARRIVED, Stage.IN_TREATMENT})


def check_override_balance(*, case: Case, by: User) -> None:
    """A finance manager may sign one override, while a balance is open."""
    require_perm(by, "billing.override_balance", "override an open balance")
    expect_stage(case, OVERRIDABLE, "override the balance")
    money = account(case)
    if not money.balance_open:
        raise Refusal("Nothing is owed; no override is needed.")
    if money.overridden:
        raise Refusal(f"A balance override is already signed for {case.code}.")


def grant_balance_override(
    *, case: Case, by: User, reason: str, password: str, second_factor: str = "", request: HttpRequest | None = None
) -> BalanceOverride:
    """A finance manager lets sessions start while a balance is open, signed, with a reason."""
    meaning = "sessions may start with a balance open"
    verified = verify_signer(signer=by, password=password, second_factor=second_factor, meaning=meaning, request=request)
    with transaction.atomic():
        case = lock_case(case)
        check_override_balance(case=case, by=by)
        limits.check_length(reason, limits.REASON, "The reason")
        if not reason.strip():
            raise Refusal("An override needs a reason on the record.")
        override = BalanceOverride(case=case, reason=reason, granted_by=by)
        override.signature = sign(verified=verified, subject=f"case:{case.uuid}", content=override.as_signed_content())
        override.save()
        signature = override.signature
        touch(case)
        data = {"signature": signature.pk}
        record_event(case=case, by=by, kind=EventKind.BALANCE_OVERRIDE, summary="Balance override signed", reason=reason, data=data)
    return override


def publish_price_list(*, by: User, currency: str, prices: dict[str, Decimal], effective_from: dt.date | None = None) -> PriceList:
    """Publish a new price list version, in force from `effective_from` (today if not given; clinic calendar).

    Issued quotes keep the prices they were made with; until the date comes, new quotes use the version
    before. Refused: a date in the past (quotes already issued were priced by the list then in force) or
    before the effective date of the latest version (versions take effect in the order published).
    """
    require_perm(by, "billing.edit_price_list", "change the price list")
    today = clinic_today()
    effective_from = effective_from or today
    if effective_from < today:
        raise Refusal("A price list cannot take effect in the past: quotes already issued were priced by the one then in force.")
    missing = set(PRICE_FIELDS) - set(prices)
    if missing:
        raise Refusal(f"Prices missing: {', '.join(sorted(missing))}.")
    if len(currency) != 3 or not currency.isalpha():
        raise Refusal("A currency is a three-letter code, e.g. EUR.")
    currency = check_currency(currency)
    if minor_unit(currency) > MONEY_DECIMALS:
        raise Refusal(f"Prices are kept to {MONEY_DECIMALS} decimals; {currency} has {minor_unit(currency)}.")
    prices = {name: check_money(prices[name], f"The price for {price_label(name)}") for name in PRICE_FIELDS}
    for name, price in prices.items():
        if price and price != round_money(price, currency):
            raise Refusal(f"The price for {price_label(name)} has more decimals than {currency} has.")
    with transaction.atomic():
        last = PriceList.objects.select_for_update().order_by("-version").first()
        if last is not None and effective_from < last.effective_from:
            raise Refusal(
                f"Version {last.version} takes effect on {last.effective_from:%d %b %Y}; a newer version cannot take effect before it."
            )
        PriceList.objects.filter(active=True).update(active=False)
        price_list = PriceList.objects.create(
            version=(last.version + 1) if last else 1,
            currency=currency.upper(),
            active=True,
            effective_from=effective_from,
            created_by=by,
            **prices,
        )
        audit_record(actor=by, action="price_list.published", target=str(price_list))
    return price_list
