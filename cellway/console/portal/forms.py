"""Forms of the portal panel. They check types and shapes; every rule lives in the portal's services."""

from __future__ import annotations

from django import forms

from cellway import limits
from cellway.console.plans.forms import DATE
from cellway.portal.models import GuardianDocument


class GuardianForm(forms.Form):
    full_name = forms.CharField(max_length=limits.NAME, label="Guardian's name")
    email = forms.EmailField(max_length=254, label="Guardian's email address")
    document_kind = forms.ChoiceField(choices=GuardianDocument.choices, label="Document it rests on")
    document_reference = forms.CharField(max_length=120, label="Document reference", help_text="Its number, or the court and case number.")
    document_date = forms.DateField(widget=DATE, label="Document dated")


class EndGuardianshipForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON, label="Why it ends")
