# The screening report becomes a record file of the case (records intake), and existing reports move there.

import hashlib

import django.db.models.deletion
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import migrations, models, transaction
from django.utils import timezone

ACCEPTED = ("application/pdf", "image/jpeg", "image/png")


def _read(name):
    """The first 8 KiB (for typing), the SHA-256 and the size of a stored file, read 1 MiB at a time."""
    digest, size, head = hashlib.sha256(), 0, b""
    with default_storage.open(name, "rb") as stored:
        for piece in iter(lambda: stored.read(1024 * 1024), b""):
            head = head or piece[:8192]
            digest.update(piece)
            size += len(piece)
    return head, digest.hexdigest(), size


def move_reports_into_records(apps, schema_editor):
    from cellway.records.intake import filetypes  # typing by content, as intake does

    ScreeningResult = apps.get_model("plans", "ScreeningResult")
    RecordItem = apps.get_model("records", "RecordItem")
    RecordFile = apps.get_model("records", "RecordFile")
    Blob = apps.get_model("records", "Blob")
    Ingest = apps.get_model("records", "Ingest")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    moved = []
    for result in ScreeningResult.objects.exclude(report="").order_by("pk"):
        old = result.report.name
        if not default_storage.exists(old):
            continue
        head, sha256, size = _read(old)
        detected = filetypes.sniff(head)
        if detected.mime not in ACCEPTED or size == 0:
            # Never served before; not served now. The bytes stay where they were for staff to look at.
            CaseEvent.objects.create(
                case_id=result.case_id,
                kind="screening",
                summary=f"The screening report of {result.sample_date} is {detected.description}, not a PDF, JPEG or PNG; "
                f"it was not moved into the records (stored as {old}). Ask the laboratory for the report again."[:300],
            )
            continue
        blob = Blob.objects.filter(sha256=sha256).first()
        if blob is None:
            name = f"blobs/{sha256[:2]}/{sha256}"
            if not default_storage.exists(name):
                with default_storage.open(old, "rb") as stored:
                    name = default_storage.save(name, File(stored))
            blob = Blob.objects.create(
                sha256=sha256,
                size=size,
                mime=detected.mime,
                file=name,
                scan_status="not_scanned",
                scan_detail="Stored as a screening report before reports went through records intake.",
            )
        item, _ = RecordItem.objects.get_or_create(case_id=result.case_id, kind="screening", defaults={"status": "received"})
        record = RecordFile.objects.create(
            item=item,
            file=blob.file.name,
            blob=blob,
            original_name=f"Screening report {result.sample_date}{detected.extension}",
            content_type=detected.mime,
            size=size,
            sha256=sha256,
            uploaded_by_id=result.recorded_by_id,
            source="screening report",
        )
        RecordFile.objects.filter(pk=record.pk).update(uploaded_at=result.recorded_at)
        Ingest.objects.create(
            record=record, status="done", message="Moved from the old screening report store (not scanned).", finished_at=timezone.now()
        )
        ScreeningResult.objects.filter(pk=result.pk).update(report_file=record)
        if blob.file.name != old:
            moved.append(old)
    # The old copies go only once the new rows are committed.
    transaction.on_commit(lambda: [default_storage.delete(name) for name in moved])


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0002_append_only_and_conditions'),
        ('plans', '0001_initial'),
        ('records', '0003_screening_report_kind'),
    ]

    operations = [
        migrations.AddField(
            model_name='screeningresult',
            name='report_file',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='records.recordfile'),
        ),
        # Not reversible in full: going back leaves the reports as record files and the old field empty.
        migrations.RunPython(move_reports_into_records, migrations.RunPython.noop),
        # The old field goes in 0003: PostgreSQL alters no table with rows this transaction still has to check.
    ]
