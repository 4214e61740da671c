"""Writes to the records checklist. Reads of a file are written to the case trail too."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.cases.services import lock_case, move, record_event, require_perm, touch
from cellway.cases.stages import Stage
from cellway.errors import Refusal
from cellway.records.models import REQUIRED_KINDS, ItemStatus, RecordFile, RecordItem, RecordKind

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
# Until the intake issue types files by content, accept what browsers say
# only for these families; anything else is refused.
ACCEPTED_PREFIXES = (
    "image/",
    "video/",
    "application/pdf",
    "application/dicom",
    "application/zip",
    "application/x-zip-compressed",
    "application/octet-stream",
    "text/",
)
EDITABLE = {Stage.INQUIRY, Stage.TRIAGE, Stage.REVIEW}


def create_checklist(sender: Any, *, case: Case, **kwargs: Any) -> None:
    """Receiver of `case_opened`: one checklist item per kind of record."""
    RecordItem.objects.bulk_create([RecordItem(case=case, kind=kind) for kind in RecordKind.values])


def set_item_status(*, item: RecordItem, status: str, by: User, note: str = "") -> RecordItem:
    require_perm(by, "cases.manage_records", "keep the records checklist")
    if status not in ItemStatus.values:
        raise Refusal(f"Unknown status {status!r}.")
    with transaction.atomic():
        case = lock_case(item.case_id, expected=EDITABLE, doing="change the records checklist")
        item = RecordItem.objects.select_for_update().get(pk=item.pk)
        if status == ItemStatus.NOT_NEEDED and item.required:
            raise Refusal(f"{item.get_kind_display()} is always needed; it cannot be marked not needed.")
        old = item.get_status_display()
        item.status, item.note = status, note
        item.save(update_fields=["status", "note", "updated_at"])
        touch(case)
        record_event(
            case=case, by=by, kind="records", summary=f"{item.get_kind_display()}: {old} → {item.get_status_display()}", reason=note
        )
    return item


def attach_file(*, item: RecordItem, upload: UploadedFile, by: User, source: str = "staff upload") -> RecordFile:
    """Store an uploaded file on a checklist item and mark the item received."""
    require_perm(by, "cases.manage_records", "attach records")
    size = upload.size or 0
    if size == 0:
        raise Refusal(f"{upload.name} is empty.")
    if size > MAX_UPLOAD_BYTES:
        raise Refusal(f"{upload.name} is larger than the {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB limit.")
    content_type = upload.content_type or "application/octet-stream"
    if not content_type.startswith(ACCEPTED_PREFIXES):
        raise Refusal(f"{upload.name} is of a type the clinic does not accept ({content_type}).")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored: str | None = None
    try:
        with transaction.atomic():
            case = lock_case(item.case_id, expected=EDITABLE, doing="attach records")
            record = RecordFile(
                item=item,
                original_name=(upload.name or "file")[:255],
                content_type=content_type,
                size=size,
                sha256=digest.hexdigest(),
                uploaded_by=by,
                source=source,
            )
            record.file.save(upload.name or "file", upload, save=False)
            stored = record.file.name
            record.save()
            if item.status != ItemStatus.RECEIVED:
                RecordItem.objects.filter(pk=item.pk).update(status=ItemStatus.RECEIVED)
            touch(case)
            record_event(
                case=case,
                by=by,
                kind="record.uploaded",
                summary=f"{record.original_name} added to {item.get_kind_display()}",
                data={"file": str(record.uuid), "sha256": record.sha256, "size": size},
            )
    except BaseException:
        # Nothing half-written: a stored file whose row did not commit goes too.
        if stored:
            default_storage.delete(stored)
        raise
    return record


def record_read(*, record: RecordFile, by: User) -> None:
    """Write the read of a medical record to the case trail (rule 9)."""
    record_event(
        case=record.item.case, by=by, kind="record.read", summary=f"Opened {record.original_name}", data={"file": str(record.uuid)}
    )


def missing_items(case: Case) -> list[RecordItem]:
    return [i for i in case.record_items.all() if i.kind in REQUIRED_KINDS and i.status != ItemStatus.RECEIVED]


def mark_records_complete(*, case: Case, by: User) -> Case:
    """Records are complete: the case moves on to liaison triage."""
    require_perm(by, "cases.manage_records", "mark records complete")
    with transaction.atomic():
        case = lock_case(case, expected=Stage.INQUIRY, doing="mark records complete")
        missing = missing_items(case)
        if missing:
            names = ", ".join(i.get_kind_display() for i in missing)
            raise Refusal(f"Records are not complete: {names} still missing.")
        move(case, to=Stage.TRIAGE, by=by, summary="Records complete; ready for triage")
    return case


def reopen_records(*, case: Case, by: User, reason: str) -> Case:
    """The liaison officer finds something missing: back to collecting records."""
    require_perm(by, "cases.manage_records", "reopen records")
    if not reason.strip():
        raise Refusal("Say what is missing.")
    with transaction.atomic():
        case = lock_case(case, expected=Stage.TRIAGE, doing="reopen records")
        move(case, to=Stage.INQUIRY, by=by, summary="Records reopened", reason=reason)
    return case
