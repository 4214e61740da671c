"""Issue #3: files arrive in resumable chunks, are typed by content, hashed, stored once, and refused clearly."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from cellway.cases.models import CaseEvent
from cellway.errors import NotAllowed, Refusal
from cellway.records import services
from cellway.records.models import (
    Blob,
    ImagingSeries,
    ImagingSlice,
    ImagingStudy,
    IngestFlag,
    IngestStatus,
    ItemStatus,
    RecordFile,
    RecordItem,
    UploadSession,
)
from cellway.records.tests.conftest import no_pixel_dicom, zipped

PDF = b"%PDF-1.4\n" + b"blood count " * 100


def written(case):
    return (
        RecordFile.objects.count(),
        Blob.objects.count(),
        CaseEvent.objects.filter(case=case).count(),
        ImagingStudy.objects.count(),
        tuple(RecordItem.objects.filter(case=case).order_by("kind").values_list("status", flat=True)),
    )


def parts(settings) -> set[Path]:
    folder = Path(settings.MEDIA_ROOT) / ".uploads"
    return set(folder.glob("*.part")) if folder.exists() else set()


NOISE = b"".join(hashlib.sha256(str(n).encode()).digest() for n in range(2000))  # does not compress


def test_a_file_sent_in_chunks_is_stored_hashed_typed_by_content_and_marks_its_item_received(inquiry, staff, send, settings):
    hematology = RecordItem.objects.get(case=inquiry, kind="hematology")

    record = send(hematology, staff["carla"], "cbc.bin", PDF, chunk=300)

    assert (record.sha256, record.size, record.content_type) == (hashlib.sha256(PDF).hexdigest(), len(PDF), "application/pdf")
    assert record.file.read() == PDF
    assert record.file.name == f"blobs/{record.sha256[:2]}/{record.sha256}"
    assert RecordItem.objects.get(pk=hematology.pk).status == ItemStatus.RECEIVED
    event = CaseEvent.objects.filter(case=inquiry, kind="record.uploaded").get()
    assert (event.actor, event.data["sha256"], event.data["source"]) == (staff["carla"], record.sha256, "staff upload")
    assert record.ingest.status == IngestStatus.DONE
    assert record.blob.scan_status == "not_scanned"
    assert not services.part_path(UploadSession.objects.get(record=record)).exists()


def test_a_chunk_sent_twice_is_written_once_and_a_chunk_past_the_end_is_told_where_to_go_on(imaging, staff):
    content = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    session = services.start_upload(item=imaging, by=staff["carla"], name="scan.png", size=len(content))
    first, second = content[:4096], content[4096:]

    services.append_chunk(upload=session, by=staff["carla"], offset=0, stream=io.BytesIO(first), length=len(first))
    services.append_chunk(upload=session, by=staff["carla"], offset=0, stream=io.BytesIO(first), length=len(first))  # a retry
    with pytest.raises(services.OffsetMismatch) as ahead:
        services.append_chunk(upload=session, by=staff["carla"], offset=8192, stream=io.BytesIO(b"x" * 10), length=10)
    services.append_chunk(upload=session, by=staff["carla"], offset=4096, stream=io.BytesIO(second), length=len(second))
    record = services.complete_upload(upload=session, by=staff["carla"])

    assert ahead.value.offset == 4096
    assert ahead.value.message == "The upload of scan.png continues at byte 4,096."
    assert record.file.read() == content
    assert services.complete_upload(upload=session, by=staff["carla"]) == record  # completing again changes nothing
    assert RecordFile.objects.count() == 1


def test_an_interrupted_upload_is_found_again_by_its_key_and_goes_on_where_it_stopped(imaging, staff):
    content = b"\x89PNG\r\n\x1a\n" + bytes(10_000)
    session = services.start_upload(item=imaging, by=staff["carla"], name="scan.png", size=len(content), client_key="scan.png:10008:1")
    services.append_chunk(upload=session, by=staff["carla"], offset=0, stream=io.BytesIO(content[:5000]), length=5000)

    again = services.start_upload(item=imaging, by=staff["carla"], name="scan.png", size=len(content), client_key="scan.png:10008:1")

    assert (again.pk, again.received) == (session.pk, 5000)
    assert UploadSession.objects.count() == 1


def test_a_chunk_cut_short_does_not_move_the_upload_on(imaging, staff):
    content = b"\x89PNG\r\n\x1a\n" + bytes(10_000)
    session = services.start_upload(item=imaging, by=staff["carla"], name="scan.png", size=len(content))

    with pytest.raises(Refusal) as refused:
        services.append_chunk(upload=session, by=staff["carla"], offset=0, stream=io.BytesIO(content[:100]), length=5000)

    assert refused.value.message == "The chunk at byte 0 of scan.png was cut short; send it again."
    assert UploadSession.objects.get(pk=session.pk).received == 0


def test_the_same_file_sent_twice_is_stored_once(inquiry, imaging, staff, send):
    png = b"\x89PNG\r\n\x1a\n" + b"xray" * 500
    first = send(imaging, staff["carla"], "xray.png", png)

    again = send(imaging, staff["liam"], "xray (1).png", png)
    elsewhere = send(RecordItem.objects.get(case=inquiry, kind="media"), staff["carla"], "photo.png", png)

    assert again == first
    assert CaseEvent.objects.filter(case=inquiry, kind__in=["record.uploaded", "record.resent"]).count() == 3
    resent = CaseEvent.objects.filter(case=inquiry, kind="record.resent").get()
    assert resent.summary == "xray (1).png sent again; identical to xray.png, not stored twice"
    assert elsewhere != first and elsewhere.blob == first.blob
    assert Blob.objects.count() == 1


def test_a_file_whose_sha256_differs_from_the_one_announced_is_refused(imaging, staff, settings, inquiry):
    content = b"\x89PNG\r\n\x1a\n" + bytes(100)
    session = services.start_upload(item=imaging, by=staff["carla"], name="scan.png", size=len(content), sha256="0" * 64)
    services.append_chunk(upload=session, by=staff["carla"], offset=0, stream=io.BytesIO(content), length=len(content))
    before = written(inquiry)

    with pytest.raises(Refusal) as refused:
        services.complete_upload(upload=session, by=staff["carla"])

    assert refused.value.message == "scan.png arrived damaged (its SHA-256 is not the one announced); please send it again."
    assert written(inquiry) == before and not services.part_path(session).exists()


# --- Bad input: each refused with a clear message, nothing left behind ---------------------


def test_an_empty_file_is_refused_before_a_byte_is_sent(imaging, staff, inquiry):
    before = written(inquiry)

    with pytest.raises(Refusal) as refused:
        services.start_upload(item=imaging, by=staff["carla"], name="scan.dcm", size=0)

    assert refused.value.message == "scan.dcm is empty (0 bytes), so it may not have copied fully; please send it again."
    assert written(inquiry) == before and UploadSession.objects.count() == 0


def test_a_file_over_the_limit_is_refused_stating_the_limit(imaging, staff, inquiry, settings):
    settings.RECORDS_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    before = written(inquiry)

    with pytest.raises(services.TooLarge) as refused:
        services.start_upload(item=imaging, by=staff["carla"], name="cd.zip", size=3 * 1024 * 1024)

    assert refused.value.message == "cd.zip is 3.0 MiB; the largest file we accept is 2.0 MiB."
    assert written(inquiry) == before and UploadSession.objects.count() == 0


def test_a_non_dicom_file_named_dcm_is_refused_by_its_content_at_the_first_chunk(imaging, staff, inquiry, settings):
    content = b"Patient: Jane Doe\nMRI booked for Tuesday\n" * 20
    session = services.start_upload(item=imaging, by=staff["carla"], name="brain.dcm", size=len(content))
    before = written(inquiry)

    with pytest.raises(Refusal) as refused:
        services.append_chunk(upload=session, by=staff["carla"], offset=0, stream=io.BytesIO(content), length=len(content))

    assert refused.value.message == "brain.dcm is a plain text file; we accept DICOM, ZIP, JPEG or PNG for imaging (MRI, CT, X-ray)."
    assert written(inquiry) == before
    assert UploadSession.objects.count() == 0 and not services.part_path(session).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "truncated.zip",
            zipped({"IM0001": NOISE})[:-200],
            "truncated.zip: This ZIP file is damaged or incomplete (perhaps the upload or the copy was cut short); "
            "please create it again and re-send it.",
            id="truncated zip",
        ),
        pytest.param(
            "bomb.zip",
            zipped({"IM0001": bytes(50 * 1024 * 1024)}),
            "bomb.zip: 'IM0001' in this archive expands 1,029 times when unpacked, which medical files never do; "
            "we refuse it as a possible zip bomb.",
            id="zip bomb",
        ),
        pytest.param(
            "escape.zip",
            zipped({"../../etc/cron.d/x": b"* * * * * root sh"}),
            "escape.zip: The archive contains an unsafe file name ('../../etc/cron.d/x') that points outside its folder; "
            "we do not open archives like this.",
            id="path traversal",
        ),
    ],
)
def test_a_bad_archive_is_refused_whole_and_nothing_is_left_behind(imaging, staff, inquiry, send, settings, name, content, message):
    before, parts_before = written(inquiry), parts(settings)

    with pytest.raises(Refusal) as refused:
        send(imaging, staff["carla"], name, content, chunk=1024 * 1024)

    assert refused.value.message == message
    assert written(inquiry) == before
    assert UploadSession.objects.count() == 0 and parts(settings) == parts_before
    sha = hashlib.sha256(content).hexdigest()
    assert not (Path(settings.MEDIA_ROOT) / "blobs" / sha[:2] / sha).exists()


def test_an_archive_with_too_many_files_is_refused(imaging, staff, inquiry, send, settings):
    from cellway.records.intake import archive

    settings.RECORDS_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    content = zipped({f"IM{n:05d}": b"x" for n in range(30)})
    before = written(inquiry)
    original = archive.ArchiveLimits.__init__.__defaults__
    archive.ArchiveLimits.__init__.__defaults__ = (8 * archive.GiB, 20, 2 * archive.GiB, 200.0, archive.MiB)
    try:
        with pytest.raises(Refusal) as refused:
            send(imaging, staff["carla"], "many.zip", content)
    finally:
        archive.ArchiveLimits.__init__.__defaults__ = original

    assert refused.value.message == "many.zip: This archive holds 30 files; we accept at most 20 in one archive. Please split it."
    assert written(inquiry) == before


def test_only_care_and_liaison_attach_records(imaging, staff, inquiry):
    before = written(inquiry)

    with pytest.raises(NotAllowed) as refused:
        services.start_upload(item=imaging, by=staff["fiona"], name="scan.png", size=10)

    assert refused.value.message == "Your role does not allow you to attach records."
    assert written(inquiry) == before


def test_only_the_person_who_started_an_upload_continues_it(imaging, staff):
    session = services.start_upload(item=imaging, by=staff["carla"], name="scan.png", size=10)

    with pytest.raises(NotAllowed) as refused:
        services.append_chunk(upload=session, by=staff["liam"], offset=0, stream=io.BytesIO(b"x" * 10), length=10)

    assert refused.value.message == "Only the person who started this upload can continue it."
    assert UploadSession.objects.get(pk=session.pk).received == 0


def test_stale_uploads_are_removed_with_their_part_files(imaging, staff, settings):
    session = services.start_upload(item=imaging, by=staff["carla"], name="scan.png", size=20)
    services.append_chunk(upload=session, by=staff["carla"], offset=0, stream=io.BytesIO(b"\x89PNG\r\n\x1a\n12"), length=10)
    UploadSession.objects.filter(pk=session.pk).update(updated_at=session.created_at.replace(year=2020))

    assert services.abandon_stale_uploads() == 1
    assert UploadSession.objects.count() == 0 and not services.part_path(session).exists()


# --- DICOM ingest ---------------------------------------------------------------------------


def test_a_zipped_mr_study_is_ingested_into_studies_series_and_slices_with_previews(inquiry, imaging, staff, send, mr_zip):
    record = send(imaging, staff["carla"], "mri.zip", mr_zip, chunk=256 * 1024)

    record.ingest.refresh_from_db()
    assert record.ingest.status == IngestStatus.DONE
    assert record.ingest.message == "24 images in 3 series of 1 study."
    assert (record.ingest.done, record.ingest.total) == (24, 24)
    study = ImagingStudy.objects.get(case=inquiry)
    assert (study.description, study.modalities, study.body_part, study.series_count, study.slice_count) == (
        "MRI BRAIN WITHOUT AND WITH CONTRAST", "MR", "BRAIN", 3, 24)
    assert str(study.study_date) == "2025-03-14"
    series = list(study.series.all())
    assert [(s.number, s.description, s.slice_count) for s in series] == [(1, "T1 AX", 8), (2, "T2 AX", 8), (3, "FLAIR AX", 8)]
    assert all(s.preview and s.preview.read(8) == b"\x89PNG\r\n\x1a\n" for s in series)
    assert CaseEvent.objects.filter(case=inquiry, kind="record.ingested").get().summary == "mri.zip: 24 images in 3 series of 1 study."


def test_the_same_study_sent_again_adds_no_slices(inquiry, imaging, staff, send, mr_zip):
    send(imaging, staff["carla"], "mri.zip", mr_zip)
    blobs = Blob.objects.count()

    send(imaging, staff["carla"], "mri-again.zip", zipped({"IMG/" + n: d for n, d in _members(mr_zip).items()}))

    assert ImagingSlice.objects.count() == 24 and ImagingStudy.objects.get(case=inquiry).slice_count == 24
    assert Blob.objects.count() == blobs + 1  # only the new archive; its slices were stored already


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {Path(i.filename).name: zf.read(i) for i in zf.infolist()}


def test_single_dicom_files_from_pydicoms_test_data_are_ingested(inquiry, imaging, staff, send):
    ct = Path(get_testdata_file("CT_small.dcm")).read_bytes()
    mr = Path(get_testdata_file("MR_small.dcm")).read_bytes()

    send(imaging, staff["carla"], "ct.dcm", ct)
    send(imaging, staff["carla"], "mr.dcm", mr)

    studies = ImagingStudy.objects.filter(case=inquiry)
    assert sorted(s.modalities for s in studies) == ["CT", "MR"]
    assert all(s.series_count == 1 and s.slice_count == 1 for s in studies)
    assert all(s.preview for s in ImagingSeries.objects.all())


def test_a_dicom_without_pixel_data_is_kept_and_flagged(inquiry, imaging, staff, send):
    record = send(imaging, staff["carla"], "report.dcm", no_pixel_dicom())

    record.ingest.refresh_from_db()
    flag = IngestFlag.objects.get(record=record)
    assert (flag.name, flag.code) == ("report.dcm", "no_image")
    assert flag.reason == "This DICOM file holds no image (Basic Text SR Storage)."
    assert flag.blob == record.blob and record.file.read()[128:132] == b"DICM"
    assert ImagingStudy.objects.count() == 0
    assert record.ingest.status == IngestStatus.DONE
    assert record.ingest.message == "0 images in 0 series of 0 studies; 1 DICOM file kept but flagged."


def test_corrupt_and_non_image_dicom_in_an_archive_are_flagged_and_the_rest_ingested(inquiry, imaging, staff, send, mr_zip):
    members = _members(mr_zip)
    first = next(iter(members))
    members["CUT"] = members[first][: len(members[first]) // 2]  # image data cut short
    members["SR"] = no_pixel_dicom()
    members["README.TXT"] = b"Burned by ScanCD 3.1"
    members["viewer.exe"] = b"MZ\x90\x00" + bytes(100)

    record = send(imaging, staff["carla"], "cd.zip", zipped(members))

    record.ingest.refresh_from_db()
    assert record.ingest.status == IngestStatus.DONE
    assert sorted(IngestFlag.objects.filter(record=record).values_list("name", "code")) == [("CUT", "damaged"), ("SR", "no_image")]
    assert ImagingStudy.objects.get(case=inquiry).slice_count == 24
    assert record.ingest.summary["skipped"] == ["README.TXT (a plain text file)", "viewer.exe (a Windows executable)"]
    assert "2 DICOM files kept but flagged; 2 non-DICOM files not imported" in record.ingest.message


def test_a_zipped_cd_with_a_dicomdir_reports_the_files_it_lists_but_lacks(inquiry, imaging, staff, send):
    root = Path(get_testdata_file("DICOMDIR")).parent
    files = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file() and p.name.upper() != "DICOMDIR"}
    files = {n: d for n, d in files.items() if n.startswith(("77654033", "98892001"))}
    dropped = sorted(files)[0]
    del files[dropped]
    files["DICOMDIR"] = (root / "DICOMDIR").read_bytes()

    record = send(imaging, staff["carla"], "cd.zip", zipped(files))

    record.ingest.refresh_from_db()
    assert record.ingest.status == IngestStatus.DONE
    assert dropped in record.ingest.summary["dicomdir_missing"]
    assert ImagingStudy.objects.filter(case=inquiry).exists()
