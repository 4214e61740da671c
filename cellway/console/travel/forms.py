"""Forms of the dates and logistics panels. They check types and shapes; every rule lives in a service."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from cellway import limits
from cellway.clinic import clinic_zone
from cellway.console.plans.forms import DATE
from cellway.travel.models import Room


class ScheduleForm(forms.Form):
    arrival_date = forms.DateField(widget=DATE)
    first_therapy_day = forms.DateField(widget=DATE)
    reason = forms.CharField(max_length=limits.REASON, required=False, help_text="Required when moving dates.")


class ConfirmTaskForm(forms.Form):
    task = forms.IntegerField(widget=forms.HiddenInput)
    details = forms.CharField(max_length=limits.SHORT)


class ArrivalForm(forms.Form):
    """When the patient really arrived (clinic time); the reason when it is before the planned date."""

    arrived_at = forms.DateTimeField(
        label="Arrived at", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    reason = forms.CharField(
        max_length=limits.REASON, required=False, label="Reason", help_text="Needed when the patient came before the planned date."
    )

    def clean_arrived_at(self) -> dt.datetime:
        """The time is typed as the clinic's clocks show it, whatever zone the server runs in."""
        value: dt.datetime = self.cleaned_data["arrived_at"]
        return timezone.make_aware(timezone.make_naive(value), clinic_zone())


class UndoArrivalForm(forms.Form):
    reason = forms.CharField(max_length=limits.REASON, label="Why the arrival is undone")


class RoomForm(forms.Form):
    room = forms.ModelChoiceField(queryset=Room.objects.filter(active=True), label="Hospital room")
    first_day = forms.DateField(widget=DATE, label="From")
    last_day = forms.DateField(widget=DATE, label="To (included)")
