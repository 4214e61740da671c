"""The clinic-wide append-only trail for what is not about one case.

What happens to a case is written to `cases.CaseEvent`, which the case
timeline shows; this table holds the rest (staff and roles, price lists,
sign-ins that failed).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cellway import limits
from cellway.audit.append_only import AppendOnlyMixin


class AuditEvent(AppendOnlyMixin, models.Model):
    """Who did what, when and why, outside any one case. Never updated or deleted."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True, max_length=limits.REASON)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"


from cellway.audit.signatures import Signature  # noqa: E402,F401  (registered with the audit app)
