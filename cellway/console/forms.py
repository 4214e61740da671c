"""Forms of the staff console. They check types and shapes; every rule lives in a service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from cellway import limits
from cellway.accounts.models import User
from cellway.billing.models import Method
from cellway.billing.money import MONEY_DECIMALS, MONEY_MAX_DIGITS, money_limit
from cellway.cases.models import Condition, Source
from cellway.plans.models import TherapyPlan, Verdict
from cellway.plans.services import PLAN_FIELDS
from cellway.records.models import ItemStatus
from cellway.treatment.models import SessionKind

DATE = forms.DateInput(attrs={"type": "date"})


def money_field(*, min_value: Decimal | None = Decimal(0), **kwargs: Any) -> forms.DecimalField:
    """An amount the money fields can hold (billing.money), bounded in the browser too."""
    return forms.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMALS, max_value=money_limit(), min_value=min_value, **kwargs
    )


class InquiryForm(forms.Form):
    full_name = forms.CharField(max_length=limits.NAME, label="Patient's name")
    email = forms.EmailField(required=False, max_length=limits.EMAIL)
    phone = forms.CharField(max_length=limits.PHONE, required=False)
    country = forms.CharField(max_length=limits.COUNTRY)
    language = forms.CharField(max_length=limits.LANGUAGE, initial="English")
    condition = forms.ModelChoiceField(Condition.objects.all(), empty_label=None)
    source = forms.ChoiceField(choices=Source.choices, label="How they reached us")
    message = forms.CharField(widget=forms.Textarea, required=False, max_length=limits.MESSAGE, label="What they wrote")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        ms = Condition.objects.filter(code="ms").first()
        if ms:
            self.fields["condition"].initial = ms.pk


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON)


class ItemStatusForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=ItemStatus.choices)
    note = forms.CharField(max_length=limits.SHORT, required=False)


class AttachForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField()


class AssignForm(forms.Form):
    specialist = forms.ModelChoiceField(User.objects.filter(groups__name="Specialist", is_active=True))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON)


class PlanForm(forms.ModelForm):
    class Meta:
        model = TherapyPlan
        fields = list(PLAN_FIELDS)
        widgets = {"schedule": forms.Textarea(attrs={"rows": 4}), "notes": forms.Textarea(attrs={"rows": 2})}


class SignForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), label="Your password, to sign")


class AcceptQuoteForm(forms.Form):
    quote = forms.UUIDField(widget=forms.HiddenInput)
    note = forms.CharField(max_length=limits.SHORT, label="How the patient accepted", initial="")


class ReviseQuoteForm(forms.Form):
    adjustment = money_field(min_value=-money_limit(), help_text="Negative for a discount.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON)


class ScreeningForm(forms.Form):
    sample_date = forms.DateField(widget=DATE)
    laboratory = forms.CharField(max_length=limits.NAME, required=False)
    markers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.MARKERS, help_text="Markers and values as reported."
    )
    report = forms.FileField(required=False)


class JudgeForm(SignForm):
    result = forms.UUIDField(widget=forms.HiddenInput)
    verdict = forms.ChoiceField(
        choices=[(Verdict.SATISFACTORY, "Satisfactory"), (Verdict.UNSATISFACTORY, "Unsatisfactory")], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=limits.REASON,
        help_text="Required when unsatisfactory: it refuses the case.",
    )


class ScheduleForm(forms.Form):
    arrival_date = forms.DateField(widget=DATE)
    first_therapy_day = forms.DateField(widget=DATE)
    reason = forms.CharField(max_length=limits.REASON, required=False, help_text="Required when moving dates.")


class PaymentForm(forms.Form):
    amount = money_field(min_value=Decimal("0.01"))
    method = forms.ChoiceField(choices=Method.choices)
    reference = forms.CharField(max_length=limits.REFERENCE)
    received_on = forms.DateField(widget=DATE)


class OverrideForm(SignForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON)


class ConfirmTaskForm(forms.Form):
    task = forms.IntegerField(widget=forms.HiddenInput)
    details = forms.CharField(max_length=limits.SHORT)


class SessionForm(forms.Form):
    kind = forms.ChoiceField(choices=SessionKind.choices)
    day = forms.DateField(widget=DATE)
    given = forms.CharField(max_length=limits.SHORT, help_text="What was given, e.g. '50 million wjMSCs IV'.")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=limits.NOTE)


class ProtocolForm(SignForm):
    instructions = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=limits.DOCUMENT)


class AssessmentForm(forms.Form):
    assessment = forms.IntegerField(widget=forms.HiddenInput)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=limits.NOTE)


class EndCaseForm(forms.Form):
    ending = forms.ChoiceField(
        choices=[("declined", "Declined by the patient"), ("refused", "Refused by the clinic"), ("withdrawn", "Withdrawn")]
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON)
    version = forms.IntegerField(widget=forms.HiddenInput)


class PriceListForm(forms.Form):
    """Every unit price of a new price list version."""

    currency = forms.CharField(max_length=3, min_length=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from cellway.billing.models import PRICE_FIELDS, price_label

        for name in PRICE_FIELDS:
            self.fields[name] = money_field(label=price_label(name).capitalize())
