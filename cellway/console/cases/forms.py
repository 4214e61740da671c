"""Forms of the spine's staff pages. They check types and shapes; every rule lives in a service."""

from __future__ import annotations

from django import forms

from cellway import limits
from cellway.accounts.models import User
from cellway.cases.models import Condition, Source


class InquiryForm(forms.Form):
    full_name = forms.CharField(max_length=limits.NAME, label="Patient's name")
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    country = forms.CharField(max_length=80)
    language = forms.CharField(max_length=40, initial="English")
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


class AssignForm(forms.Form):
    specialist = forms.ModelChoiceField(User.objects.filter(groups__name="Specialist", is_active=True))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON)
    # The specialist the person saw when the page was drawn: an assignment made
    # meanwhile by someone else is refused, not silently overwritten.
    seen = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EndCaseForm(forms.Form):
    ending = forms.ChoiceField(
        choices=[("declined", "Declined by the patient"), ("refused", "Refused by the clinic"), ("withdrawn", "Withdrawn")]
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON)
    version = forms.IntegerField(widget=forms.HiddenInput)
