"""The records a clinic asks of a patient, and the files that answer them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from cellway import limits
from cellway.cases.models import Case


class RecordKind(models.TextChoices):
    IMAGING = "imaging", "Imaging (MRI, CT, X-ray)"
    HEMATOLOGY = "hematology", "Hematology (blood tests)"
    ASSESSMENT = "assessment", "Doctor's assessment report"
    MEDIA = "media", "Pictures or videos"
    # Rule 5: sent after the quote is accepted, not at intake; recorded through plans' screening form.
    SCREENING = "screening", "Cancer-marker screening report"
    # Rule 10: the signed informed-consent form, scanned; recorded through treatment's consent form.
    CONSENT = "consent", "Signed informed consent"
    # Sent by a visitor with a web inquiry (records.public): kept as sent, for the care team to sort.
    UNSORTED = "unsorted", "Unsorted (sent with a web inquiry)"


# Pictures and videos are asked for "where relevant": the checklist shows them,
# but records can be complete without them.
REQUIRED_KINDS = (RecordKind.IMAGING, RecordKind.HEMATOLOGY, RecordKind.ASSESSMENT)
# What a new case's checklist asks for; the screening report's item appears with the first report.
INTAKE_KINDS = (RecordKind.IMAGING, RecordKind.HEMATOLOGY, RecordKind.ASSESSMENT, RecordKind.MEDIA)


class ItemStatus(models.TextChoices):
    MISSING = "missing", "Missing"
    RECEIVED = "received", "Received"
    NOT_NEEDED = "not_needed", "Not needed"


class RecordItem(models.Model):
    """One line of a case's records checklist."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="record_items")
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.MISSING)
    note = models.CharField(max_length=limits.SHORT, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "kind"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="one_item_per_kind")]
        permissions = [
            ("manage_records", "Can keep the records checklist and attach records"),
            ("view_records", "Can see a case's records, imaging and downloads"),
        ]

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
    # None for a file nobody on the staff put there: a visitor's upload through a web inquiry's link
    # (records.public) or an attachment of a mail the patient or family sent (conversations).
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=40, default="staff upload")
    # Files received through intake share content-addressed bytes; `file` then
    # names the blob's storage path. Older rows have no blob.
    blob = models.ForeignKey("Blob", null=True, blank=True, on_delete=models.PROTECT, related_name="records")

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


# --- Intake: stored bytes, uploads in progress, ingest, imaging --------------------------


class ScanStatus(models.TextChoices):
    NOT_SCANNED = "not_scanned", "Not scanned (no virus scanner is configured)"
    PENDING = "pending", "Waiting for the virus scan"
    CLEAN = "clean", "Scanned: no malware found"
    INFECTED = "infected", "Quarantined: the virus scan found malware"
    FAILED = "failed", "The virus scan could not run; it will be retried"


SERVABLE_SCANS = (ScanStatus.NOT_SCANNED, ScanStatus.CLEAN)


class Blob(models.Model):
    """Stored bytes named by their SHA-256: the same content is stored once, however often it is sent.

    The storage name is ``blobs/<first two hex>/<sha256>``, never the name the
    patient gave the file. Several record files (and DICOM slices) may share one blob.
    """

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField()
    mime = models.CharField(max_length=100)
    file = models.FileField(max_length=300)
    scan_status = models.CharField(max_length=16, choices=ScanStatus.choices, default=ScanStatus.NOT_SCANNED)
    scan_detail = models.CharField(max_length=300, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.sha256

    @property
    def servable(self) -> bool:
        return self.scan_status in SERVABLE_SCANS


class UploadStatus(models.TextChoices):
    OPEN = "open", "Receiving"
    COMPLETE = "complete", "Complete"
    REFUSED = "refused", "Refused"


class UploadSession(models.Model):
    """One file being uploaded in chunks into a checklist item.

    Chunks are written at their offset into a part file on the upload disk, so
    a chunk sent twice (a retry after a dropped connection) overwrites the same
    bytes; ``received`` only moves forward when a whole chunk has been written.
    ``client_key`` lets a browser that lost its page find its open session again.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(RecordItem, on_delete=models.CASCADE, related_name="uploads")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client_key = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    expected_sha256 = models.CharField(max_length=64, blank=True)
    received = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=UploadStatus.choices, default=UploadStatus.OPEN)
    refusal = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=40, default="staff upload")
    record = models.ForeignKey("RecordFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["item", "created_by", "client_key"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.received}/{self.size})"


class IngestStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Reading"
    DONE = "done", "Done"
    FAILED = "failed", "Could not be read"


class Ingest(models.Model):
    """The background work on one record file (virus scan, then DICOM ingest), with its progress."""

    record = models.OneToOneField("RecordFile", on_delete=models.CASCADE, related_name="ingest")
    status = models.CharField(max_length=16, choices=IngestStatus.choices, default=IngestStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.record} {self.status} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        if self.status == IngestStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.status in (IngestStatus.QUEUED, IngestStatus.RUNNING)


class ImagingStudy(models.Model):
    """One DICOM study (one visit to the scanner) received for a case, from one or more uploads."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="imaging_studies")
    study_uid = models.CharField(max_length=64)
    study_date = models.DateField(null=True, blank=True)
    description = models.CharField(max_length=200, blank=True)
    modalities = models.CharField(max_length=60, blank=True)
    body_part = models.CharField(max_length=60, blank=True)
    # As written in the files, for matching against the case; never trusted as the case's own.
    patient_name = models.CharField(max_length=200, blank=True)
    patient_id_in_file = models.CharField(max_length=64, blank=True)
    series_count = models.PositiveIntegerField(default=0)
    slice_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [models.F("study_date").asc(nulls_last=True), "study_uid"]
        constraints = [models.UniqueConstraint(fields=["case", "study_uid"], name="one_study_per_uid_per_case")]

    def __str__(self) -> str:
        return self.description or self.study_uid


class ImagingSeries(models.Model):
    """One series of a study; its slices are ordered in space when read."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    study = models.ForeignKey(ImagingStudy, on_delete=models.CASCADE, related_name="series")
    series_uid = models.CharField(max_length=64)
    number = models.IntegerField(null=True, blank=True)
    modality = models.CharField(max_length=16, blank=True)
    description = models.CharField(max_length=200, blank=True)
    body_part = models.CharField(max_length=60, blank=True)
    slice_count = models.PositiveIntegerField(default=0)
    preview = models.FileField(max_length=300, blank=True)
    preview_problem = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = [models.F("number").asc(nulls_last=True), "series_uid"]
        constraints = [models.UniqueConstraint(fields=["study", "series_uid"], name="one_series_per_uid_per_study")]

    def __str__(self) -> str:
        return self.description or self.series_uid


# Spatial order (DICOM-correct: position along the slice normal), then Instance Number.
SLICE_ORDER = (
    models.F("position").asc(nulls_last=True),
    models.F("instance_number").asc(nulls_last=True),
    "sop_instance_uid",
)


class ImagingSlice(models.Model):
    """One DICOM image file of a series, stored as a blob."""

    series = models.ForeignKey(ImagingSeries, on_delete=models.CASCADE, related_name="slices")
    record = models.ForeignKey("RecordFile", on_delete=models.CASCADE, related_name="slices")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    sop_instance_uid = models.CharField(max_length=64)
    instance_number = models.IntegerField(null=True, blank=True)
    position = models.FloatField(null=True, blank=True)
    frames = models.PositiveIntegerField(default=1)
    source_name = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "sop_instance_uid"], name="one_slice_per_uid_per_series")]

    def __str__(self) -> str:
        return self.sop_instance_uid


class IngestFlag(models.Model):
    """A file in an upload that was kept but could not be shown as an image, and why."""

    record = models.ForeignKey("RecordFile", on_delete=models.CASCADE, related_name="flags")
    name = models.CharField(max_length=255)
    blob = models.ForeignKey(Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=32)
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record", "name"]

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"
