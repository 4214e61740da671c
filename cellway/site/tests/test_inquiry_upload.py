"""The web inquiry's records upload: a signed, expiring link per inquiry (no account) takes files through the
records intake (size, type by content, archive rules, SHA-256, stored once, virus scan) onto the case's
"unsorted" item for the care team; a refused file is answered on the public page, in the visitor's language,
and the inquiry stays as it was."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cellway.cases.events import EventKind
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.records import public
from cellway.records.models import RecordFile, RecordItem, RecordKind, ScanStatus
from cellway.site.tests.test_inquiry import send

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 200
# The EICAR anti-virus test file, put together here so that this source file is not itself the test file.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture
def link(client: Client, django_capture_on_commit_callbacks: Any) -> str:
    """The upload page's address of a freshly sent inquiry (where the inquiry form sends the visitor)."""
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, lang="en")
    assert response.status_code == 302
    return str(response["Location"])


def post(client: Client, url: str, name: str, content: bytes, capture: Any, **extra: str) -> Any:
    with capture(execute=True):
        return client.post(url, {"file": SimpleUploadedFile(name, content)}, **extra)


def case_of(url: str) -> Case:
    return public.case_for_token(url.rstrip("/").rsplit("/", 1)[1])


def test_the_inquiry_leads_to_its_upload_page_which_takes_a_file_into_the_unsorted_records(
    client: Client, link: str, django_capture_on_commit_callbacks: Any
) -> None:
    page = client.get(link)
    assert page.status_code == 200 and "Send your records" in page.text and 'src="/static/site/upload.js"' in page.text
    assert page["Cache-Control"].startswith("max-age=0")

    response = post(client, link, "mri report.pdf", PDF, django_capture_on_commit_callbacks, **XHR)

    assert response.status_code == 200, response.content
    assert response.json() == {"message": "mri report.pdf is received. Our care team will sort it into your records."}
    case = case_of(link)
    record = RecordFile.objects.select_related("item", "blob", "ingest").get()
    assert (record.item.case, record.item.kind, record.uploaded_by, record.source) == (case, RecordKind.UNSORTED, None, "website upload")
    assert record.content_type == "application/pdf" and len(record.sha256) == 64
    assert record.ingest.status == "done"  # the background work ran (immediate tasks in tests)
    uploaded = case.events.get(kind=EventKind.RECORD_UPLOADED)
    assert uploaded.actor is None and "mri report.pdf added to Unsorted" in uploaded.summary
    listed = client.get(link).text
    assert "mri report.pdf" in listed and "received" in listed


def test_the_same_file_twice_is_stored_once(client: Client, link: str, django_capture_on_commit_callbacks: Any) -> None:
    post(client, link, "a.pdf", PDF, django_capture_on_commit_callbacks, **XHR)
    again = post(client, link, "copy of a.pdf", PDF, django_capture_on_commit_callbacks, **XHR)
    assert again.status_code == 200
    assert RecordFile.objects.count() == 1
    assert case_of(link).events.filter(kind=EventKind.RECORD_RESENT).count() == 1


def test_a_file_the_intake_refuses_is_answered_on_the_page_in_the_visitors_language_and_the_inquiry_is_kept(
    client: Client, link: str, django_capture_on_commit_callbacks: Any
) -> None:
    arabic = link.replace("/en/", "/ar/", 1)
    response = post(client, arabic, "setup.exe", EXE, django_capture_on_commit_callbacks, **XHR)
    assert response.status_code == 415
    assert "setup.exe" in response.json()["error"] and "PDF" in response.json()["error"]
    assert "نقبل" in response.json()["error"]
    # Without the page's script: the page again, with the message, the same status.
    page = post(client, link, "setup.exe", EXE, django_capture_on_commit_callbacks)
    assert page.status_code == 415 and "setup.exe is not a kind of file we accept" in page.text and 'role="status"' in page.text
    empty = post(client, link, "blank.pdf", b"", django_capture_on_commit_callbacks, **XHR)
    assert empty.status_code == 422 and "empty" in empty.json()["error"]
    assert not RecordFile.objects.exists()
    case = case_of(link)
    assert case.stage == Stage.INQUIRY and Case.objects.count() == 1
    assert not RecordItem.objects.filter(case=case, kind=RecordKind.UNSORTED, files__isnull=False).exists()


def test_a_file_over_the_size_limit_is_refused_with_the_limit(
    client: Client, link: str, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.RECORDS_UPLOAD_MAX_BYTES = 1024
    response = post(client, link, "scan.png", PNG + b"\x00" * 2048, django_capture_on_commit_callbacks, **XHR)
    assert response.status_code == 413 and "1.0 KiB" in response.json()["error"]
    assert not RecordFile.objects.exists()


def test_a_damaged_archive_is_refused(client: Client, link: str, django_capture_on_commit_callbacks: Any) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("study/IM0001", b"\x00" * 50_000)
    response = post(client, link, "cd.zip", out.getvalue()[:-200], django_capture_on_commit_callbacks, **XHR)
    assert response.status_code == 422 and "cd.zip" in response.json()["error"]
    assert not RecordFile.objects.exists()


def test_a_forged_or_changed_link_is_404_and_an_expired_one_410(
    client: Client, link: str, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = reverse("site:inquiry_records", args=[token[:-2] + ("AA" if not token.endswith("AA") else "BB")])
    assert client.get(forged).status_code == 404
    assert post(client, forged, "a.pdf", PDF, django_capture_on_commit_callbacks, **XHR).status_code == 404
    assert client.get(reverse("site:inquiry_records", args=["not-a-token"])).status_code == 404
    later = time.time() + dt.timedelta(days=public.UPLOAD_LINK_DAYS + 1).total_seconds()
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    expired = client.get(link)
    assert expired.status_code == 410 and "expired" in expired.text
    assert post(client, link, "a.pdf", PDF, django_capture_on_commit_callbacks, **XHR).status_code == 410
    assert not RecordFile.objects.exists()


def test_a_case_past_collecting_records_takes_no_more_files(
    client: Client, link: str, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from cellway.cases.services import end_case

    case = case_of(link)
    end_case(case=case, to=Stage.WITHDRAWN, by=staff["carla"], reason="Wrote that they found another clinic")
    response = post(client, link, "a.pdf", PDF, django_capture_on_commit_callbacks, **XHR)
    assert response.status_code == 409 and "no longer collecting" in response.json()["error"]
    assert not RecordFile.objects.exists()


def test_one_link_takes_at_most_max_files(
    client: Client, link: str, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(public, "MAX_FILES", 1)
    assert post(client, link, "a.pdf", PDF, django_capture_on_commit_callbacks, **XHR).status_code == 200
    full = post(client, link, "b.png", PNG, django_capture_on_commit_callbacks, **XHR)
    assert full.status_code == 409 and "as many files" in full.json()["error"]
    assert RecordFile.objects.count() == 1


def test_a_post_without_a_file_asks_for_one(client: Client, link: str) -> None:
    response = client.post(link, {}, **XHR)
    assert response.status_code == 422 and response.json() == {"error": "Choose a file to send."}


def test_the_service_refuses_a_staff_free_upload_that_skips_the_link(inquiry_case: Case) -> None:
    """The intake takes a file with no staff member only from a caller that checked its own rule (the link)."""
    from cellway.errors import NotAllowed
    from cellway.records import services

    item = RecordItem.objects.create(case=inquiry_case, kind=RecordKind.UNSORTED)
    with pytest.raises(NotAllowed):
        services._receive_one_request(
            item=item, upload=SimpleUploadedFile("a.pdf", PDF), by=None, source="website upload", checked_by_caller=False
        )
    assert not RecordFile.objects.exists()


@pytest.fixture
def inquiry_case(link: str) -> Case:
    return case_of(link)


@pytest.mark.clamav
def test_the_eicar_file_sent_through_the_public_upload_is_quarantined_never_served(
    client: Client, link: str, real_clamd: str, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The real ClamAV daemon (.ci/clamav, EICAR test signature) scans what the public sends."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("records/eicar.com", EICAR)
    response = post(client, link, "records.zip", out.getvalue(), django_capture_on_commit_callbacks, **XHR)
    assert response.status_code == 200  # taken: the scan runs after commit, in the background

    record = RecordFile.objects.select_related("blob", "ingest").get()
    assert record.blob is not None and record.blob.scan_status == ScanStatus.INFECTED
    assert record.blob.scan_detail.startswith("Eicar-Test-Signature")
    assert record.ingest.status == "failed" and "Quarantined" in record.ingest.message
    case = case_of(link)
    assert case.events.filter(kind=EventKind.RECORD_QUARANTINED).count() == 1
    # Never served: not to staff, and the visitor's page says it was refused.
    assert as_user("liam").get(reverse("console:record_file", args=[record.uuid])).status_code == 403
    assert as_user("liam").get(reverse("records:download", args=[record.uuid])).status_code == 403
    page = client.get(link)
    assert 'data-state="refused"' in page.text
    # And a clean file through the same daemon is scanned clean.
    post(client, link, "report.pdf", PDF, django_capture_on_commit_callbacks, **XHR)
    clean = RecordFile.objects.select_related("blob").get(original_name="report.pdf")
    assert clean.blob is not None and clean.blob.scan_status == ScanStatus.CLEAN


def test_the_care_team_sorts_an_unsorted_file_into_the_checklist_from_the_case_page(
    client: Client, link: str, as_user: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    post(client, link, "blood.pdf", PDF, django_capture_on_commit_callbacks, **XHR)
    case = case_of(link)
    record = RecordFile.objects.get()
    carla = as_user("carla")
    page = carla.get(reverse("console:case", args=[case.uuid]))
    assert page.status_code == 200 and "Unsorted (sent with a web inquiry)" in page.text
    assert reverse("console:act-sort-record", args=[case.uuid]) in page.text

    # A PDF is not an imaging type: refused with the reason, nothing moved.
    refused = carla.post(reverse("console:act-sort-record", args=[case.uuid]), {"record": record.uuid, "kind": "imaging"})
    assert refused.status_code == 422 and "Imaging (MRI, CT, X-ray) takes DICOM, ZIP, JPEG, PNG" in refused.text
    record.refresh_from_db()
    assert record.item.kind == RecordKind.UNSORTED

    moved = carla.post(reverse("console:act-sort-record", args=[case.uuid]), {"record": record.uuid, "kind": "hematology"})
    assert moved.status_code == 302
    record.refresh_from_db()
    assert record.item.kind == RecordKind.HEMATOLOGY and record.item.status == "received"
    assert case.events.filter(summary="blood.pdf sorted from Unsorted to Hematology (blood tests)").exists()
    # Once sorted it is not unsorted any more; someone who cannot see the case cannot reach it.
    again = carla.post(reverse("console:act-sort-record", args=[case.uuid]), {"record": record.uuid, "kind": "assessment"})
    assert again.status_code == 422 and "already sorted" in again.text
    outsider = as_user("outsider").post(reverse("console:act-sort-record", args=[case.uuid]), {"record": record.uuid, "kind": "assessment"})
    assert outsider.status_code == 404


def test_a_zipped_study_sorted_into_imaging_is_read_for_its_series(
    client: Client, link: str, staff: dict[str, Any], tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from cellway.records.intake.synthetic import write_study
    from cellway.records.models import ImagingStudy
    from cellway.records.services import sort_record

    paths = write_study(tmp_path / "study", 6, series=2, rows=32, cols=32)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in paths:
            zf.write(p, f"DICOM/{p.name}")
    post(client, link, "cd.zip", out.getvalue(), django_capture_on_commit_callbacks, **XHR)
    record = RecordFile.objects.get()
    assert record.ingest.status == "done" and not ImagingStudy.objects.exists()  # unsorted: kept, not read

    with django_capture_on_commit_callbacks(execute=True):
        sort_record(record=record, kind="imaging", by=staff["carla"])

    record.refresh_from_db()
    study = ImagingStudy.objects.get(case=case_of(link))
    assert (study.series_count, study.slice_count) == (2, 6)
    assert record.ingest.status == "done" and record.item.kind == RecordKind.IMAGING


@pytest.mark.parametrize("language", ["en", "zh-hans", "ar"])
def test_the_upload_page_loads_nothing_from_another_host_and_is_translated(client: Client, link: str, language: str) -> None:
    from cellway.site.tests.own_host import foreign_references

    page = client.get(link.replace("/en/", f"/{language}/", 1))
    assert page.status_code == 200
    assert foreign_references(page.text) == []
    words = {"en": "Send your records", "zh-hans": "发送您的病历资料", "ar": "أرسل سجلاتك الطبية"}[language]
    assert words in page.text
