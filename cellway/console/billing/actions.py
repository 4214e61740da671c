"""Quote and payment actions on a case."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cellway.accounts.models import User
from cellway.billing import paylinks, refunds, services
from cellway.billing.models import Method, Payment, Quote, Refund
from cellway.cases.models import Case
from cellway.console.actions import View, case_action, signing_action
from cellway.console.billing import forms
from cellway.console.templatetags.console import money
from cellway.errors import Refusal


def _accept_quote(case: Case, d: dict[str, Any], user: User) -> str:
    try:
        quote = case.quotes.get(uuid=d["quote"])
    except Quote.DoesNotExist:
        raise Refusal("That quote is not part of this case.") from None
    services.accept_quote(quote=quote, by=user, note=d["note"])
    return f"Quote v{quote.version} accepted."


def _revise_quote(case: Case, d: dict[str, Any], user: User) -> str:
    quote = services.revise_quote(case=case, by=user, adjustment=d["adjustment"], reason=d["reason"])
    return f"Quote v{quote.version} issued: {money(quote.total)} {quote.currency}."


def _payment(case: Case, d: dict[str, Any], user: User) -> str:
    payment = services.record_payment(case=case, by=user, **d)
    return f"Payment of {money(payment.amount)} {payment.currency} recorded."


def _reverse_payment(case: Case, d: dict[str, Any], user: User) -> str:
    try:
        payment = case.payments.get(uuid=d["payment"])
    except Payment.DoesNotExist:
        raise Refusal("That payment is not one of this case's payments.") from None
    services.reverse_payment(payment=payment, by=user, reason=d["reason"])
    return f"Payment {payment.reference} of {money(payment.amount)} {payment.currency} reversed; the reason is on the record."


def _send_pay_link(case: Case, d: dict[str, Any], user: User) -> str:
    invoice = case.invoices.filter(uuid=d["invoice"]).first()
    if invoice is None:
        raise Refusal("That invoice is not one of this case's invoices.")
    paylinks.send_pay_link(invoice=invoice, by=user)
    return f"The pay link for {invoice.label} is on its way to {case.patient.email} (in the patient's language)."


def _override(case: Case, d: dict[str, Any], user: User, request: HttpRequest) -> str:
    services.grant_balance_override(
        case=case, by=user, reason=d["reason"], password=d["password"], second_factor=d.get("code", ""), request=request
    )
    return "Override signed: sessions may start with the balance open."


ACTIONS: dict[str, View] = {
    "quote-accept": case_action(forms.AcceptQuoteForm, "quote", _accept_quote),
    "quote-revise": case_action(forms.ReviseQuoteForm, "revise_quote", _revise_quote, anchor="quote"),
    "payment": case_action(forms.PaymentForm, "payment", _payment, anchor="account"),
    "payment-reverse": case_action(forms.ReversePaymentForm, "reverse_payment", _reverse_payment, anchor="account"),
    "pay-link": case_action(forms.SendPayLinkForm, "pay_link", _send_pay_link, anchor="account"),
    "override": signing_action(forms.OverrideForm, "override", _override, anchor="account"),
}


def _credit_note(case: Case, d: dict[str, Any], user: User) -> str:
    note = refunds.issue_credit_note(case=case, by=user, note=d["note"], refund=d["refund"], method=d["method"])
    done = f"Credit note {note.label} issued: {money(note.amount)} {note.currency} credited, {money(note.refund)} to refund."
    if note.refund and note.refund_task.method == Method.CARD:
        try:
            refund = refunds.refund_by_card(note, user)
        except Refusal as why:  # the credit note stands; the refund waits on finance's list
            return f"{done} {why.message}"
        return f"{done} Refunded to the card that paid (Stripe {refund.reference})."
    return done


def _record_refund(case: Case, d: dict[str, Any], user: User) -> str:
    try:
        refund = case.refunds.select_related("credit_note").get(uuid=d["refund"])
    except Refund.DoesNotExist:
        raise Refusal("That refund is not one of this case's refunds.") from None
    refunds.record_refund(refund=refund, by=user, reference=d["reference"], paid_on=d["paid_on"])
    return f"Refund of {money(refund.amount)} {refund.currency} under {refund.credit_note.label} recorded as made."


def _refund_card(case: Case, d: dict[str, Any], user: User) -> str:
    try:
        refund = case.refunds.select_related("credit_note__case").get(uuid=d["refund"])
    except Refund.DoesNotExist:
        raise Refusal("That refund is not one of this case's refunds.") from None
    made = refunds.refund_by_card(refund.credit_note, user)
    label = made.credit_note.label
    return f"Refund of {money(made.amount)} {made.currency} under {label} made to the card that paid (Stripe {made.reference})."


ACTIONS |= {
    "refund-card": case_action(forms.RefundCardForm, "refund_card", _refund_card, anchor="refund"),
    "credit-note": case_action(forms.CreditNoteForm, "credit_note", _credit_note, anchor="refund"),
    "refund-record": case_action(forms.RecordRefundForm, "record_refund", _record_refund, anchor="refund"),
}
