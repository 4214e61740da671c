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
