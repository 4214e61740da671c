"""Records sent from the portal: the patient (or a helper let into the records) picks the record a file is for and
sends it through the records intake (size, type by content, SHA-256, stored once, virus scan and ingest after
commit), then sees each file's state as the intake moves it. The trail names who sent it on whose behalf; staff see
it on the case page like any record. Every refusal is shown in the person's language with nothing written."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cellway.cases.events import EventKind
from cellway.cases.models import CaseEvent
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed
from cellway.portal import services
from cellway.portal.models import PortalGrant
from cellway.records.models import Blob, Ingest, IngestStatus, ItemStatus, RecordFile, RecordKind, ScanStatus

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 200
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _helper(grant: PortalGrant, email: str, scopes: list[str]) -> Any:
    return services.grant_access(
        grant=grant,
        email=email,
        full_name="Dana Daughter",
        relation="family",
        scopes=scopes,
        ends_on=clinic_today() + dt.timedelta(days=30),
    ).person


@pytest.fixture
def world(portal_case: Any, staff: dict[str, Any]) -> dict[str, Any]:
    """A case collecting records; its patient, a daughter let into the records, a son let into payments only,
    another patient, an outsider."""
    case, patient = portal_case(Stage.INQUIRY)
    _other, other_patient = portal_case(Stage.INQUIRY)
    grant = PortalGrant.objects.get(person=patient, case=case)
    return {
        "case": case,
        "patient": patient,
        "daughter": _helper(grant, "dana@example.com", ["records"]),
        "son": _helper(grant, "sam@example.com", ["payments"]),
        "other": other_patient,
        "outsider": staff["outsider"],
    }


def _url(case: Any) -> str:
    return reverse("portal:upload_record", kwargs={"uuid": case.uuid})


def _send(
    client: Client, case: Any, capture: Any, *, name: str = "blood.pdf", content: bytes = PDF, kind: str = "hematology", **extra: Any
) -> Any:
    with capture(execute=True):
        return client.post(_url(case), {"kind": kind, "file": SimpleUploadedFile(name, content)}, **extra)


def _nothing_written(case: Any) -> None:
    assert not RecordFile.objects.filter(item__case=case).exists()
    assert not Blob.objects.exists()
    assert not case.events.filter(kind__in=[EventKind.RECORD_UPLOADED, EventKind.RECORD_RESENT]).exists()


def test_the_case_page_offers_the_upload_for_the_missing_records(world: dict[str, Any]) -> None:
    page = _client(world["patient"]).get(reverse("portal:case", kwargs={"uuid": world["case"].uuid}))
    assert page.status_code == 200
    assert f'action="/portal/cases/{world["case"].uuid}/records/"' in page.text
    assert 'src="/static/site/upload.js"' in page.text
    for kind in ("imaging", "hematology", "assessment", "media", "unsorted"):
        assert f'<option value="{kind}">' in page.text
    assert "Other (your care team will sort it)" in page.text


def test_the_patient_sends_a_record_which_lands_on_its_item_through_the_intake(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case = world["case"]
    response = _send(_client(world["patient"]), case, django_capture_on_commit_callbacks, **XHR)
    assert response.status_code == 200, response.content
    assert "blood.pdf is received" in response.json()["message"]
    record = RecordFile.objects.select_related("item", "blob", "ingest").get(item__case=case)
    assert record.item.kind == RecordKind.HEMATOLOGY and record.item.status == ItemStatus.RECEIVED
    assert record.uploaded_by == world["patient"] and record.source == services.PORTAL_UPLOAD
    assert record.blob is not None and record.blob.scan_status == ScanStatus.NOT_SCANNED
    assert record.ingest.status == IngestStatus.DONE  # the background task ran after commit (immediate backend in tests)
    event = case.events.get(kind=EventKind.RECORD_UPLOADED)
    assert event.actor == world["patient"] and "from the portal by" in event.summary and "(the patient)" in event.summary
    page = _client(world["patient"]).get(reverse("portal:case", kwargs={"uuid": case.uuid}))
    assert 'data-state="received"' in page.text and "blood.pdf" in page.text
    # Staff see it on the case's checklist like any other record.
    staff_page = _client_staff(world, "liam").get(reverse("console:case", kwargs={"uuid": case.uuid}))
    assert "blood.pdf" in staff_page.text and "portal upload" in staff_page.text


def _client_staff(world: dict[str, Any], name: str) -> Client:
    from cellway.accounts.models import User

    return _client(User.objects.get(username=name))


def test_a_helper_sends_on_the_patients_behalf_and_the_trail_says_so(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case = world["case"]
    response = _send(_client(world["daughter"]), case, django_capture_on_commit_callbacks, kind="unsorted", **XHR)
    assert response.status_code == 200
    record = RecordFile.objects.get(item__case=case)
    assert record.item.kind == RecordKind.UNSORTED and record.uploaded_by == world["daughter"]
    event = case.events.get(kind=EventKind.RECORD_UPLOADED)
    assert event.actor == world["daughter"]
    assert f"family member, on behalf of {case.patient.full_name}" in event.summary


def test_without_javascript_the_form_posts_and_comes_back_to_the_case(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(world["patient"])
    response = _send(client, world["case"], django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"].endswith(f"/portal/cases/{world['case'].uuid}/#records")
    page = client.get(response["Location"])
    assert "blood.pdf is received" in page.text and 'data-state="received"' in page.text


def test_without_javascript_every_chosen_file_is_sent_and_a_refused_one_named(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(world["patient"])
    files = [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.pdf", PDF + b"%b"), SimpleUploadedFile("setup.pdf", EXE)]
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(_url(world["case"]), {"kind": "hematology", "file": files})
    assert page.status_code == 415
    text = page.content.decode()
    assert "setup.pdf is not a kind of file we accept" in text and "a.pdf is received" in text
    assert sorted(RecordFile.objects.filter(item__case=world["case"]).values_list("original_name", flat=True)) == ["a.pdf", "b.pdf"]


def test_a_double_click_or_a_retry_is_one_record(world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    client = _client(world["patient"])
    for _ in range(3):
        assert _send(client, world["case"], django_capture_on_commit_callbacks, **XHR).status_code == 200
    assert RecordFile.objects.filter(item__case=world["case"]).count() == 1
    assert Blob.objects.count() == 1
    assert world["case"].events.filter(kind=EventKind.RECORD_RESENT).count() == 2


@pytest.mark.parametrize(
    ("name", "content", "kind", "status", "words"),
    [
        ("setup.pdf", EXE, "hematology", 415, "setup.pdf is not a kind of file we accept for this record. We accept PDF"),
        ("photo.png", PNG, "imaging", 200, None),  # a picture is imaging's too: accepted (checked below: not refused)
        ("video.pdf", PDF, "media", 415, "video.pdf is not a kind of file we accept for this record"),
        ("empty.pdf", b"", "hematology", 422, "empty.pdf is empty (0 bytes)"),
        ("big.pdf", PDF + b"0" * 4096, "hematology", 413, "big.pdf is too large: the largest file we accept is 1.0 KiB"),
        ("blood.pdf", PDF, "consent", 422, "Choose which record this file is."),
        ("blood.pdf", PDF, "", 422, "Choose which record this file is."),
    ],
)
def test_a_refused_file_is_answered_in_words_and_nothing_is_written(
    world: dict[str, Any],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    name: str,
    content: bytes,
    kind: str,
    status: int,
    words: str | None,
) -> None:
    settings.RECORDS_UPLOAD_MAX_BYTES = 1024
    case = world["case"]
    response = _send(_client(world["patient"]), case, django_capture_on_commit_callbacks, name=name, content=content, kind=kind, **XHR)
    assert response.status_code == status, response.content
    if words is None:
        return
    assert words in response.json()["error"]
    _nothing_written(case)
    # And without JavaScript: the case page again, the refusal in the records section, nothing written.
    page = _send(_client(world["patient"]), case, django_capture_on_commit_callbacks, name=name, content=content, kind=kind)
    assert page.status_code == status and words in page.content.decode()
    assert 'id="upload-result"' in page.content.decode()
    _nothing_written(case)


def test_a_damaged_archive_is_refused(world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("a.dcm", b"x" * 1000)
    response = _send(
        _client(world["patient"]),
        world["case"],
        django_capture_on_commit_callbacks,
        name="cd.zip",
        content=out.getvalue()[:-30],
        kind="imaging",
        **XHR,
    )
    assert response.status_code in (415, 422) and "cd.zip" in response.json()["error"]
    _nothing_written(world["case"])


def test_no_file_asks_for_one(world: dict[str, Any]) -> None:
    response = _client(world["patient"]).post(_url(world["case"]), {"kind": "hematology"}, **XHR)
    assert response.status_code == 422 and response.json()["error"] == "Choose a file to send."


@pytest.mark.parametrize("who", ["son", "other", "outsider"])
def test_out_of_scope_is_404_and_nothing_is_written(world: dict[str, Any], django_capture_on_commit_callbacks: Any, who: str) -> None:
    response = _send(_client(world[who]), world["case"], django_capture_on_commit_callbacks, **XHR)
    assert response.status_code == 404
    _nothing_written(world["case"])
    # The son (payments only) does not see the section either.
    if who == "son":
        page = _client(world["son"]).get(reverse("portal:case", kwargs={"uuid": world["case"].uuid}))
        assert "records-heading" not in page.text and "/records/" not in page.text


def test_anonymous_is_sent_to_sign_in(world: dict[str, Any]) -> None:
    response = Client().post(_url(world["case"]), {"kind": "hematology", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 302 and "/portal/sign-in/" in response["Location"]
    _nothing_written(world["case"])


def test_a_get_is_not_allowed(world: dict[str, Any]) -> None:
    assert _client(world["patient"]).get(_url(world["case"])).status_code == 405


def test_a_case_past_collecting_records_refuses_clearly(portal_case: Any, django_capture_on_commit_callbacks: Any) -> None:
    case, patient = portal_case(Stage.QUOTED)
    before = RecordFile.objects.filter(item__case=case).count()
    events = case.events.count()
    response = _send(_client(patient), case, django_capture_on_commit_callbacks, **XHR)
    assert response.status_code == 409
    assert "We are no longer collecting records for this case" in response.json()["error"]
    page = _send(_client(patient), case, django_capture_on_commit_callbacks)
    assert page.status_code == 409 and "We are no longer collecting records for this case" in page.content.decode()
    assert RecordFile.objects.filter(item__case=case).count() == before and case.events.count() == events
    # And the case page offers no upload at this stage.
    assert "/records/" not in _client(patient).get(reverse("portal:case", kwargs={"uuid": case.uuid})).text


def test_an_ended_grant_cannot_send(world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    grant = PortalGrant.objects.get(person=world["daughter"], case=world["case"])
    PortalGrant.objects.filter(pk=grant.pk).update(ends_on=clinic_today() - dt.timedelta(days=1))
    grant.refresh_from_db()
    assert _send(_client(world["daughter"]), world["case"], django_capture_on_commit_callbacks, **XHR).status_code == 404
    with pytest.raises(NotAllowed):
        services.upload_record(grant=grant, kind="hematology", upload=SimpleUploadedFile("a.pdf", PDF))
    _nothing_written(world["case"])


def test_each_files_state_follows_the_intake(world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    """Being checked while the background work has not finished; refused, with the reason, when quarantined or
    unreadable; received once done."""
    case = world["case"]
    client = _client(world["patient"])
    with django_capture_on_commit_callbacks(execute=False):  # the task not run yet
        client.post(_url(case), {"kind": "hematology", "file": SimpleUploadedFile("blood.pdf", PDF)}, **XHR)
    record = RecordFile.objects.select_related("blob").get(item__case=case)
    page = reverse("portal:case", kwargs={"uuid": case.uuid})
    assert 'data-state="checking"' in client.get(page).text and "being checked" in client.get(page).text
    Ingest.objects.filter(record=record).update(status=IngestStatus.FAILED, message="unreadable")
    text = client.get(page).text
    assert 'data-state="unreadable"' in text and "refused: we could not read this file" in text
    Ingest.objects.filter(record=record).update(status=IngestStatus.DONE)
    Blob.objects.filter(pk=record.blob_id).update(scan_status=ScanStatus.INFECTED, scan_detail="Eicar-Test-Signature")
    text = client.get(page).text
    assert 'data-state="infected"' in text and "refused: our virus check found a problem" in text
    Blob.objects.filter(pk=record.blob_id).update(scan_status=ScanStatus.CLEAN)
    assert 'data-state="received"' in client.get(page).text


@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", "请重新发送"), ("ar", "فارغ")],
)
def test_refusals_are_in_the_persons_language(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any, language: str, words: str
) -> None:
    services.set_language(person=world["patient"], language=language)
    response = _send(_client(world["patient"]), world["case"], django_capture_on_commit_callbacks, content=b"", **XHR)
    assert response.status_code == 422 and words in response.json()["error"], response.json()


def test_the_trail_row_is_read_back_in_the_console(world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    _send(_client(world["daughter"]), world["case"], django_capture_on_commit_callbacks, **XHR)
    row = CaseEvent.objects.get(case=world["case"], kind=EventKind.RECORD_UPLOADED)
    assert row.data["source"] == services.PORTAL_UPLOAD and "on behalf of" in row.data["sender"]


@pytest.mark.clamav
def test_a_file_the_virus_scan_finds_is_shown_refused_and_never_served(
    world: dict[str, Any], real_clamd: str, django_capture_on_commit_callbacks: Any
) -> None:
    """The real ClamAV daemon (.ci/clamav, EICAR test signature) scans what the portal sends, as every record."""
    eicar = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("cd/eicar.com", eicar)
    client = _client(world["patient"])
    response = _send(
        client, world["case"], django_capture_on_commit_callbacks, name="mri.zip", content=out.getvalue(), kind="imaging", **XHR
    )
    assert response.status_code == 200  # taken: the scan runs after commit, in the background
    record = RecordFile.objects.select_related("blob", "ingest").get(item__case=world["case"])
    assert record.blob is not None and record.blob.scan_status == ScanStatus.INFECTED
    assert record.ingest.status == IngestStatus.FAILED
    text = client.get(reverse("portal:case", kwargs={"uuid": world["case"].uuid})).text
    assert 'data-state="infected"' in text and "refused: our virus check found a problem" in text
    assert _client_staff(world, "liam").get(reverse("records:download", args=[record.uuid])).status_code == 403
    _send(client, world["case"], django_capture_on_commit_callbacks, **XHR)
    clean = RecordFile.objects.select_related("blob").get(original_name="blood.pdf")
    assert clean.blob is not None and clean.blob.scan_status == ScanStatus.CLEAN


# --- The cap on files sent through the portal per case (PORTAL_UPLOADS_PER_CASE) -----------------------------


def _portal_files(case: Any) -> list[str]:
    return sorted(RecordFile.objects.filter(item__case=case, source=services.PORTAL_UPLOAD).values_list("original_name", flat=True))


def test_the_cap_refuses_the_next_file_by_xhr_with_409_in_words_and_nothing_written(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.PORTAL_UPLOADS_PER_CASE = 2
    case, capture = world["case"], django_capture_on_commit_callbacks
    # The patient and the daughter share the case's allowance.
    assert _send(_client(world["patient"]), case, capture, name="a.pdf", content=PDF + b"%a", **XHR).status_code == 200
    assert _send(_client(world["daughter"]), case, capture, name="b.pdf", content=PDF + b"%b", **XHR).status_code == 200
    blobs, events = Blob.objects.count(), case.events.count()

    response = _send(_client(world["patient"]), case, capture, name="c.pdf", content=PDF + b"%c", **XHR)

    assert response.status_code == 409
    assert "c.pdf was not sent" in response.json()["error"] and "(2)" in response.json()["error"]
    assert _portal_files(case) == ["a.pdf", "b.pdf"]
    assert Blob.objects.count() == blobs and case.events.count() == events
    # Even the same bytes again, or another record kind, or a forged kind: nothing more is written.
    assert _send(_client(world["daughter"]), case, capture, name="a.pdf", content=PDF + b"%a", **XHR).status_code == 409
    assert _send(_client(world["daughter"]), case, capture, name="p.png", content=PNG, kind="media", **XHR).status_code == 409
    with pytest.raises(services.UploadsFull):
        grant = PortalGrant.objects.get(person=world["patient"], case=case)
        services.upload_record(grant=grant, kind="unsorted", upload=SimpleUploadedFile("d.pdf", PDF + b"%d"))
    assert _portal_files(case) == ["a.pdf", "b.pdf"] and Blob.objects.count() == blobs


def test_the_cap_holds_for_the_plain_form_posting_many_files_at_once(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.PORTAL_UPLOADS_PER_CASE = 2
    case, client = world["case"], _client(world["patient"])
    files = [SimpleUploadedFile(f"{n}.pdf", PDF + n.encode()) for n in ("one", "two", "three", "four")]
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(_url(case), {"kind": "hematology", "file": files})

    assert page.status_code == 409
    text = page.content.decode()
    assert "one.pdf is received" in text and "two.pdf is received" in text
    assert "three.pdf was not sent" in text and "four.pdf was not sent" in text
    assert _portal_files(case) == ["one.pdf", "two.pdf"]
    # The page no longer offers the upload, and says why.
    page = client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert 'id="uploads-full"' in page and 'action="/portal/cases/' + str(case.uuid) + '/records/"' not in page
    assert "one.pdf" in page


def test_files_from_the_inquiry_link_do_not_count_against_the_portal(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    from cellway.records import public

    settings.PORTAL_UPLOADS_PER_CASE = 1
    case = world["case"]
    with django_capture_on_commit_callbacks(execute=True):
        public.attach_public_file(token=public.upload_token(case), upload=SimpleUploadedFile("web.pdf", PDF + b"%w"))
    assert _send(_client(world["patient"]), case, django_capture_on_commit_callbacks, **XHR).status_code == 200


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "已达上限"), ("ar", "أقصى عدد")])
def test_the_cap_is_said_in_the_persons_language(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any, settings: Any, language: str, words: str
) -> None:
    settings.PORTAL_UPLOADS_PER_CASE = 1
    services.set_language(person=world["patient"], language=language)
    client = _client(world["patient"])
    assert _send(client, world["case"], django_capture_on_commit_callbacks, name="a.pdf", **XHR).status_code == 200
    response = _send(client, world["case"], django_capture_on_commit_callbacks, name="b.pdf", content=PDF + b"%b", **XHR)
    assert response.status_code == 409 and words in response.json()["error"]
    page = client.get(reverse("portal:case", kwargs={"uuid": world["case"].uuid})).content.decode()
    assert words in page
