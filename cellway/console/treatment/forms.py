"""Forms of the ward panels. They check types and shapes; every rule lives in a service."""

from __future__ import annotations

from django import forms

from cellway import limits
from cellway.accounts.models import User
from cellway.console.plans.forms import DATE, SignForm
from cellway.treatment import plan_items
from cellway.treatment.models import ActionTaken, AeOutcome, ConsentDocument, Grade, Relatedness, Serious, VitalsPhase


class PlannedItemField(forms.MultipleChoiceField):
    """Planned items by key ("physio-3"); the panel lists those still to do, the service checks they still are."""

    def valid_value(self, value: str) -> bool:
        return plan_items.parse_key(value) is not None


class SessionForm(forms.Form):
    item = forms.CharField(max_length=20, label="Planned item", widget=forms.Select)
    day = forms.DateField(widget=DATE)
    given = forms.CharField(max_length=limits.SHORT, help_text="What was given, e.g. '50 million wjMSCs IV'.")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=limits.NOTE)

    def clean_item(self) -> tuple[str, int]:
        parsed = plan_items.parse_key(self.cleaned_data["item"])
        if parsed is None:
            raise forms.ValidationError("Choose a planned item.")
        return parsed


class VitalsForm(forms.Form):
    session = forms.UUIDField(widget=forms.Select, label="Session")
    phase = forms.ChoiceField(choices=VitalsPhase.choices)
    systolic = forms.IntegerField(label="Systolic (mmHg)", min_value=0, max_value=32767)
    diastolic = forms.IntegerField(label="Diastolic (mmHg)", min_value=0, max_value=32767)
    pulse = forms.IntegerField(label="Pulse (/min)", min_value=0, max_value=32767)
    temperature = forms.DecimalField(label="Temperature (°C)", max_digits=3, decimal_places=1, min_value=0)
    spo2 = forms.IntegerField(label="SpO₂ (%)", min_value=0, max_value=32767)


class SetAsideForm(forms.Form):
    items = PlannedItemField(widget=forms.CheckboxSelectMultiple, label="Planned items not given")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON, label="Why")


class ProtocolForm(SignForm):
    instructions = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=limits.DOCUMENT)


class MissedForm(forms.Form):
    assessment = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=limits.REASON, label="Why it was missed")


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


class ConsentForm(forms.Form):
    """The panel narrows the choices to this case's forms and the staff who take consent; the service checks both."""

    document = forms.ModelChoiceField(queryset=ConsentDocument.objects.filter(retired=False), label="Form signed (version, language)")
    signed_on = forms.DateField(widget=DATE, label="Signed on")
    taken_by = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True), label="Consent taken by")
    witness = forms.CharField(max_length=limits.NAME, required=False, label="Witness (if any)")
    interpreter = forms.CharField(
        max_length=limits.NAME,
        required=False,
        label="Interpreter (if any)",
        help_text="Needed when the form is not in the patient's language.",
    )
    scan = forms.FileField(label="Scan of the signed form", help_text="PDF, JPEG or PNG.")


class WithdrawConsentForm(forms.Form):
    consent = forms.UUIDField(widget=forms.HiddenInput)
    withdrawn_on = forms.DateField(widget=DATE, label="Withdrawn on")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.REASON, label="What the patient said")


class AdverseEventForm(forms.Form):
    onset_on = forms.DateField(widget=DATE, label="Onset")
    term = forms.CharField(max_length=limits.NAME, label="CTCAE term", help_text="e.g. Headache, Fever, Back pain.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=limits.NOTE)
    grade = forms.TypedChoiceField(
        choices=[("", "—"), *Grade.choices], coerce=int, empty_value=None, required=False, label="Grade (CTCAE v5)"
    )
    serious_criteria = forms.MultipleChoiceField(
        choices=Serious.choices, widget=forms.CheckboxSelectMultiple, required=False, label="Serious (ICH E2A): tick each that applies"
    )
    related_to_cells = forms.ChoiceField(choices=Relatedness.choices, label="Related to the cells")
    related_to_procedure = forms.ChoiceField(choices=Relatedness.choices, label="Related to the procedure (e.g. lumbar puncture)")
    action = forms.ChoiceField(choices=ActionTaken.choices, label="Action taken")
    outcome = forms.ChoiceField(choices=AeOutcome.choices)
    resolved_on = forms.DateField(widget=DATE, required=False, label="Resolved on")


class AdverseEventUpdateForm(forms.Form):
    event = forms.UUIDField(widget=forms.HiddenInput)
    grade = forms.TypedChoiceField(choices=[("", "—"), *Grade.choices], coerce=int, empty_value=None, required=False)
    serious_criteria = forms.MultipleChoiceField(
        choices=Serious.choices, widget=forms.CheckboxSelectMultiple, required=False, label="Serious (ICH E2A)"
    )
    outcome = forms.ChoiceField(choices=AeOutcome.choices)
    resolved_on = forms.DateField(widget=DATE, required=False, label="Resolved on")
