"""Treatment sessions at the bedside and the protocol the patient takes home."""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils.text import capfirst

from cellway import limits
from cellway.audit.append_only import AppendOnlyMixin
from cellway.audit.signatures import Signature
from cellway.billing.models import BalanceOverride
from cellway.cases.models import Case
from cellway.cells.models import Route, Vial
from cellway.records.models import RecordFile


class SessionKind(models.TextChoices):
    IV = "iv", "Cell infusion, intravenous"
    IT = "it", "Cell infusion, intrathecal"
    SUPPLEMENTARY = "supplementary", "Supplementary infusion"
    PHYSIO = "physio", "Physiotherapy"
    OCCUPATIONAL = "occupational", "Occupational therapy"
    SPEECH = "speech", "Speech and language therapy"
    REHAB = "rehab", "Rehabilitative medicine"


class TreatmentSession(models.Model):
    """One session given to a patient: what, when, by whom."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sessions")
    kind = models.CharField(max_length=16, choices=SessionKind.choices)
    day = models.DateField()
    given = models.CharField(max_length=limits.SHORT, help_text="What was given, e.g. '50 million wjMSCs IV, lot L-0042'.")
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    logged_at = models.DateTimeField(auto_now_add=True)
    notes = models.TextField(blank=True, max_length=limits.NOTE)
    # Set when the session started with a balance open, on a finance manager's signed override.
    override = models.ForeignKey(BalanceOverride, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions")
    # Which planned item of its kind it fulfils ("intrathecal 1 of 2", "physiotherapy 3 of 5"); a cell
    # infusion also has its route, and its vials are its administrations.
    route = models.CharField(max_length=2, choices=Route.choices, blank=True)
    infusion = models.PositiveSmallIntegerField("planned item", null=True, blank=True)

    class Meta:
        ordering = ["case", "day", "logged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "infusion"], condition=models.Q(infusion__isnull=False), name="one_session_per_planned_item"
            )
        ]
        permissions = [
            ("log_session", "Can log treatment sessions"),
            ("complete_treatment", "Can complete treatment"),
            ("issue_protocol", "Can issue the post-treatment protocol"),
            ("view_treatment", "Can see sessions, the post-treatment protocol and follow-up assessments"),
            ("administer_product", "Can check cell products at the bedside and administer them"),
        ]

    def __str__(self) -> str:
        return f"{self.case.code} {self.day} {self.get_kind_display()}"

    @property
    def label(self) -> str:
        """ "Physiotherapy 3" ("Physiotherapy" for a session logged before the plan's items)."""
        return f"{self.get_kind_display()} {self.infusion}" if self.infusion else self.get_kind_display()

    @property
    def infusion_label(self) -> str:
        """Which planned infusion it fulfils ("intrathecal 1 of 2"), from `given`'s opening words; else the kind."""
        return self.given.split(":", 1)[0] if self.route else self.get_kind_display()


class PostTreatmentProtocol(models.Model):
    """The document the patient takes home: care, medication, exercise, warning signs, follow-up dates."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="protocol")
    instructions = models.TextField(max_length=limits.DOCUMENT)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    signature = models.OneToOneField(Signature, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.case.code} post-treatment protocol"

    def as_signed_content(self) -> dict[str, object]:
        """What the specialist's signature covers (its digest is checked whenever the protocol is shown)."""
        return {"case": self.case.code, "instructions": self.instructions}


class WeightMeasurement(AppendOnlyMixin, models.Model):
    """The patient's weight as measured on the ward; the latest counts (the endotoxin limit per dose needs it)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="weights")
    kg = models.DecimalField(max_digits=5, decimal_places=1)
    measured_at = models.DateTimeField(auto_now_add=True)
    measured_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "-measured_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kg} kg"


class BedsideCheck(AppendOnlyMixin, models.Model):
    """One bedside check: what was scanned or typed, and green or the red stop's reason. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="bedside_checks")
    vial = models.ForeignKey(Vial, null=True, blank=True, on_delete=models.PROTECT, related_name="bedside_checks")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    wristband = models.CharField(max_length=60)
    label = models.CharField(max_length=80)
    route = models.CharField(max_length=2, choices=Route.choices)
    infusion = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    message = models.CharField(max_length=400)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {'green' if self.passed else 'red'}: {self.message}"


class Administration(AppendOnlyMixin, models.Model):
    """A vial given: when, by which nurse, by which route, in which session, after which green check. Append-only."""

    vial = models.OneToOneField(Vial, on_delete=models.PROTECT, related_name="administration")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="administrations")
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="administrations")
    bedside_check = models.OneToOneField(BedsideCheck, on_delete=models.PROTECT, related_name="administration")
    route = models.CharField(max_length=2, choices=Route.choices)
    given_at = models.DateTimeField(auto_now_add=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.vial} to {self.case_id}"


# --- Informed consent (rule 10) -------------------------------------------------------------------


class Therapy(models.TextChoices):
    """What a patient consents to. Every plan gives cells; a plan with intrathecal infusions adds the puncture."""

    CELLS = "cells", "investigational cell therapy (wjMSCs)"
    INTRATHECAL = "intrathecal", "intrathecal administration (lumbar puncture)"


class ConsentMethod(models.TextChoices):
    PAPER = "paper", "signed on paper, scanned"
    ELECTRONIC = "electronic", "signed electronically in the patient portal"


class ConsentDocument(models.Model):
    """One version of a consent form for one therapy in one language, kept by the clinic administrator.

    Once a consent has been recorded on it, its text is what the patient signed: the admin then lets
    only `retired` change (see treatment/admin.py), and each consent keeps the text's SHA-256.
    """

    therapy = models.CharField(max_length=16, choices=Therapy.choices)
    # The patient's language as the case records it ("Portuguese"); compared without regard to case.
    language = models.CharField(max_length=limits.LANGUAGE)
    version = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=limits.SHORT)
    text = models.TextField(
        max_length=limits.DOCUMENT,
        help_text="The form as the patient reads it: the investigational therapy, its risks, the alternatives, the right to withdraw.",
    )
    effective_from = models.DateField()
    retired = models.BooleanField(default=False, help_text="A retired version is no longer offered for new consents.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["therapy", "language", "-version"]
        constraints = [models.UniqueConstraint(fields=["therapy", "language", "version"], name="one_consent_document_version")]

    def __str__(self) -> str:
        return f"{capfirst(self.get_therapy_display())}, {self.language}, version {self.version}"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


class Consent(AppendOnlyMixin, models.Model):
    """A patient's informed consent to one therapy: the version signed, the scan, who took it. Append-only.

    Valid until withdrawn (a `ConsentWithdrawal` row); no session starts without it (rule 10).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consents")
    therapy = models.CharField(max_length=16, choices=Therapy.choices)
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="consents")
    document_sha256 = models.CharField(max_length=64)
    signed_on = models.DateField()
    method = models.CharField(max_length=12, choices=ConsentMethod.choices, default=ConsentMethod.PAPER)
    # Signed on paper: the scan and who took it. Signed in the portal: who signed, as what, when, from where.
    scan = models.ForeignKey(RecordFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    witness = models.CharField(max_length=limits.NAME, blank=True)
    interpreter = models.CharField(max_length=limits.NAME, blank=True)
    # The person who signed electronically (the patient, or the guardian staff set up, on the patient's behalf).
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_as = models.CharField(max_length=16, blank=True)  # "patient" or "guardian"
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_from = models.GenericIPAddressField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-recorded_at", "-id"]
        permissions = [("record_consent", "Can record and withdraw patients' informed consent")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(method="paper", scan__isnull=False, taken_by__isnull=False)
                    | models.Q(method="electronic", signed_by__isnull=False, signed_at__isnull=False, signed_as__in=["patient", "guardian"])
                ),
                name="consent_paper_scanned_or_signed_electronically",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} consent to {self.get_therapy_display()}"

    @property
    def is_electronic(self) -> bool:
        return self.method == ConsentMethod.ELECTRONIC


class ConsentWithdrawal(AppendOnlyMixin, models.Model):
    """The patient withdrew a consent: from then on nothing that needs it is given. Append-only."""

    consent = models.OneToOneField(Consent, on_delete=models.PROTECT, related_name="withdrawal")
    withdrawn_on = models.DateField()
    reason = models.TextField(max_length=limits.REASON)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.consent} withdrawn on {self.withdrawn_on}"


# --- Vital signs and the plan's items ------------------------------------------------------------------


class VitalsPhase(models.TextChoices):
    BEFORE = "before", "Before"
    DURING = "during", "During"
    AFTER = "after", "After"


class VitalSigns(AppendOnlyMixin, models.Model):
    """Blood pressure, pulse, temperature and SpO2 taken in a session; plausible values only (treatment/vitals.py). Append-only."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="vitals")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="vitals")
    phase = models.CharField(max_length=8, choices=VitalsPhase.choices)
    systolic = models.PositiveSmallIntegerField("systolic (mmHg)")
    diastolic = models.PositiveSmallIntegerField("diastolic (mmHg)")
    pulse = models.PositiveSmallIntegerField("pulse (/min)")
    temperature = models.DecimalField("temperature (°C)", max_digits=3, decimal_places=1)
    spo2 = models.PositiveSmallIntegerField("SpO₂ (%)")
    # Outside the usual adult ranges, as found when recorded ("Pulse 124 /min (high)"); the discharge summary lists them.
    excursions = models.CharField(max_length=limits.SHORT, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.systolic}/{self.diastolic} mmHg, {self.pulse}/min, {self.temperature} °C, SpO₂ {self.spo2}%"


class Deviation(AppendOnlyMixin, models.Model):
    """A planned item not given, and why (the patient declined, consent withdrawn, a clinical reason). Append-only."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="deviations")
    kind = models.CharField(max_length=16, choices=SessionKind.choices)
    number = models.PositiveSmallIntegerField()
    reason = models.TextField(max_length=limits.REASON)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "number"]
        constraints = [models.UniqueConstraint(fields=["case", "kind", "number"], name="one_deviation_per_planned_item")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.number} set aside"


# --- Adverse events (rule 11) ----------------------------------------------------------------------------


class Grade(models.IntegerChoices):
    """CTCAE v5.0 grades."""

    MILD = 1, "1 Mild"
    MODERATE = 2, "2 Moderate"
    SEVERE = 3, "3 Severe"
    LIFE_THREATENING = 4, "4 Life-threatening"
    DEATH = 5, "5 Death related to the adverse event"


class Serious(models.TextChoices):
    """ICH E2A: an adverse event is serious if it meets any of these."""

    DEATH = "death", "Results in death"
    LIFE_THREATENING = "life_threatening", "Is life-threatening"
    HOSPITALISATION = "hospitalisation", "Requires inpatient hospitalisation or prolongs it"
    DISABILITY = "disability", "Results in persistent or significant disability or incapacity"
    CONGENITAL = "congenital", "Is a congenital anomaly or birth defect"
    MEDICALLY_IMPORTANT = "medically_important", "Is another medically important event"


class Relatedness(models.TextChoices):
    """Attribution, as CTCAE-based protocols grade it."""

    UNRELATED = "unrelated", "Unrelated"
    UNLIKELY = "unlikely", "Unlikely"
    POSSIBLE = "possible", "Possible"
    PROBABLE = "probable", "Probable"
    DEFINITE = "definite", "Definite"


RELATED = frozenset({Relatedness.POSSIBLE, Relatedness.PROBABLE, Relatedness.DEFINITE})


class ActionTaken(models.TextChoices):
    NONE = "none", "None"
    INTERRUPTED = "interrupted", "Infusion interrupted"
    STOPPED = "stopped", "Infusion stopped"
    TREATMENT_WITHDRAWN = "withdrawn", "Cell therapy withdrawn"
    MEDICATION = "medication", "Medication or other treatment given"
    HOSPITALISED = "hospitalised", "Admitted to hospital"


class AeOutcome(models.TextChoices):
    """ICH E2B outcomes."""

    RECOVERING = "recovering", "Recovering / resolving"
    RECOVERED = "recovered", "Recovered / resolved"
    SEQUELAE = "sequelae", "Recovered / resolved with sequelae"
    NOT_RECOVERED = "not_recovered", "Not recovered / not resolved"
    FATAL = "fatal", "Fatal"
    UNKNOWN = "unknown", "Unknown"


RESOLVED = frozenset({AeOutcome.RECOVERED, AeOutcome.SEQUELAE, AeOutcome.FATAL})


class AdverseEvent(models.Model):
    """An adverse event during treatment or follow-up: graded, judged for seriousness and relatedness.

    Written only by treatment.services (record_adverse_event, update_adverse_event), each change on the trail.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="adverse_events")
    onset_on = models.DateField()
    term = models.CharField("CTCAE term", max_length=limits.NAME, help_text="e.g. Headache, Fever, Back pain.")
    description = models.TextField(max_length=limits.NOTE)
    grade = models.PositiveSmallIntegerField(choices=Grade.choices)
    serious_criteria = models.JSONField(default=list, blank=True)
    related_to_cells = models.CharField(max_length=12, choices=Relatedness.choices)
    related_to_procedure = models.CharField(max_length=12, choices=Relatedness.choices)
    action = models.CharField(max_length=12, choices=ActionTaken.choices)
    outcome = models.CharField(max_length=16, choices=AeOutcome.choices)
    resolved_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "-onset_on", "-id"]
        permissions = [("record_adverse_event", "Can record adverse events")]

    def __str__(self) -> str:
        return f"{self.term}, grade {self.grade}"

    @property
    def serious(self) -> bool:
        return bool(self.serious_criteria)

    @property
    def related(self) -> bool:
        return self.related_to_cells in RELATED or self.related_to_procedure in RELATED

    def get_serious_criteria_display(self) -> list[str]:
        return [str(Serious(c).label) for c in self.serious_criteria if c in Serious.values]
