"""Forms of the records pages. They check types and shapes; every rule lives in a service."""

from __future__ import annotations

from django import forms

from cellway import limits
from cellway.records.models import ItemStatus
from cellway.records.services import SORT_KINDS


class ItemStatusForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=ItemStatus.choices)
    note = forms.CharField(max_length=limits.SHORT, required=False)


class AttachForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField()


class SortForm(forms.Form):
    """Where a file a visitor sent with a web inquiry belongs (records.services.sort_record)."""

    record = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in SORT_KINDS])
