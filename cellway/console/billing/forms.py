"""Forms of the quote and account panels and the price list. They check types and shapes; every rule lives in a service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from cellway.billing.models import PRICE_FIELDS, Method, price_label
from cellway.console.plans.forms import DATE, SignForm


class AcceptQuoteForm(forms.Form):
    quote = forms.UUIDField(widget=forms.HiddenInput)
    note = forms.CharField(max_length=300, label="How the patient accepted", initial="")


class ReviseQuoteForm(forms.Form):
    adjustment = forms.DecimalField(max_digits=12, decimal_places=2, help_text="Negative for a discount.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    method = forms.ChoiceField(choices=Method.choices)
    reference = forms.CharField(max_length=80)
    received_on = forms.DateField(widget=DATE)


class OverrideForm(SignForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class PriceListForm(forms.Form):
    """Every unit price of a new price list version."""

    currency = forms.CharField(max_length=3, min_length=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in PRICE_FIELDS:
            self.fields[name] = forms.DecimalField(
                max_digits=12, decimal_places=2, min_value=Decimal(0), label=price_label(name).capitalize()
            )
