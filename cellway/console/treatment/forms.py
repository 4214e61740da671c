"""Forms of the ward panels. They check types and shapes; every rule lives in a service."""

from __future__ import annotations

from django import forms

from cellway import limits
from cellway.console.plans.forms import DATE, SignForm
from cellway.treatment.models import SessionKind


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


class WeightForm(forms.Form):
    kg = forms.DecimalField(label="Weight (kg)", max_digits=5, decimal_places=1, min_value=0)


class BedsideForm(forms.Form):
    wristband = forms.CharField(
        max_length=60, label="Wristband (scan or type)", help_text="The Chain of Identity on the patient's wristband."
    )
    label = forms.CharField(
        max_length=80, label="Product label (scan or type)", help_text="Scan the Data Matrix, or type the DIN and vial number."
    )
    infusion = forms.CharField(max_length=8, label="Planned infusion", widget=forms.Select)

    def __init__(self, *args: object, infusions: list[tuple[str, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["infusion"].widget.choices = infusions or []


class AdministerForm(forms.Form):
    check = forms.IntegerField(widget=forms.HiddenInput)
