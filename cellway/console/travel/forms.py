"""Forms of the dates and logistics panels. They check types and shapes; every rule lives in a service."""

from __future__ import annotations

from django import forms

from cellway import limits
from cellway.console.plans.forms import DATE


class ScheduleForm(forms.Form):
    arrival_date = forms.DateField(widget=DATE)
    first_therapy_day = forms.DateField(widget=DATE)
    reason = forms.CharField(max_length=limits.REASON, required=False, help_text="Required when moving dates.")


class ConfirmTaskForm(forms.Form):
    task = forms.IntegerField(widget=forms.HiddenInput)
    details = forms.CharField(max_length=limits.SHORT)
