"""Card payments through Stripe's hosted Checkout: a press of "Pay by card", the webhook's events, the payment.

The payment is recorded from the webhook only, never from the page Stripe sends the patient back to:

1. `start_checkout` (a press of the pay link's button): a fresh Checkout Session per press, the one before
   expired first, a deterministic idempotency key per attempt. No transaction is open while Stripe is asked.
2. `receive_event` (the webhook, signature already verified): each event stored once by its id; a replay
   changes nothing. Unknown sessions are refused with nothing written.
3. `apply_session` (the task `billing.tasks.process_stripe_event`, with the session re-read from Stripe's API):
   records the payment through `services.record_card_payment` with its journal in one transaction.
   Idempotent and safe out of order: an `expired` after `completed` finds the session complete.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cellway.billing import services, stripe_api
from cellway.billing.models import LIVE_CHECKOUT, CheckoutAttempt, CheckoutStatus, Invoice, StripeEvent
from cellway.billing.money import minor_unit
from cellway.billing.selectors import InvoiceState, invoice_states
from cellway.billing.services import PAYABLE
from cellway.cases.models import Case
from cellway.cases.services import lock_case
from cellway.errors import Refusal

if TYPE_CHECKING:
    import stripe

log = logging.getLogger(__name__)

# The events Cellway acts on; any other is answered 200 and left alone.
HANDLED = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount in the currency's smallest unit, as Stripe counts it (EUR 10.50 -> 1050, JPY 1000 -> 1000)."""
    return int(amount.scaleb(minor_unit(currency)).to_integral_exact())


def from_minor(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-minor_unit(currency))


def invoice_state(invoice: Invoice) -> InvoiceState | None:
    """The invoice's state (what is paid of it), None if it is cancelled."""
    return next((s for s in invoice_states(invoice.case) if s.invoice.pk == invoice.pk), None)


def check_pay_by_card(invoice: Invoice, state: InvoiceState | None = None) -> None:
    """An invoice can be paid by card while card payments are configured, it is live and open, and its case pays.

    `state`: the invoice's state when the caller has it already (the portal's list), else it is read.
    """
    if not stripe_api.configured():
        raise stripe_api.CardPaymentsOff(_("Card payment is not available; please pay by bank transfer as the invoice says."))
    if invoice.cancelled_at is not None:
        raise Refusal(_("Invoice %(label)s is cancelled; nothing can be paid against it.") % {"label": invoice.label})
    if invoice.case.stage_enum not in PAYABLE:
        raise Refusal(_("Invoice %(label)s cannot be paid now; the clinic will contact you.") % {"label": invoice.label})
    if state is None:
        state = invoice_state(invoice)
    if state is None or state.settled:
        raise Refusal(_("Invoice %(label)s is paid; nothing more is owed on it.") % {"label": invoice.label})


def start_checkout(invoice: Invoice, *, return_url: str) -> CheckoutAttempt:
    """A fresh Checkout Session for what `invoice` still owes; the live one before it is expired first.

    Two presses at once (a double click): the second waits for the first's short transaction, then
    supersedes its attempt; whichever of them hears back from Stripe last for a superseded attempt expires
    that session, so at most one session is open per invoice. `return_url` is where Stripe sends the patient
    back (the pay link's page); it records nothing.
    """
    with transaction.atomic():
        case = lock_case(invoice.case_id)
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        invoice.case = case
        state = invoice_state(invoice)
        check_pay_by_card(invoice, state)
        assert state is not None  # the check refuses an invoice without one
        attempts = CheckoutAttempt.objects.select_for_update().filter(invoice=invoice)
        stale = [a for a in attempts if a.status in LIVE_CHECKOUT]
        last = max((a.attempt for a in attempts), default=0)
        now = timezone.now()
        CheckoutAttempt.objects.filter(pk__in=[a.pk for a in stale]).update(status=CheckoutStatus.SUPERSEDED, closed_at=now)
        attempt = CheckoutAttempt.objects.create(
            invoice=invoice,
            attempt=last + 1,
            idempotency_key=CheckoutAttempt.key_for(invoice, last + 1),
            amount=state.open_amount,
            currency=invoice.currency,
        )
    import stripe  # only where a card payment is made: 0.2 s of start-up for every other process

    client = stripe_api.client()
    for old in stale:
        if old.session_id and _expire(client, old.session_id) == "complete":
            _close(attempt, CheckoutStatus.FAILED)
            raise Refusal(_("A card payment of this invoice has just been made; it shows here once the card company confirms it."))
    try:
        session = client.v1.checkout.sessions.create(
            cast(Any, _session_params(attempt, case.code, return_url)), {"idempotency_key": attempt.idempotency_key}
        )
    except stripe.StripeError as error:
        log.warning("Stripe refused a Checkout Session for %s: %s", attempt.idempotency_key, error)
        _close(attempt, CheckoutStatus.FAILED)
        raise stripe_api.ProviderError(
            _("The card payment page could not be opened just now; nothing was charged. Please try again.")
        ) from None
    with transaction.atomic():
        attempt = CheckoutAttempt.objects.select_for_update().get(pk=attempt.pk)
        attempt.session_id, attempt.url = session.id, session.url or ""
        if attempt.status == CheckoutStatus.PENDING:
            attempt.status = CheckoutStatus.OPEN
        attempt.save(update_fields=["session_id", "url", "status"])
    if attempt.status == CheckoutStatus.SUPERSEDED:  # a newer press came while Stripe answered this one
        _expire(client, session.id)
    return attempt


def _session_params(attempt: CheckoutAttempt, case_code: str, return_url: str) -> dict[str, Any]:
    invoice = attempt.invoice
    marks = {"cellway_invoice": str(invoice.uuid), "cellway_attempt": attempt.idempotency_key, "cellway_case": case_code}
    return {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": attempt.currency.lower(),
                    "unit_amount": to_minor(attempt.amount, attempt.currency),
                    "product_data": {"name": f"{settings.CLINIC_NAME} · {invoice.label}"},
                },
            }
        ],
        "client_reference_id": str(invoice.uuid),
        "metadata": marks,
        "payment_intent_data": {"metadata": marks},
        "success_url": f"{return_url}?paid=1",
        "cancel_url": return_url,
        "expires_at": int(time.time()) + settings.CHECKOUT_SESSION_MINUTES * 60,
    }


def _close(attempt: CheckoutAttempt, status: CheckoutStatus) -> None:
    CheckoutAttempt.objects.filter(pk=attempt.pk, status=CheckoutStatus.PENDING).update(status=status, closed_at=timezone.now())


def _expire(client: stripe.StripeClient, session_id: str) -> str:
    """Expire an open session at Stripe; its status after (a session already paid or expired stays as it is)."""
    import stripe

    try:
        return str(client.v1.checkout.sessions.expire(session_id).status)
    except stripe.StripeError:
        try:
            return str(client.v1.checkout.sessions.retrieve(session_id).status)
        except stripe.StripeError:
            return "unknown"


@dataclass(frozen=True)
class Received:
    """What the webhook answers: its HTTP status, a short reason, and the stored event to process (if any)."""

    status: int
    reason: str
    event_pk: int | None = None


def receive_event(event: dict[str, Any]) -> Received:
    """Store a verified webhook event once. A replay of one processed changes nothing; an unknown session, nothing written."""
    etype = str(event["type"])
    if etype not in HANDLED:
        return Received(200, f"Ignored: Cellway does not act on {etype}.")
    obj = event["data"]["object"]
    session_id = str(obj["id"]) if obj.get("id") else ""
    attempt = CheckoutAttempt.objects.filter(session_id=session_id).first() if session_id else None
    if attempt is None and session_id:
        # Stripe answered, and the patient paid, before the attempt noted the session's id (its own metadata names it).
        key = (obj.get("metadata") or {}).get("cellway_attempt")
        attempt = CheckoutAttempt.objects.filter(idempotency_key=key, session_id__isnull=True).first() if key else None
    if attempt is None:
        return Received(404, "No checkout of Cellway's has that session; nothing recorded.")
    created = dt.datetime.fromtimestamp(int(event.get("created") or time.time()), tz=dt.UTC)
    try:
        with transaction.atomic():
            stored = StripeEvent.objects.create(
                event_id=str(event["id"]), type=etype, session_id=session_id, attempt=attempt, created=created
            )
    except IntegrityError:
        stored = StripeEvent.objects.get(event_id=str(event["id"]))
        if stored.processed_at is not None:
            return Received(200, "Already received and processed; nothing more to do.")
        # Received before but not processed (the task failed, Stripe was unreachable): process it again.
        return Received(200, "Already received; processing it again.", stored.pk)
    return Received(200, "Received.", stored.pk)


def process_event(event_pk: int) -> str:
    """Re-read the event's session from Stripe's API and apply it (the task's body). Returns what was done."""
    event = StripeEvent.objects.get(pk=event_pk)
    if event.processed_at is not None:
        return event.outcome
    session = stripe_api.retrieve_session(event.session_id)
    return apply_session(event_pk, session.to_dict())


def apply_session(event_pk: int, session: dict[str, Any]) -> str:
    """Bring the attempt in line with the session as Stripe has it now, in one transaction.

    Complete and paid: the payment is recorded once (a second event for the same session finds it).
    Expired: the attempt is marked expired unless it is complete already. Anything else: nothing.
    """
    event = StripeEvent.objects.select_related("attempt__invoice").get(pk=event_pk)
    with transaction.atomic():
        case = lock_case(event.attempt.invoice.case_id)
        attempt = CheckoutAttempt.objects.select_for_update().select_related("invoice").get(pk=event.attempt_id)
        event = StripeEvent.objects.select_for_update().get(pk=event_pk)
        if event.processed_at is not None:
            return event.outcome
        if str(session["id"]) != event.session_id:
            outcome = "Stripe answered with another session; nothing recorded."
        elif session["status"] == "complete" and session["payment_status"] in ("paid", "no_payment_required"):
            outcome = _complete(case, attempt, session)
        elif session["status"] == "expired":
            if attempt.status in (*LIVE_CHECKOUT, CheckoutStatus.SUPERSEDED):
                attempt.status, attempt.closed_at = CheckoutStatus.EXPIRED, timezone.now()
                attempt.save(update_fields=["status", "closed_at"])
                outcome = "Session expired."
            else:
                outcome = f"Session expired; the attempt stays {attempt.status}."
        else:
            outcome = f"Session is {session['status']} ({session['payment_status']}); nothing to do yet."
        if attempt.session_id is None:
            attempt.session_id = event.session_id
            attempt.save(update_fields=["session_id"])
        event.processed_at, event.outcome = timezone.now(), outcome[:200]
        event.save(update_fields=["processed_at", "outcome"])
    return outcome


def _complete(case: Case, attempt: CheckoutAttempt, session: dict[str, Any]) -> str:
    if attempt.payment_id is not None:
        return "Already recorded."
    currency = str(session["currency"]).upper()
    amount = from_minor(int(session["amount_total"]), currency)
    reference = str(session.get("payment_intent") or session["id"])
    payment = services.record_card_payment(
        case=case, invoice=attempt.invoice, amount=amount, currency=currency, provider_reference=reference
    )
    attempt.payment, attempt.status, attempt.closed_at = payment, CheckoutStatus.COMPLETE, timezone.now()
    attempt.save(update_fields=["payment", "status", "closed_at"])
    if payment.refund_due:
        return f"Paid {amount} {currency}; {payment.refund_due} {currency} flagged for refund."
    return f"Paid {amount} {currency}."
