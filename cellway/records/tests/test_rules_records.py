"""Rule 1 (the records checklist) and rule 9 (every read of a record is on the trail)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cellway.cases.models import Case, CaseEvent
from cellway.cases.stages import Stage
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.records import selectors as records_selectors
from cellway.records import services as records
from cellway.records.models import ItemStatus, RecordFile, RecordItem, RecordKind


def written(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    statuses = tuple(RecordItem.objects.filter(case=case).order_by("kind").values_list("status", flat=True))
    return fresh.stage, fresh.version, fresh.events.count(), statuses, RecordFile.objects.count()


def item(case: Case, kind: str) -> RecordItem:
    return RecordItem.objects.get(case=case, kind=kind)


@pytest.fixture
def inquiry(case_at):
    return case_at(Stage.INQUIRY)


def test_the_liaison_officer_sees_which_required_records_are_missing(inquiry, staff):
    records.set_item_status(item=item(inquiry, RecordKind.IMAGING), status=ItemStatus.RECEIVED, by=staff["liam"])

    assert [i.kind for i in records_selectors.missing_items(inquiry)] == ["assessment", "hematology"]


def test_marking_an_item_received_writes_the_change_to_the_timeline(inquiry, staff):
    version = inquiry.version

    records.set_item_status(item=item(inquiry, RecordKind.HEMATOLOGY), status=ItemStatus.RECEIVED, by=staff["carla"], note="by email")

    assert item(inquiry, RecordKind.HEMATOLOGY).status == ItemStatus.RECEIVED
    event = CaseEvent.objects.filter(case=inquiry).first()
    assert (event.kind, event.actor, event.reason) == ("records", staff["carla"], "by email")
    assert event.summary == "Hematology (blood tests): Missing → Received"
    assert Case.objects.get(pk=inquiry.pk).version == version + 1


@pytest.mark.parametrize("kind", [RecordKind.IMAGING, RecordKind.HEMATOLOGY, RecordKind.ASSESSMENT])
def test_a_required_record_cannot_be_marked_not_needed(inquiry, staff, kind):
    before = written(inquiry)

    with pytest.raises(Refusal) as refused:
        records.set_item_status(item=item(inquiry, kind), status=ItemStatus.NOT_NEEDED, by=staff["liam"])

    assert refused.value.message == f"{item(inquiry, kind).get_kind_display()} is always needed; it cannot be marked not needed."
    assert written(inquiry) == before


def test_pictures_and_videos_may_be_marked_not_needed(inquiry, staff):
    records.set_item_status(item=item(inquiry, RecordKind.MEDIA), status=ItemStatus.NOT_NEEDED, by=staff["liam"])

    assert item(inquiry, RecordKind.MEDIA).status == ItemStatus.NOT_NEEDED


def test_an_unknown_status_is_refused(inquiry, staff):
    before = written(inquiry)

    with pytest.raises(Refusal) as refused:
        records.set_item_status(item=item(inquiry, RecordKind.MEDIA), status="lost", by=staff["liam"])

    assert refused.value.message == "Unknown status 'lost'."
    assert written(inquiry) == before


@pytest.mark.parametrize("who", ["sofia", "fiona", "nina", "adam", "outsider"])
def test_only_customer_care_and_liaison_keep_the_checklist(inquiry, staff, who):
    before = written(inquiry)

    with pytest.raises(NotAllowed) as refused:
        records.set_item_status(item=item(inquiry, RecordKind.IMAGING), status=ItemStatus.RECEIVED, by=staff[who])

    assert refused.value.message == "Your role does not allow you to keep the records checklist."
    assert written(inquiry) == before


def test_the_checklist_is_frozen_once_the_quote_is_out(case_at, staff):
    case = case_at(Stage.QUOTED)
    before = written(case)

    with pytest.raises(StageConflict) as refused:
        records.set_item_status(item=item(case, RecordKind.MEDIA), status=ItemStatus.RECEIVED, by=staff["liam"])

    assert refused.value.message.startswith(f"Cannot change the records checklist: {case.code} is now 'Quote proposed'")
    assert written(case) == before


def test_records_cannot_be_marked_complete_while_required_ones_are_missing(inquiry, staff):
    records.set_item_status(item=item(inquiry, RecordKind.IMAGING), status=ItemStatus.RECEIVED, by=staff["liam"])
    before = written(inquiry)

    with pytest.raises(Refusal) as refused:
        records.mark_records_complete(case=inquiry, by=staff["liam"])

    assert refused.value.message == (
        "Records are not complete: Doctor's assessment report, Hematology (blood tests) still missing.")
    assert written(inquiry) == before


def test_complete_records_move_the_case_to_triage_even_without_pictures(inquiry, staff):
    for kind in (RecordKind.IMAGING, RecordKind.HEMATOLOGY, RecordKind.ASSESSMENT):
        records.set_item_status(item=item(inquiry, kind), status=ItemStatus.RECEIVED, by=staff["carla"])

    records.mark_records_complete(case=inquiry, by=staff["carla"])

    assert Case.objects.get(pk=inquiry.pk).stage == Stage.TRIAGE
    assert CaseEvent.objects.filter(case=inquiry, kind="stage", to_stage="triage").count() == 1


def test_marking_records_complete_needs_the_role_and_the_inquiry_stage(case_at, staff):
    case = case_at(Stage.TRIAGE)
    before = written(case)

    with pytest.raises(NotAllowed):
        records.mark_records_complete(case=case, by=staff["fiona"])
    with pytest.raises(StageConflict) as refused:
        records.mark_records_complete(case=case, by=staff["liam"])

    assert refused.value.message.startswith(f"Cannot mark records complete: {case.code} is now 'Liaison triage'")
    assert written(case) == before


def test_the_liaison_officer_reopens_records_with_what_is_missing(case_at, staff):
    case = case_at(Stage.TRIAGE)

    records.reopen_records(case=case, by=staff["liam"], reason="The MRI is from 2019; a recent one is needed")

    assert Case.objects.get(pk=case.pk).stage == Stage.INQUIRY
    assert CaseEvent.objects.filter(case=case).first().reason == "The MRI is from 2019; a recent one is needed"


def test_reopening_records_without_saying_what_is_missing_is_refused(case_at, staff):
    case = case_at(Stage.TRIAGE)
    before = written(case)

    with pytest.raises(Refusal) as refused:
        records.reopen_records(case=case, by=staff["liam"], reason="")

    assert refused.value.message == "Say what is missing."
    assert written(case) == before


# --- Files ------------------------------------------------------------------------------------


def test_an_attached_file_is_stored_hashed_and_marks_its_item_received(inquiry, staff):
    content = b"%PDF-1.4 blood count"

    record = records.attach_file(item=item(inquiry, RecordKind.HEMATOLOGY),
                                 upload=SimpleUploadedFile("cbc.pdf", content, "application/pdf"), by=staff["carla"])

    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert record.file.read() == content
    assert item(inquiry, RecordKind.HEMATOLOGY).status == ItemStatus.RECEIVED
    event = CaseEvent.objects.filter(case=inquiry).first()
    assert (event.kind, event.data["sha256"]) == ("record.uploaded", record.sha256)


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("empty.pdf", b"", "application/pdf"),
     "empty.pdf is empty (0 bytes), so it may not have copied fully; please send it again."),
    # Typed by content, not by what the browser says: the executable claims to be a PDF.
    (SimpleUploadedFile("run.pdf", b"MZ\x90\x00" + bytes(60), "application/pdf"),
     "run.pdf is a Windows executable; we accept DICOM, ZIP, JPEG or PNG for imaging (MRI, CT, X-ray)."),
])
def test_an_empty_file_or_one_of_a_type_the_clinic_does_not_accept_is_refused(inquiry, staff, upload, message):
    before = written(inquiry)

    with pytest.raises(Refusal) as refused:
        records.attach_file(item=item(inquiry, RecordKind.IMAGING), upload=upload, by=staff["carla"])

    assert refused.value.message == message
    assert written(inquiry) == before


def test_a_file_whose_row_did_not_commit_is_removed_from_storage(inquiry, staff, monkeypatch, settings):
    def failing_event(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(records, "record_event", failing_event)
    before = written(inquiry)

    content = b"\x89PNG\r\n\x1a\n" + b"never committed" + bytes(64)

    with pytest.raises(RuntimeError):
        records.attach_file(item=item(inquiry, RecordKind.IMAGING),
                            upload=SimpleUploadedFile("mri.png", content, "image/png"), by=staff["carla"])

    assert written(inquiry) == before
    sha = hashlib.sha256(content).hexdigest()
    assert not (Path(settings.MEDIA_ROOT) / "blobs" / sha[:2] / sha).exists()  # stored, then removed with the row


def test_reading_a_record_writes_who_opened_which_file_to_the_trail(inquiry, staff):
    record = records.attach_file(item=item(inquiry, RecordKind.ASSESSMENT),
                                 upload=SimpleUploadedFile("mri.pdf", b"%PDF-1.4 mri report", "application/pdf"), by=staff["carla"])

    records.record_read(record=record, by=staff["sofia"])
    records.record_read(record=record, by=staff["sofia"])  # within ten minutes: the same read

    event = CaseEvent.objects.filter(case=inquiry).first()
    assert (event.kind, event.actor, event.summary, event.data) == (
        "medical.read", staff["sofia"], "Opened mri.pdf", {"subject": f"record:{record.uuid}"})
