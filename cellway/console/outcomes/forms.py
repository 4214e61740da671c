"""Forms of the outcomes pages. They check types and shapes; every rule lives in a service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from cellway import limits
from cellway.cases.models import Condition
from cellway.outcomes.edss import RANGES
from cellway.outcomes.models import FS_FIELDS, FollowUpAssessment, ReportedMeasure, Severity
from cellway.portal.models import ReviewDecision

DATE = forms.DateInput(attrs={"type": "date"})
FS_LABELS = {
    "visual": "Visual",
    "brainstem": "Brainstem",
    "pyramidal": "Pyramidal",
    "cerebellar": "Cerebellar",
    "sensory": "Sensory",
    "bowel_bladder": "Bowel and bladder",
    "cerebral": "Cerebral",
    "ambulation": "Ambulation",
}
EDSS_CHOICES = [("", "as computed")] + [(f"{s:.1f}", f"{s:.1f}") for s in (0.0, *(x / 2 for x in range(2, 21)))]


def _plain(number: Decimal) -> str:
    """20.0 -> '20', 2.5 -> '2.5'."""
    return f"{number:f}".rstrip("0").rstrip(".") if "." in f"{number:f}" else f"{number:f}"


def _seconds(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=5,
        decimal_places=1,
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )


class VisitForm(forms.Form):
    seen_on = forms.DateField(widget=DATE, label="Seen on")
    assessment = forms.ModelChoiceField(
        FollowUpAssessment.objects.none(), required=False, empty_label="unscheduled visit", label="Assessment"
    )
    edss = forms.TypedChoiceField(choices=EDSS_CHOICES, required=False, coerce=str, empty_value="", label="EDSS to record")
    edss_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON, label="Why it differs from the computed EDSS"
    )
    t25fw_seconds = _seconds("Timed 25-foot walk (s, mean of 2 trials)")
    nhpt_right_seconds = _seconds("9-hole peg test, right hand (s)")
    nhpt_left_seconds = _seconds("9-hole peg test, left hand (s)")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.VISIT_NOTE)

    def __init__(self, *args: Any, assessments: list[FollowUpAssessment] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in FS_FIELDS:
            low, high = RANGES[name]
            self.fields[name] = forms.IntegerField(
                label=f"{FS_LABELS[name]} ({low}–{high})",
                required=False,
                min_value=low,
                max_value=high,
                widget=forms.NumberInput(attrs={"class": "fs", "inputmode": "numeric", "min": low, "max": high}),
            )
        open_ids = [a.pk for a in assessments or []]
        self.fields["assessment"].queryset = FollowUpAssessment.objects.filter(pk__in=open_ids).order_by("due_on")  # type: ignore[attr-defined]
        self.fields["assessment"].label_from_instance = lambda a: f"{a.months_after}-month, due {a.due_on:%d %b %Y}"  # type: ignore[attr-defined]
        self.measures = list(ReportedMeasure.objects.filter(active=True))
        for m in self.measures:
            self.fields[f"pro_{m.code}"] = forms.DecimalField(
                label=f"{m.name} ({_plain(m.low)}–{_plain(m.high)})",
                required=False,
                max_digits=6,
                decimal_places=1,
                min_value=m.low,
                max_value=m.high,
            )

    def fs_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in FS_FIELDS]

    def pro_fields(self) -> list[forms.BoundField]:
        return [self[f"pro_{m.code}"] for m in self.measures]

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "seen_on": d["seen_on"],
            "assessment": d["assessment"],
            "scores": {name: d.get(name) for name in FS_FIELDS},
            "edss": Decimal(d["edss"]) if d["edss"] else None,
            "edss_reason": d["edss_reason"],
            "t25fw_seconds": d["t25fw_seconds"],
            "nhpt_right_seconds": d["nhpt_right_seconds"],
            "nhpt_left_seconds": d["nhpt_left_seconds"],
            "reported": {m.code: d[f"pro_{m.code}"] for m in self.measures if d.get(f"pro_{m.code}") is not None},
            "notes": d["notes"],
        }


class RelapseForm(forms.Form):
    onset_on = forms.DateField(widget=DATE, label="Onset")
    severity = forms.ChoiceField(choices=Severity.choices)
    treated = forms.TypedChoiceField(
        choices=[("yes", "Treated (e.g. steroids)"), ("no", "Not treated")], coerce=lambda v: v == "yes", label="Treatment"
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.NOTE)


class MriForm(forms.Form):
    scanned_on = forms.DateField(widget=DATE, label="Scan date")
    new_t2_lesions = forms.IntegerField(min_value=0, max_value=500, label="New or enlarging T2 lesions")
    gad_lesions = forms.IntegerField(min_value=0, max_value=500, label="Gadolinium-enhancing lesions")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.NOTE)


class CohortForm(forms.Form):
    condition = forms.ModelChoiceField(Condition.objects.all(), empty_label=None)
    start = forms.DateField(widget=DATE, label="Treated from")
    end = forms.DateField(widget=DATE, label="Treated to")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("The period ends before it starts.")
        return data


class ReviewReportForm(forms.Form):
    """A report from home reviewed: an adverse event (recorded with the ward's form, prefix ``ae``) or not one."""

    decision = forms.ChoiceField(choices=ReviewDecision.choices, widget=forms.RadioSelect, label="This report is")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        label="Note",
        help_text="Why it is not an adverse event (required then), or what was done.",
    )
