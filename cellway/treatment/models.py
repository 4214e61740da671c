"""Treatment sessions at the bedside and the protocol the patient takes home."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from cellway import limits
from cellway.audit.signatures import Signature
from cellway.billing.models import BalanceOverride
from cellway.cases.models import Case


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

    class Meta:
        ordering = ["case", "day", "logged_at"]
        permissions = [
            ("log_session", "Can log treatment sessions"),
            ("complete_treatment", "Can complete treatment"),
            ("issue_protocol", "Can issue the post-treatment protocol"),
            ("view_treatment", "Can see sessions, the post-treatment protocol and follow-up assessments"),
        ]

    def __str__(self) -> str:
        return f"{self.case.code} {self.day} {self.get_kind_display()}"


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
