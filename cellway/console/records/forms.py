"""Forms of the records pages. They check types and shapes; every rule lives in a service."""

from __future__ import annotations

from django import forms

from cellway import limits
from cellway.records.models import ItemStatus


class ItemStatusForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=ItemStatus.choices)
    note = forms.CharField(max_length=limits.SHORT, required=False)


class AttachForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField()
