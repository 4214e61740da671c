"""The screening report goes through records intake: typed by content, size-limited, hashed, scanned.

A refused report refuses the whole result: no ScreeningResult, no record, no stored bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import Refusal
from cellway.plans import services as plans
from cellway.plans.models import ScreeningResult
from cellway.records.models import Blob, ItemStatus, RecordFile, RecordItem, RecordKind, ScanStatus

MARKERS = "CEA 1.1 ng/mL; CA 15-3 12 U/mL"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"CEA 1.1 ng/mL" * 20 + b"\n%%EOF\n"


def blob_path(settings, content: bytes) -> Path:
    sha = hashlib.sha256(content).hexdigest()
    return Path(settings.MEDIA_ROOT) / "blobs" / sha[:2] / sha


def written(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    return (fresh.stage, fresh.version, fresh.events.count(), ScreeningResult.objects.filter(case=case).count(),
            RecordFile.objects.filter(item__case=case).count(), Blob.objects.count(), fresh.record_items.count())


def record(case, staff, report) -> ScreeningResult:
    return plans.record_screening(case=case, by=staff["carla"], sample_date=clinic_today() - dt.timedelta(days=3),
                                  markers=MARKERS, laboratory="Lab Lisboa", report=report)


def test_a_pdf_report_is_stored_as_a_record_file_with_its_hash_and_type(case_at, staff, settings, django_capture_on_commit_callbacks):
    case = case_at(Stage.ACCEPTED)

    with django_capture_on_commit_callbacks(execute=True):
        result = record(case, staff, SimpleUploadedFile("markers.pdf", PDF, "application/pdf"))

    report = result.report
    assert report is not None
    assert (report.original_name, report.content_type, report.size) == ("markers.pdf", "application/pdf", len(PDF))
    assert report.sha256 == hashlib.sha256(PDF).hexdigest() == report.blob.sha256
    item = RecordItem.objects.get(pk=report.item_id)
    assert (item.case_id, item.kind, item.status) == (case.pk, RecordKind.SCREENING, ItemStatus.RECEIVED)
    assert report.source == "screening report"
    assert blob_path(settings, PDF).read_bytes() == PDF
    assert report.blob.scan_status == ScanStatus.NOT_SCANNED  # no scanner configured in tests: said so, as for every record
    report.refresh_from_db()
    assert report.ingest.status == "done"  # the records pipeline ran on it after commit
    kinds = list(case.events.order_by("pk").values_list("kind", flat=True))
    assert kinds[-3:] == ["record.uploaded", "screening", "record.ingested"]


def test_a_result_without_a_report_has_none(case_at, staff):
    case = case_at(Stage.ACCEPTED)
    assert record(case, staff, None).report is None
    assert not case.record_items.filter(kind=RecordKind.SCREENING).exists()


def test_a_new_cases_checklist_does_not_ask_for_the_screening_report_at_intake(case_at):
    case = case_at(Stage.INQUIRY)
    assert sorted(case.record_items.values_list("kind", flat=True)) == sorted(["imaging", "hematology", "assessment", "media"])


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.pdf", b"", "empty.pdf is empty (0 bytes), so it may not have copied fully; please send it again."),
    # Typed by content, not by the name or what the browser says: an executable dressed as a PDF.
    ("markers.pdf", b"MZ\x90\x00" + bytes(200),
     "markers.pdf is a Windows executable; we accept PDF, JPEG or PNG for screening reports."),
    ("big.pdf", b"%PDF-1.7\n" + bytes(2191), "big.pdf is 2.1 KiB; the largest file we accept is 2.0 KiB."),
])
def test_a_refused_report_writes_nothing(case_at, staff, settings, name, content, message):
    settings.RECORDS_UPLOAD_MAX_BYTES = 2048
    case = case_at(Stage.ACCEPTED)
    before = written(case)

    with pytest.raises(Refusal) as refused:
        record(case, staff, SimpleUploadedFile(name, content, "application/pdf"))

    assert refused.value.message == message
    assert written(case) == before
    assert not blob_path(settings, content).exists()


def test_a_report_whose_result_does_not_commit_leaves_no_bytes_behind(case_at, staff, settings, monkeypatch):
    case = case_at(Stage.ACCEPTED)
    before = written(case)

    def failing_create(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ScreeningResult.objects, "create", failing_create)
    content = PDF + b"never committed"

    with pytest.raises(RuntimeError):
        record(case, staff, SimpleUploadedFile("markers.pdf", content, "application/pdf"))

    assert written(case) == before
    assert not blob_path(settings, content).exists()


# The migration changes the tables around its rows, so the test migrates the database back to before it and forward
# again: minutes on SQLite, which rebuilds a table for most later migrations. It runs once, in CI's PostgreSQL stage.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reports_stored_before_the_change_move_into_the_records(case_at, staff, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    case = case_at(Stage.ACCEPTED)
    sample = clinic_today() - dt.timedelta(days=3)
    before = [("plans", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("plans", "ScreeningResult")
    pdf_name = default_storage.save(f"screening/{case.uuid}/old-pdf", ContentFile(PDF))
    exe_name = default_storage.save(f"screening/{case.uuid}/old-exe", ContentFile(b"MZ\x90\x00" + bytes(200)))
    with_pdf = old.objects.create(case_id=case.pk, sample_date=sample, markers=MARKERS, report=pdf_name, recorded_by_id=staff["carla"].pk)
    with_exe = old.objects.create(case_id=case.pk, sample_date=sample, markers=MARKERS, report=exe_name, recorded_by_id=staff["carla"].pk)
    without = old.objects.create(case_id=case.pk, sample_date=sample, markers=MARKERS, recorded_by_id=staff["carla"].pk)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = ScreeningResult.objects.get(pk=with_pdf.pk).report
    assert moved is not None and moved.sha256 == hashlib.sha256(PDF).hexdigest() and moved.content_type == "application/pdf"
    assert moved.item.kind == RecordKind.SCREENING and moved.original_name == f"Screening report {sample}.pdf"
    assert blob_path(settings, PDF).read_bytes() == PDF
    assert not default_storage.exists(pdf_name)  # moved, not copied
    # An executable is not a report: not served as a record, kept where it was, and the trail says so.
    assert ScreeningResult.objects.get(pk=with_exe.pk).report is None and default_storage.exists(exe_name)
    assert case.events.filter(kind="screening", summary__contains="a Windows executable").exists()
    assert ScreeningResult.objects.get(pk=without.pk).report is None
