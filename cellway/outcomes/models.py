"""Follow-up after treatment: the assessments due at 1, 3, 6 and 12 months."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cellway.cases.models import Case


class FollowUpAssessment(models.Model):
    """An assessment a treated patient is due for, counted from the last treatment day."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="follow_ups")
    months_after = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["case", "due_on"]
        constraints = [models.UniqueConstraint(fields=["case", "months_after"], name="one_assessment_per_month")]
        permissions = [("record_assessment", "Can record follow-up assessments")]

    def __str__(self) -> str:
        return f"{self.case.code} {self.months_after}-month follow-up due {self.due_on}"
