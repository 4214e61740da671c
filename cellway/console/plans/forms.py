"""Forms of the plan and screening panels. They check types and shapes; every rule lives in a service."""

from __future__ import annotations

from django import forms

from cellway import limits
from cellway.plans.models import PLAN_FIELDS, TherapyPlan, Verdict

DATE = forms.DateInput(attrs={"type": "date"})


# ModelForm is generic only in django-stubs; subscripting it at run time needs django_stubs_ext (+0.1 s start-up).
class PlanForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = TherapyPlan
        fields = list(PLAN_FIELDS)
        widgets = {"schedule": forms.Textarea(attrs={"rows": 4}), "notes": forms.Textarea(attrs={"rows": 2})}


class SignForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), label="Your password, to sign")
    # Asked when the session has not shown the second factor lately (audit/two_components.py decides).
    code = forms.CharField(
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        label="Code from your authenticator app",
    )


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
