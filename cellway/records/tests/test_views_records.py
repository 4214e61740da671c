"""The records pages and upload endpoints: scoped (404 outside scope, 403 for a role that may not act), over HTTP."""

from __future__ import annotations

import json
import os
import socket
import struct
import threading

import pytest
from django.urls import reverse

from cellway.cases.models import CaseEvent
from cellway.cases.stages import Stage
from cellway.records import services
from cellway.records.models import Blob, ImagingSeries, ImagingStudy, RecordFile, ScanStatus, UploadSession

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 100


def http_upload(client, case, item, name, content, chunk=8192):
    start = client.post(reverse("records:upload-start", args=[case.uuid, item.pk]), {"name": name, "size": len(content), "key": "k"})
    if start.status_code != 201:
        return start
    s = start.json()
    for offset in range(0, len(content), chunk):
        put = client.put(s["chunk_url"].format(offset=offset), content[offset : offset + chunk], content_type="application/octet-stream")
        if put.status_code != 200:
            return put
    return client.post(s["complete_url"])


def test_staff_upload_over_http_in_chunks_and_the_file_page_shows_who_when_and_where_from(
    as_user, imaging, inquiry, django_capture_on_commit_callbacks
):
    client = as_user("carla")
    with django_capture_on_commit_callbacks(execute=True):
        done = http_upload(client, inquiry, imaging, "xray.png", PNG)

    assert done.status_code == 200, done.content
    record = RecordFile.objects.get(uuid=done.json()["record"])
    page = client.get(done.json()["url"]).text
    assert "xray.png" in page and "Carla Reyes" in page and "staff upload" in page and record.sha256 in page
    assert "Not scanned (no virus scanner is configured)" in page
    # Opening the file page is itself a read of the record, on its trail.
    assert "Opened xray.png" in page


def test_a_file_over_the_limit_is_answered_413_with_the_limit(as_user, imaging, inquiry, settings):
    settings.RECORDS_UPLOAD_MAX_BYTES = 1024 * 1024

    response = as_user("carla").post(
        reverse("records:upload-start", args=[inquiry.uuid, imaging.pk]), {"name": "cd.zip", "size": 5 * 1024 * 1024}
    )

    assert response.status_code == 413
    assert response.json() == {"error": "cd.zip is 5.0 MiB; the largest file we accept is 1.0 MiB."}
    assert UploadSession.objects.count() == 0


def test_a_refused_type_is_answered_422_with_the_reason(as_user, imaging, inquiry):
    response = http_upload(as_user("carla"), inquiry, imaging, "scan.dcm", b"%PDF-1.4 not an image" * 500)

    assert response.status_code == 422
    assert response.json()["error"] == "scan.dcm is a PDF document; we accept DICOM, ZIP, JPEG or PNG for imaging (MRI, CT, X-ray)."
    assert RecordFile.objects.count() == 0


def test_a_chunk_ahead_of_the_upload_is_answered_409_with_where_to_go_on(as_user, imaging, inquiry):
    client = as_user("carla")
    s = client.post(reverse("records:upload-start", args=[inquiry.uuid, imaging.pk]), {"name": "x.png", "size": len(PNG)}).json()

    response = client.put(s["chunk_url"].format(offset=8192), PNG[8192:9000], content_type="application/octet-stream")

    assert response.status_code == 409
    assert response.json()["offset"] == 0
    assert client.get(s["status_url"]).json()["offset"] == 0


def test_upload_endpoints_are_scoped(as_user, imaging, inquiry):
    url = reverse("records:upload-start", args=[inquiry.uuid, imaging.pk])
    assert as_user("fiona").post(url, {"name": "x.png", "size": 10}).status_code == 403  # may see the case, may not attach
    assert as_user("outsider").post(url, {"name": "x.png", "size": 10}).status_code == 404
    s = as_user("carla").post(url, {"name": "x.png", "size": 10}).json()
    assert as_user("liam").put(s["chunk_url"].format(offset=0), b"x" * 10, content_type="application/octet-stream").status_code == 403
    assert as_user("outsider").get(s["status_url"]).status_code == 404


def test_every_download_is_on_the_read_trail_shown_on_the_file_page(as_user, imaging, inquiry, staff, send):
    record = send(imaging, staff["carla"], "xray.png", PNG)

    download = as_user("liam").get(reverse("console:record_file", args=[record.uuid]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert as_user("carla").get(reverse("records:download", args=[record.uuid])).status_code == 200

    page = as_user("carla").get(reverse("records:file", args=[record.uuid])).text
    reads = CaseEvent.objects.filter(case=inquiry, kind="medical.read", data__subject=f"record:{record.uuid}")
    # One row per person, record and ten minutes: carla's download and file page are one read.
    assert sorted(e.actor.username for e in reads) == ["carla", "liam"]
    assert page.count("Opened xray.png") == 2
    assert as_user("outsider").get(reverse("records:file", args=[record.uuid])).status_code == 404
    assert as_user("outsider").get(reverse("records:download", args=[record.uuid])).status_code == 404


def test_a_specialist_pages_through_the_series_of_a_dropped_mri_study(as_user, imaging, inquiry, staff, send, mr_zip):
    send(imaging, staff["carla"], "mri.zip", mr_zip)
    study = ImagingStudy.objects.get(case=inquiry)
    series = ImagingSeries.objects.filter(study=study).first()
    client = as_user("liam")

    case_page = client.get(reverse("console:case", args=[inquiry.uuid])).text
    study_page = client.get(reverse("records:study", args=[study.uuid])).text
    viewer = client.get(reverse("records:series", args=[series.uuid])).text
    second = client.get(reverse("records:series", args=[series.uuid]), {"slice": 2}).text
    image = client.get(reverse("records:slice", args=[series.uuid, 3]))
    preview = client.get(reverse("records:preview", args=[series.uuid]))

    assert "MRI BRAIN WITHOUT AND WITH CONTRAST" in case_page and reverse("records:study", args=[study.uuid]) in case_page
    assert "T1 AX" in study_page and reverse("records:preview", args=[series.uuid]) in study_page
    assert "Slice 5 of 8" in viewer and "Slice 2 of 8" in second and 'href="?slice=3"' in second
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n" and "no-store" in image["Cache-Control"]
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    assert client.get(reverse("records:slice", args=[series.uuid, 9])).status_code == 404
    reads = dict(CaseEvent.objects.filter(case=inquiry, kind="medical.read", actor=staff["liam"]).values_list("data__subject", "summary"))
    # The viewer, its second slice, a slice image and the preview are one read of the series.
    assert reads[f"series:{series.uuid}"] == "Viewed imaging series T1 AX"
    assert reads[f"study:{study.uuid}"] == "Opened imaging study MRI BRAIN WITHOUT AND WITH CONTRAST"
    assert reads["case-page"] == "Opened the case page"
    assert len(reads) == 3


def test_imaging_pages_are_scoped(as_user, imaging, inquiry, staff, send, mr_zip):
    send(imaging, staff["carla"], "mri.zip", mr_zip)
    study = ImagingStudy.objects.get(case=inquiry)
    series = study.series.first()
    for url in [
        reverse("records:study", args=[study.uuid]),
        reverse("records:series", args=[series.uuid]),
        reverse("records:slice", args=[series.uuid, 1]),
        reverse("records:preview", args=[series.uuid]),
    ]:
        assert as_user("outsider").get(url).status_code == 404
        assert as_user("nina").get(url).status_code == 200  # another role may look at a case in scope


# --- ClamAV ---------------------------------------------------------------------------------


class FakeClamd:
    """A ClamAV daemon speaking INSTREAM on a unix socket: finds 'EICAR' in what it is sent."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(4)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                assert conn.recv(10) == b"zINSTREAM\0"
                data = b""
                while True:
                    (size,) = struct.unpack("!L", self._exact(conn, 4))
                    if not size:
                        break
                    data += self._exact(conn, size)
                conn.sendall(b"stream: Eicar-Test-Signature FOUND\0" if b"EICAR" in data else b"stream: OK\0")

    @staticmethod
    def _exact(conn, n):
        out = b""
        while len(out) < n:
            out += conn.recv(n - len(out))
        return out

    def close(self) -> None:
        self.server.close()
        os.unlink(self.path)


@pytest.fixture
def clamd(settings, tmp_path):
    daemon = FakeClamd(str(tmp_path / "clamd.sock"))
    settings.CLAMD_SOCKET = daemon.path
    yield daemon
    daemon.close()


def test_with_a_scanner_a_clean_file_is_marked_clean(imaging, staff, send, clamd):
    record = send(imaging, staff["carla"], "xray.png", PNG)

    assert record.blob.scan_status == ScanStatus.CLEAN
    assert record.ingest.status == "done" and record.ingest.message == "Stored (virus scan clean)."


def test_a_file_that_fails_the_scan_is_quarantined_not_served_and_on_the_trail(as_user, imaging, inquiry, staff, send, clamd):
    record = send(imaging, staff["carla"], "xray.png", PNG + b"EICAR")

    assert record.blob.scan_status == ScanStatus.INFECTED and record.blob.scan_detail == "Eicar-Test-Signature"
    assert record.ingest.status == "failed"
    event = CaseEvent.objects.filter(case=inquiry, kind="record.quarantined").get()
    assert event.summary == "xray.png quarantined: the virus scan found Eicar-Test-Signature"
    response = as_user("liam").get(reverse("console:record_file", args=[record.uuid]))
    assert response.status_code == 403
    assert not CaseEvent.objects.filter(case=inquiry, kind="medical.read").exists()
    assert "Quarantined" in as_user("liam").get(reverse("records:file", args=[record.uuid])).text


def test_an_unreachable_scanner_leaves_the_file_unserved_until_it_is_scanned(as_user, imaging, staff, send, settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "nobody-listens.sock")

    record = send(imaging, staff["carla"], "xray.png", PNG)

    assert record.blob.scan_status == ScanStatus.FAILED
    assert record.ingest.status == "queued" and "could not be reached" in record.ingest.message
    assert as_user("liam").get(reverse("records:download", args=[record.uuid])).status_code == 403


def test_the_clamd_reply_is_parsed():
    from cellway.records.clamd import ScannerUnavailable, parse_reply

    assert parse_reply("stream: OK").clean
    assert parse_reply("stream: Win.Test.EICAR_HDB-1 FOUND").detail == "Win.Test.EICAR_HDB-1"
    with pytest.raises(ScannerUnavailable):
        parse_reply("INSTREAM size limit exceeded. ERROR")


def test_json_errors_are_json(as_user, imaging, inquiry):
    response = as_user("carla").post(reverse("records:upload-start", args=[inquiry.uuid, imaging.pk]), {"name": "x.png", "size": "big"})
    assert response.status_code == 422 and json.loads(response.content) == {"error": "Say how large the file is."}
    assert Blob.objects.count() == 0 and services.conf.upload_chunk_bytes() == 8 * 1024 * 1024


# --- The liaison queue flags documents missing or about to lapse -----------------------------


def test_the_liaison_queue_flags_a_missing_or_lapsing_screening_report(as_user, case_at):
    import datetime as dt

    from cellway.clinic import clinic_today
    from cellway.plans.models import ScreeningResult

    waiting = case_at(Stage.ACCEPTED)
    cleared = case_at(Stage.CLEARED)
    lapsing = case_at(Stage.CLEARED)
    from cellway.audit.tests.freeze import freeze_lifted

    with freeze_lifted("plans_screeningresult"):  # a judged result is frozen: time passing is simulated by hand
        ScreeningResult.objects.filter(case=lapsing).update(sample_date=clinic_today() - dt.timedelta(days=80))
    client = as_user("liam")

    screening = client.get(reverse("console:queue", args=["screening"])).text
    scheduling = client.get(reverse("console:queue", args=["scheduling"])).text

    assert "Screening report missing" in screening and waiting.code in screening
    row = scheduling.split(lapsing.code)[1].split("</tr>")[0]
    assert "Screening report lapses" in row
    assert "in order" in scheduling.split(cleared.code)[1].split("</tr>")[0]
