"""Electronic signatures: a named person, a time, a meaning, and the password asked again."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.db import models

from cellway.audit.append_only import AppendOnlyMixin


class Signature(AppendOnlyMixin, models.Model):
    """A signature on a record: who, when, what it means, and a digest of what was signed."""

    signer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="signatures")
    signed_at = models.DateTimeField(auto_now_add=True)
    meaning = models.CharField(max_length=120)
    # What was verified beside the signer's name (21 CFR Part 11 §11.200(a)): "password, authenticator code", ...
    components = models.CharField(max_length=80, blank=True, default="")
    subject = models.CharField(max_length=120)
    digest = models.CharField(max_length=64)

    class Meta:
        app_label = "audit"
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.signer} — {self.meaning} — {self.signed_at:%Y-%m-%d %H:%M}"


def digest_of(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def matches(signature: Signature, content: dict[str, Any]) -> bool:
    """Whether `content` is still what was signed: its digest is the one made at signing."""
    return hmac.compare_digest(signature.digest, digest_of(content))
