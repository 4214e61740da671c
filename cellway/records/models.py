"""The records a clinic asks of a patient, and the files that answer them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from cellway.cases.models import Case


class RecordKind(models.TextChoices):
    IMAGING = "imaging", "Imaging (MRI, CT, X-ray)"
    HEMATOLOGY = "hematology", "Hematology (blood tests)"
    ASSESSMENT = "assessment", "Doctor's assessment report"
    MEDIA = "media", "Pictures or videos"


# Pictures and videos are asked for "where relevant": the checklist shows them,
# but records can be complete without them.
REQUIRED_KINDS = (RecordKind.IMAGING, RecordKind.HEMATOLOGY, RecordKind.ASSESSMENT)


class ItemStatus(models.TextChoices):
    MISSING = "missing", "Missing"
    RECEIVED = "received", "Received"
    NOT_NEEDED = "not_needed", "Not needed"


class RecordItem(models.Model):
    """One line of a case's records checklist."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="record_items")
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.MISSING)
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "kind"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="one_item_per_kind")]

    def __str__(self) -> str:
        return f"{self.case.code} {self.get_kind_display()}: {self.get_status_display()}"

    @property
    def required(self) -> bool:
        return self.kind in REQUIRED_KINDS


def record_path(instance: RecordFile, filename: str) -> str:
    # Stored under an opaque name: the original name is kept in the row, never
    # trusted as a path.
    return f"records/{instance.item.case.uuid}/{uuid.uuid4().hex}"


class RecordFile(models.Model):
    """A file attached to a checklist item. Served only through an access-checked view."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(RecordItem, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=record_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=40, default="staff upload")

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name
