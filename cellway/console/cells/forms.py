"""Forms of the laboratory pages. They check types and shapes; every rule lives in cellway.cells.services."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from cellway import limits
from cellway.cells.models import MAX_VIALS, Route
from cellway.cells.services import Leg
from cellway.console.plans.forms import DATE, SignForm

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"})


class LotForm(forms.Form):
    donor_id = forms.CharField(label="Donor identification", max_length=40)
    collection_date = forms.DateField(widget=DATE)
    consent_on_file = forms.BooleanField(required=False, label="Donor's consent on file")
    donor_eligible = forms.BooleanField(required=False, label="Donor eligibility on file")
    processing = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.NOTE,
        label="Processing steps with dates",
        help_text="e.g. 02 Nov cord received; 03 Nov P0 explant; 17 Nov P1; 28 Nov P2 harvest, cryopreserved.",
    )
    passage = forms.IntegerField(min_value=0, max_value=20, initial=2)
    cells_per_vial = forms.IntegerField(min_value=1_000_000, max_value=1_000_000_000, initial=50_000_000)
    vial_count = forms.IntegerField(min_value=1, max_value=MAX_VIALS, initial=6)
    vial_volume_ml = forms.DecimalField(label="Volume per vial (mL)", min_value=Decimal("0.1"), max_digits=6, decimal_places=2)
    storage_location = forms.CharField(max_length=80)
    storage_temperature_c = forms.DecimalField(label="Storage temperature (°C)", max_digits=5, decimal_places=1)
    expires_at = forms.DateTimeField(label="Expires (clinic time)", widget=DATETIME)


class ResultForm(forms.Form):
    code = forms.ChoiceField(label="Test")
    value = forms.DecimalField(required=False, max_digits=14, decimal_places=4, help_text="A number, with its unit…")
    unit = forms.CharField(required=False, max_length=20)
    text = forms.CharField(required=False, max_length=60, label="…or a finding", help_text="e.g. negative, no growth, pass, normal")
    method = forms.CharField(max_length=120)
    measured_by = forms.CharField(max_length=limits.NAME)
    measured_on = forms.DateField(widget=DATE)

    def __init__(self, *args: object, tests: list[tuple[str, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["code"].choices = tests or []  # type: ignore[attr-defined]


class RejectForm(SignForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON)


class HoldForm(SignForm):
    decision = forms.ChoiceField(choices=[("resume", "Fit for use: back to released"), ("discard", "Discard the lot")])
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON)


class AllocateForm(forms.Form):
    vial = forms.IntegerField(min_value=1, max_value=MAX_VIALS, label="Vial number")
    case = forms.CharField(max_length=16, label="Case code", help_text="e.g. CW-2026-0001")
    infusion = forms.ChoiceField(
        label="Planned infusion", choices=[(f"{route}-{n}", f"{label} {n}") for route, label in Route.choices for n in range(1, 11)]
    )


class HandOverForm(forms.Form):
    vial = forms.IntegerField(min_value=1, max_value=MAX_VIALS, label="Vial number")
    leg = forms.ChoiceField(choices=Leg.CHOICES, label="Hand-over")
    receiver = forms.CharField(max_length=150, label="Receiver's badge (username)", help_text="Scan or type the receiver's badge.")
    temperature_c = forms.DecimalField(label="Temperature (°C)", max_digits=5, decimal_places=1)
    location = forms.CharField(max_length=80)


class ReleaseForm(SignForm):
    """Only the password: the lot's results are what is signed."""
