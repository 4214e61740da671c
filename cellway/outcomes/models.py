"""Follow-up after treatment: the assessments due, and what each visit measured.

A treated patient is due for assessments at 1, 3, 6 and 12 months, then
yearly (`FollowUpAssessment`). At a visit the clinician records the
Neurostatus functional system scores and ambulation score (Cellway computes
the EDSS), the timed 25-foot walk, the nine-hole peg test and the patient-
reported measures the clinic chose (`Visit`, `ReportedScore`); relapses and
MRI scans are recorded as they become known (`Relapse`, `MriScan`).

Every row belongs to a case: the case is what a user is allowed to see.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cellway import limits
from cellway.audit.append_only import AppendOnlyMixin
from cellway.cases.models import Case


class FollowUpAssessment(models.Model):
    """An assessment a treated patient is due for, counted from the last treatment day."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="follow_ups")
    months_after = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True, max_length=limits.NOTE)

    class Meta:
        ordering = ["case", "due_on"]
        constraints = [models.UniqueConstraint(fields=["case", "months_after"], name="one_assessment_per_month")]
        indexes = [models.Index(fields=["completed_at", "due_on"], name="outcomes_fu_open_due")]
        permissions = [
            ("record_assessment", "Can record follow-up assessments"),
            ("view_outcomes", "Can see patients' outcome measures"),
            ("view_registry", "Can see who is due or overdue for follow-up (names and dates, no measures)"),
            ("view_cohort_report", "Can see the clinic's cohort outcome report"),
        ]

    def __str__(self) -> str:
        return f"{self.case.code} {self.months_after}-month follow-up due {self.due_on}"


class MissedAssessment(AppendOnlyMixin, models.Model):
    """An assessment closed as missed, with the reason: no longer overdue, counted as missed. Append-only."""

    assessment = models.OneToOneField(FollowUpAssessment, on_delete=models.PROTECT, related_name="missed")
    reason = models.TextField(max_length=limits.REASON)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.assessment} missed"


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


FS_FIELDS = ("visual", "brainstem", "pyramidal", "cerebellar", "sensory", "bowel_bladder", "cerebral", "ambulation")


class Visit(models.Model):
    """What was measured at one visit. The EDSS is computed from the scores.

    `edss_computed` is Cellway's EDSS from the functional system and ambulation
    scores (`cellway.outcomes.edss`); `edss` is the value that counts. They
    differ only with a written `edss_reason`. Timed tests are in seconds: the
    T25FW is the mean of its two trials, the 9HPT is kept per hand and enters
    the confirmed-change analysis as the mean of both hands.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="outcome_visits")
    assessment = models.OneToOneField(FollowUpAssessment, null=True, blank=True, on_delete=models.PROTECT, related_name="visit")
    seen_on = models.DateField()
    visual = models.PositiveSmallIntegerField(null=True, blank=True)
    brainstem = models.PositiveSmallIntegerField(null=True, blank=True)
    pyramidal = models.PositiveSmallIntegerField(null=True, blank=True)
    cerebellar = models.PositiveSmallIntegerField(null=True, blank=True)
    sensory = models.PositiveSmallIntegerField(null=True, blank=True)
    bowel_bladder = models.PositiveSmallIntegerField(null=True, blank=True)
    cerebral = models.PositiveSmallIntegerField(null=True, blank=True)
    ambulation = models.PositiveSmallIntegerField(null=True, blank=True)
    edss_computed = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    edss = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    edss_reason = models.TextField(blank=True, max_length=limits.REASON)
    t25fw_seconds = models.DecimalField("timed 25-foot walk (s)", max_digits=5, decimal_places=1, null=True, blank=True)
    nhpt_right_seconds = models.DecimalField("9-hole peg test, right hand (s)", max_digits=5, decimal_places=1, null=True, blank=True)
    nhpt_left_seconds = models.DecimalField("9-hole peg test, left hand (s)", max_digits=5, decimal_places=1, null=True, blank=True)
    notes = models.TextField(blank=True, max_length=limits.VISIT_NOTE)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "seen_on"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seen_on"], name="one_outcome_visit_per_day"),
            models.CheckConstraint(condition=Q(edss__isnull=True) | Q(edss__gte=0, edss__lte=10), name="edss_in_range"),
            models.CheckConstraint(
                condition=Q(edss__isnull=True) | Q(edss=F("edss_computed")) | ~Q(edss_reason=""),
                name="edss_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.code} visit {self.seen_on}"

    @property
    def nhpt_seconds(self) -> Decimal | None:
        """Mean of both hands; None unless both were tested."""
        if self.nhpt_right_seconds is None or self.nhpt_left_seconds is None:
            return None
        return (self.nhpt_right_seconds + self.nhpt_left_seconds) / 2

    @property
    def edss_overridden(self) -> bool:
        return self.edss is not None and self.edss != self.edss_computed


class Relapse(models.Model):
    """A relapse: its onset date, how severe, and whether it was treated (e.g. with steroids)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="relapses")
    onset_on = models.DateField()
    severity = models.CharField(max_length=10, choices=Severity.choices)
    treated = models.BooleanField()
    notes = models.TextField(blank=True, max_length=limits.NOTE)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "onset_on"]
        constraints = [models.UniqueConstraint(fields=["case", "onset_on"], name="one_relapse_onset_per_day")]

    def __str__(self) -> str:
        return f"{self.case.code} relapse {self.onset_on}"


class MriScan(models.Model):
    """An MRI read: new or enlarging T2 lesions and gadolinium-enhancing lesions against the previous scan."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="mri_scans")
    scanned_on = models.DateField()
    new_t2_lesions = models.PositiveSmallIntegerField("new or enlarging T2 lesions")
    gad_lesions = models.PositiveSmallIntegerField("gadolinium-enhancing lesions")
    notes = models.TextField(blank=True, max_length=limits.NOTE)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "scanned_on"]
        constraints = [models.UniqueConstraint(fields=["case", "scanned_on"], name="one_mri_per_day")]

    def __str__(self) -> str:
        return f"{self.case.code} MRI {self.scanned_on}"

    @property
    def active(self) -> bool:
        return bool(self.new_t2_lesions or self.gad_lesions)


class ReportedMeasure(models.Model):
    """A patient-reported measure the clinic chose to collect (e.g. MSIS-29 physical, fatigue scale)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    low = models.DecimalField(max_digits=6, decimal_places=1, default=Decimal(0))
    high = models.DecimalField(max_digits=6, decimal_places=1)
    higher_is_better = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    # The question as the patient reads it in the portal, per site language: {"en": "...", "ar": "...", "zh-hans": "..."}.
    wording = models.JSONField(
        default=dict, blank=True, help_text='The question per language: {"en": "...", "ar": "...", "zh-hans": "..."}.'
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def question(self, language: str) -> str:
        """The question in `language`, else in English, else the measure's name."""
        wording = self.wording if isinstance(self.wording, dict) else {}
        return str(wording.get(language) or wording.get("en") or self.name)


class ReportedScore(models.Model):
    """One patient-reported score given at a visit."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="reported")
    measure = models.ForeignKey(ReportedMeasure, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=6, decimal_places=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "measure"], name="one_score_per_measure_per_visit")]

    def __str__(self) -> str:
        return f"{self.measure.code}={self.value}"
