"""Therapy plans, which specialists write and sign, and cancer-marker screening results."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cellway import limits
from cellway.audit.signatures import Signature
from cellway.cases.models import Case
from cellway.plans.screening_rule import sample_counts


class PackageTier(models.TextChoices):
    INCLUSIVE = "inclusive", "Inclusive"
    ESSENTIAL = "essential", "Essential"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"
    SUPERSEDED = "superseded", "Superseded"


# What a specialist writes in a plan (and signs): the fields the form edits,
# the signature's digest covers and the price is computed from.
PLAN_FIELDS = (
    "cell_dose",
    "iv_infusions",
    "it_infusions",
    "supplementary_infusions",
    "physiotherapy_sessions",
    "occupational_sessions",
    "speech_sessions",
    "rehab_sessions",
    "hospital_room_days",
    "treatment_days",
    "stay_nights",
    "package_tier",
    "schedule",
    "notes",
)


class TherapyPlan(models.Model):
    """The specialist's tailored plan for one case. A signed plan is never edited: revise with a new version."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    cell_dose = models.PositiveBigIntegerField(
        "cell dose (wjMSCs)",
        validators=[MinValueValidator(1_000_000), MaxValueValidator(2_000_000_000)],
        help_text="Total count of Wharton's-jelly MSCs over the course, e.g. 100000000.",
    )
    iv_infusions = models.PositiveSmallIntegerField("intravenous infusions", default=0, validators=[MaxValueValidator(20)])
    it_infusions = models.PositiveSmallIntegerField("intrathecal infusions", default=0, validators=[MaxValueValidator(10)])
    supplementary_infusions = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(30)])
    physiotherapy_sessions = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(60)])
    occupational_sessions = models.PositiveSmallIntegerField("occupational therapy sessions", default=0, validators=[MaxValueValidator(60)])
    speech_sessions = models.PositiveSmallIntegerField("speech and language sessions", default=0, validators=[MaxValueValidator(60)])
    rehab_sessions = models.PositiveSmallIntegerField("rehabilitative medicine sessions", default=0, validators=[MaxValueValidator(60)])
    hospital_room_days = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(60)])
    treatment_days = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1), MaxValueValidator(60)])
    stay_nights = models.PositiveSmallIntegerField(
        default=7, validators=[MaxValueValidator(90)], help_text="Nights of accommodation (Inclusive tier)."
    )
    package_tier = models.CharField(max_length=12, choices=PackageTier.choices, default=PackageTier.INCLUSIVE)
    schedule = models.TextField(max_length=limits.DOCUMENT, help_text="Day by day: which infusion or session on which treatment day.")
    notes = models.TextField(blank=True, max_length=limits.NOTE)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signature = models.OneToOneField(Signature, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "-version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="one_plan_per_version")]
        permissions = [
            ("write_plan", "Can write therapy plans"),
            ("sign_plan", "Can sign therapy plans"),
            ("record_screening", "Can record cancer-marker screening results"),
            ("judge_screening", "Can judge cancer-marker screening results"),
            ("view_plan", "Can see therapy plans"),
            ("view_screening", "Can see cancer-marker screening results"),
        ]

    def __str__(self) -> str:
        return f"{self.case.code} plan v{self.version} ({self.get_status_display()})"

    @property
    def infusions(self) -> int:
        return self.iv_infusions + self.it_infusions

    @property
    def routes(self) -> list[str]:
        return [name for name, n in (("intravenous", self.iv_infusions), ("intrathecal", self.it_infusions)) if n]

    def as_signed_content(self) -> dict[str, object]:
        fields = PLAN_FIELDS
        return {"case": self.case.code, "version": self.version, **{f: getattr(self, f) for f in fields}}


class Verdict(models.TextChoices):
    PENDING = "pending", "Awaiting a specialist"
    SATISFACTORY = "satisfactory", "Satisfactory"
    UNSATISFACTORY = "unsatisfactory", "Unsatisfactory"


def screening_path(instance: ScreeningResult, filename: str) -> str:
    # Where reports were stored before they became record files; migration 0001 still names it.
    return f"screening/{instance.case.uuid}/{uuid.uuid4().hex}"


class ScreeningResult(models.Model):
    """A cancer-marker screening done in the patient's country, and a specialist's verdict on it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="screenings")
    sample_date = models.DateField()
    laboratory = models.CharField(max_length=limits.NAME, blank=True)
    markers = models.TextField(max_length=limits.MARKERS, help_text="Markers and values as reported, e.g. CEA 1.2 ng/mL; CA 19-9 8 U/mL.")
    # The laboratory's report, a record file of the case (records intake: typed, hashed, scanned, read on the trail).
    report = models.ForeignKey("records.RecordFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    verdict = models.CharField(max_length=16, choices=Verdict.choices, default=Verdict.PENDING)
    verdict_reason = models.TextField(blank=True, max_length=limits.REASON)
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    judged_at = models.DateTimeField(null=True, blank=True)
    signature = models.OneToOneField(Signature, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "-sample_date", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.case.code} screening of {self.sample_date}: {self.get_verdict_display()}"

    def as_signed_content(self) -> dict[str, object]:
        """What the specialist's signature on the verdict covers (its digest is checked whenever the result is shown)."""
        return {"case": self.case.code, "sample_date": self.sample_date, "markers": self.markers, "verdict": self.verdict}

    def counts_for(self, first_therapy_day: dt.date) -> bool:
        return sample_counts(self.sample_date, first_therapy_day, settings.SCREENING_MAX_AGE_MONTHS)
