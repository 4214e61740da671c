"""Forms of the quote and account panels and the price list. They check types and shapes; every rule lives in a service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from cellway import limits
from cellway.billing.models import PRICE_FIELDS, Method, price_label
from cellway.billing.money import MONEY_DECIMALS, MONEY_MAX_DIGITS, money_limit
from cellway.console.plans.forms import DATE, SignForm


def money_field(*, min_value: Decimal | None = Decimal(0), **kwargs: Any) -> forms.DecimalField:
    """An amount the money fields can hold (billing.money), bounded in the browser too."""
    return forms.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMALS, max_value=money_limit(), min_value=min_value, **kwargs
    )


class AcceptQuoteForm(forms.Form):
    quote = forms.UUIDField(widget=forms.HiddenInput)
    note = forms.CharField(max_length=limits.SHORT, label="How the patient accepted", initial="")


class ReviseQuoteForm(forms.Form):
    adjustment = money_field(min_value=-money_limit(), help_text="Negative for a discount.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON)


class PaymentForm(forms.Form):
    amount = money_field(min_value=Decimal("0.01"))
    method = forms.ChoiceField(choices=Method.choices)
    reference = forms.CharField(max_length=80)
    received_on = forms.DateField(widget=DATE)
    proof = forms.FileField(
        required=False,
        label="Bank's proof",
        help_text="For a bank transfer: the statement line or remittance advice (PDF, JPEG or PNG).",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class ReversePaymentForm(forms.Form):
    payment = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON, label="Why it is reversed", strip=False)


class OverrideForm(SignForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON)


class PriceListForm(forms.Form):
    """Every unit price of a new price list version."""

    currency = forms.CharField(max_length=3, min_length=3)
    effective_from = forms.DateField(widget=DATE, label="In force from", help_text="Today or later (clinic calendar).")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in PRICE_FIELDS:
            self.fields[name] = money_field(label=price_label(name).capitalize())


class SendPayLinkForm(forms.Form):
    invoice = forms.UUIDField(widget=forms.HiddenInput)


class CreditNoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON, label="Why (on the record)")
    refund = money_field(label="Refund", help_text="What the policy gives back; less only if agreed with the patient.")
    method = forms.ChoiceField(
        choices=[(Method.TRANSFER.value, "Bank transfer (a task on finance's list)"), (Method.CARD.value, "To the card that paid")],
        initial=Method.TRANSFER.value,
        label="Refund by",
    )


class RecordRefundForm(forms.Form):
    refund = forms.UUIDField(widget=forms.HiddenInput)
    reference = forms.CharField(max_length=limits.REFERENCE, label="Bank reference of the transfer out")
    paid_on = forms.DateField(widget=DATE, label="Paid on")


class RefundCardForm(forms.Form):
    refund = forms.UUIDField(widget=forms.HiddenInput)
