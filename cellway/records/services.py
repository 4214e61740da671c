"""Writes to the records checklist. Reads of a file are written to the case trail too."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from cellway import limits
from cellway.accounts.models import User
from cellway.cases.events import EventKind
from cellway.cases.models import Case
from cellway.cases.parts import Part
from cellway.cases.services import expect_stage, lock_case, move, record_event, record_medical_read, require_perm, touch
from cellway.cases.stages import Stage
from cellway.errors import NotAllowed, Refusal
from cellway.records import conf
from cellway.records.blobs import blob_name, forget_unreferenced, store_bytes
from cellway.records.intake import filetypes
from cellway.records.intake.archive import ArchiveError, check_archive
from cellway.records.intake.hashing import Digest, sha256_file
from cellway.records.models import (
    INTAKE_KINDS,
    Blob,
    ImagingSeries,
    ImagingSlice,
    ImagingStudy,
    Ingest,
    IngestFlag,
    IngestStatus,
    ItemStatus,
    RecordFile,
    RecordItem,
    RecordKind,
    ScanStatus,
    UploadSession,
    UploadStatus,
)
from cellway.records.selectors import missing_items, read_subject

EDITABLE = {Stage.INQUIRY, Stage.TRIAGE, Stage.REVIEW}


def create_checklist(sender: Any, *, case: Case, **kwargs: Any) -> None:
    """Receiver of `case_opened`: one checklist item per kind of record asked for at intake."""
    RecordItem.objects.bulk_create([RecordItem(case=case, kind=kind) for kind in INTAKE_KINDS])


def check_manage_records(*, case: Case, by: User, attaching: bool = False) -> None:
    """Checklist item status and attaching files: a records role, while records can still change."""
    require_perm(by, "records.manage_records", "attach records" if attaching else "keep the records checklist")
    expect_stage(case, EDITABLE, "attach records" if attaching else "change the records checklist")


def check_complete_records(*, case: Case, by: User) -> None:
    require_perm(by, "records.manage_records", "mark records complete")
    expect_stage(case, Stage.INQUIRY, "mark records complete")


def check_reopen_records(*, case: Case, by: User) -> None:
    require_perm(by, "records.manage_records", "reopen records")
    expect_stage(case, Stage.TRIAGE, "reopen records")


def set_item_status(*, item: RecordItem, status: str, by: User, note: str = "") -> RecordItem:
    with transaction.atomic():
        case = lock_case(item.case_id)
        check_manage_records(case=case, by=by)
        limits.check_length(note, limits.SHORT, "The note")
        if status not in ItemStatus.values:
            raise Refusal(f"Unknown status {status!r}.")
        item = RecordItem.objects.select_for_update().get(pk=item.pk)
        if status == ItemStatus.NOT_NEEDED and item.required:
            raise Refusal(f"{item.get_kind_display()} is always needed; it cannot be marked not needed.")
        old = item.get_status_display()
        item.status, item.note = status, note
        item.save(update_fields=["status", "note", "updated_at"])
        touch(case)
        record_event(
            case=case, by=by, kind=EventKind.RECORDS, summary=f"{item.get_kind_display()}: {old} → {item.get_status_display()}", reason=note
        )
    return item


class TooLarge(Refusal):
    """A file or chunk over the limit (HTTP 413); the message states the limit."""


class EmptyFile(Refusal):
    """A file of 0 bytes (HTTP 422)."""


class WrongType(Refusal):
    """A file whose content is not a type the checklist item accepts (HTTP 422); ``accepted`` names those."""

    def __init__(self, message: str, *, accepted: list[str]) -> None:
        super().__init__(message)
        self.accepted = accepted


class BadArchive(Refusal):
    """A ZIP archive that breaks the archive rules: truncated, a zip bomb, unsafe names (HTTP 422)."""


class OffsetMismatch(Refusal):
    """A chunk that does not continue the upload (HTTP 409); ``offset`` is where to go on."""

    def __init__(self, message: str, *, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_PIECE = 1024 * 1024


def human_size(size: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:,.1f} {unit}"
    return f"{size} bytes"


def _clean_name(name: str) -> str:
    # Only the last part of what the browser sends; it is a label, never a path.
    base = re.split(r"[\\/]", name.strip())[-1].replace("\x00", "")
    return (base or "file")[:255]


def _check_size(name: str, size: int) -> None:
    if size <= 0:
        raise EmptyFile(f"{name} is empty (0 bytes), so it may not have copied fully; please send it again.")
    limit = conf.upload_max_bytes()
    if size > limit:
        raise TooLarge(f"{name} is {human_size(size)}; the largest file we accept is {human_size(limit)}.")


def _check_type(name: str, detected: filetypes.DetectedType, kind: str) -> None:
    try:
        filetypes.check_accepted(detected, kind)
    except filetypes.RejectedFile as rejected:
        raise WrongType(rejected.message.replace("This file", name, 1), accepted=filetypes.accepted_names(kind)) from None


def part_path(upload: UploadSession) -> Path:
    return conf.upload_dir() / f"{upload.uuid}.part"


def start_upload(
    *, item: RecordItem, by: User, name: str, size: int, client_key: str = "", sha256: str = "", source: str = "staff upload"
) -> UploadSession:
    """Open (or, for the same ``client_key``, find again) a chunked upload into a checklist item.

    Refuses an empty file and one over the size limit (``TooLarge``) before a
    byte is sent. No case event yet: the file joins the trail when it completes.
    """
    # Checked before a byte is taken (on the case as read), and again under the lock.
    check_manage_records(case=item.case, by=by, attaching=True)
    name = _clean_name(name)
    _check_size(name, size)
    sha256 = sha256.strip().lower()
    if sha256 and not _SHA256.match(sha256):
        raise Refusal("The SHA-256 given for the file is not 64 hexadecimal characters.")
    with transaction.atomic():
        check_manage_records(case=lock_case(item.case_id), by=by, attaching=True)
        if client_key:
            again = UploadSession.objects.filter(
                item=item, created_by=by, client_key=client_key[:200], size=size, status=UploadStatus.OPEN
            ).first()
            if again is not None:
                return again
        return UploadSession.objects.create(
            item=item, created_by=by, client_key=client_key[:200], name=name, size=size, expected_sha256=sha256, source=source
        )


def _own_open_upload(upload: UploadSession, by: User) -> None:
    if upload.created_by_id != by.pk:
        raise NotAllowed("Only the person who started this upload can continue it.")
    if upload.status != UploadStatus.OPEN:
        raise Refusal(f"The upload of {upload.name} is already {upload.get_status_display().lower()}.")


def append_chunk(*, upload: UploadSession, by: User, offset: int, stream: BinaryIO, length: int) -> UploadSession:
    """Write ``length`` bytes read from ``stream`` at ``offset`` of the upload's part file.

    Idempotent: a chunk sent again overwrites the same bytes, and a chunk the
    server already has is acknowledged without reading it. A chunk past the
    bytes received so far is refused with ``OffsetMismatch`` naming where to
    go on. Once the first 8 KiB are in, the file is typed by its content and
    refused (its part file and session removed) if the item does not accept it.
    The body is copied 1 MiB at a time: a chunk never sits whole in memory.
    """
    _own_open_upload(upload, by)
    limit = conf.upload_chunk_bytes()
    if length > limit:
        raise TooLarge(f"A chunk may be at most {human_size(limit)}; this one is {human_size(length)}.")
    if offset < 0 or offset + length > upload.size:
        raise TooLarge(f"{upload.name} was announced as {upload.size:,} bytes; this chunk would go past that.")
    path = part_path(upload)
    with open(path, "a+b") as part:
        fcntl.flock(part, fcntl.LOCK_EX)  # one writer per upload, across processes
        upload.refresh_from_db(fields=["received", "status"])
        _own_open_upload(upload, by)
        if offset > upload.received:
            raise OffsetMismatch(f"The upload of {upload.name} continues at byte {upload.received:,}.", offset=upload.received)
        if offset + length <= upload.received:
            return upload  # a retry of a chunk already written
        fd = part.fileno()
        written = 0
        while written < length:
            piece = stream.read(min(_PIECE, length - written))
            if not piece:
                raise Refusal(f"The chunk at byte {offset:,} of {upload.name} was cut short; send it again.")
            os.pwrite(fd, piece, offset + written)
            written += len(piece)
        before, after = upload.received, offset + length
        UploadSession.objects.filter(pk=upload.pk).update(received=after, updated_at=timezone.now())
        upload.received = after
        sniff_at = min(filetypes.SNIFF_BYTES, upload.size)
        if before < sniff_at <= after:
            head = os.pread(fd, filetypes.SNIFF_BYTES, 0)
            try:
                _check_type(upload.name, filetypes.sniff(head), upload.item.kind)
            except Refusal:
                _discard(upload)
                raise
    return upload


def _discard(upload: UploadSession) -> None:
    part_path(upload).unlink(missing_ok=True)
    UploadSession.objects.filter(pk=upload.pk).delete()


def complete_upload(*, upload: UploadSession, by: User) -> RecordFile:
    """Finish an upload: hash it, check it, store it once, attach it to its item and queue its ingest.

    Completing twice returns the same record. A file whose SHA-256 differs from
    the one announced, or an archive that breaks the ZIP rules (truncated,
    zip bomb, unsafe names), is refused and its part file removed.
    """
    if upload.status == UploadStatus.COMPLETE and upload.record_id and upload.created_by_id == by.pk:
        return RecordFile.objects.get(pk=upload.record_id)
    _own_open_upload(upload, by)
    if upload.received != upload.size:
        raise Refusal(f"{upload.name} is not complete: {upload.received:,} of {upload.size:,} bytes received.")
    path = part_path(upload)
    try:
        with open(path, "r+b") as part:
            fcntl.flock(part, fcntl.LOCK_EX)
            part.truncate(upload.size)  # bytes past the end from a chunk cut short
        digest = sha256_file(path)
        if upload.expected_sha256 and digest.sha256 != upload.expected_sha256:
            raise Refusal(f"{upload.name} arrived damaged (its SHA-256 is not the one announced); please send it again.")
        record = _receive(item=upload.item, path=path, name=upload.name, digest=digest, by=by, source=upload.source, upload=upload)
    except Refusal:
        _discard(upload)
        raise
    finally:
        path.unlink(missing_ok=True)
    return record


def attach_file(*, item: RecordItem, upload: UploadedFile[bytes], by: User, source: str = "staff upload") -> RecordFile:
    """Store a file sent in one request (the form without JavaScript) on a checklist item.

    The same checks as a chunked upload; Django has already streamed the
    request to a temporary file, which is copied to the upload disk, never read whole.
    """
    # Checked before the file is read (on the case as read), and again under the lock.
    check_manage_records(case=item.case, by=by, attaching=True)
    return _receive_one_request(item=item, upload=upload, by=by, source=source, checked_by_caller=False)


def _receive_one_request(
    *, item: RecordItem, upload: UploadedFile[bytes], by: User | None, source: str, checked_by_caller: bool, sender: str = ""
) -> RecordFile:
    name = _clean_name(upload.name or "file")
    _check_size(name, upload.size or 0)
    upload.seek(0)
    _check_type(name, filetypes.sniff(upload.read(filetypes.SNIFF_BYTES)), item.kind)
    upload.seek(0)
    path = conf.upload_dir() / f"form-{os.getpid()}-{id(upload)}.part"
    try:
        with open(path, "wb") as out:
            for chunk in upload.chunks(_PIECE):
                out.write(chunk)
        return _receive(
            item=item,
            path=path,
            name=name,
            digest=sha256_file(path),
            by=by,
            source=source,
            checked_by_caller=checked_by_caller,
            sender=sender,
        )
    finally:
        path.unlink(missing_ok=True)


def attach_screening_report(*, case: Case, upload: UploadedFile[bytes], by: User) -> RecordFile:
    """Store a cancer-marker screening report on the case's screening item, through the checks every
    record passes: typed by its content (PDF, JPEG or PNG), the size limit, SHA-256, stored once, the
    virus scan and quarantine after commit, and its reads on the trail like any record file.

    Called by ``plans.services.record_screening``, which has checked its permission, locked the case and
    checked its stage, inside its transaction. A refused file raises ``Refusal`` with nothing stored. If
    the caller's transaction then fails, it calls ``forget_uncommitted(record)``.
    """
    item, _ = RecordItem.objects.get_or_create(case=case, kind=RecordKind.SCREENING)
    return _receive_one_request(item=item, upload=upload, by=by, source="screening report", checked_by_caller=True)


def attach_consent_scan(*, case: Case, upload: UploadedFile[bytes], by: User) -> RecordFile:
    """Store the scan of a signed consent form on the case's consent item, through the same checks as
    ``attach_screening_report`` (typed by content: PDF, JPEG or PNG; size limit; SHA-256; stored once;
    virus scan after commit; its reads on the trail).

    Called by ``treatment.services.record_consent`` inside its transaction, holding the case lock and
    having checked its own rule; on a later failure it calls ``forget_uncommitted(record)``.
    """
    item, _ = RecordItem.objects.get_or_create(case=case, kind=RecordKind.CONSENT)
    return _receive_one_request(item=item, upload=upload, by=by, source="signed consent", checked_by_caller=True)


# The kinds a person outside the staff may send a file for: those asked for at intake, or "unsorted" (the care team sorts).
SENT_KINDS = (*INTAKE_KINDS, RecordKind.UNSORTED)


def attach_sent_file(
    *,
    case: Case,
    kind: str,
    upload: UploadedFile[bytes],
    by: User | None,
    source: str,
    check: Callable[[Case], None],
    sender: str = "",
) -> RecordFile:
    """Store one file a patient, their family or a visitor sent (not a member of staff), through the records intake.

    The one path for files sent from outside the clinic in one request (a web inquiry's upload link, the portal):
    ``check(case)`` is the caller's own rule (who may send, the stage), asked before a byte is read and again under
    the case lock; then the checks every record passes (size limit, type by content for ``kind``'s checklist item,
    archive rules, SHA-256, stored once, virus scan and ingest after commit). ``by``: the account that sent it, None
    for a visitor with a link. ``sender`` is added to the trail's summary (who sent it, on whose behalf). The same
    bytes sent twice to one item are stored once (one record, the resending on the trail). Refused with nothing
    stored: whatever ``check`` raises, ``TooLarge``, ``EmptyFile``, ``WrongType``, ``BadArchive``."""
    if kind not in SENT_KINDS:
        raise Refusal(f"Choose which record this is: {', '.join(RecordKind(k).label for k in SENT_KINDS)}.")
    check(case)  # before a byte is read, and again under the lock
    record: RecordFile | None = None
    try:
        with transaction.atomic():
            case = lock_case(case.pk)
            check(case)
            item, _ = RecordItem.objects.get_or_create(case=case, kind=kind)
            record = _receive_one_request(item=item, upload=upload, by=by, source=source, checked_by_caller=True, sender=sender)
    except BaseException:
        if record is not None:
            forget_uncommitted(record)
        raise
    return record


# The checklist item a mailed file lands on: the first that accepts its type (a PDF is read as the doctor's
# assessment; staff move nothing, the file is on the case either way).
MAILED_KINDS = (RecordKind.ASSESSMENT, RecordKind.IMAGING, RecordKind.MEDIA)


def attach_mailed_file(*, case: Case, name: str, data: BinaryIO | File[Any], size: int, max_bytes: int) -> RecordFile:
    """Store a file a patient or family member mailed to the case, through the checks every record passes:
    the size limit (``max_bytes``, the mail's own, and the records limit), typed by its content onto the first
    checklist item that accepts it, SHA-256, stored once, virus scan and quarantine after commit, on the trail
    (source "email", nobody on the staff as uploader).

    Called by ``conversations.services`` inside its transaction, after it matched the mail to the case; mail
    from the patient is kept whatever the stage. A refused file raises ``Refusal`` (``TooLarge`` for the size)
    with nothing stored; if the caller's transaction then fails, it calls ``forget_uncommitted(record)``.
    """
    name = _clean_name(name or "attachment")
    if size > max_bytes:
        raise TooLarge(f"{name} is {human_size(size)}; the largest attachment we accept by email is {human_size(max_bytes)}.")
    _check_size(name, size)
    data.seek(0)
    detected = filetypes.sniff(data.read(filetypes.SNIFF_BYTES))
    kind = next((k for k in MAILED_KINDS if detected.mime in filetypes.ACCEPTED[filetypes.RecordKind(k)]), None)
    if kind is None:
        names = sorted({n for k in MAILED_KINDS for n in filetypes.accepted_names(k)})
        raise Refusal(f"{name} is {detected.description}; by email we accept {', '.join(names)}.")
    item, _ = RecordItem.objects.get_or_create(case=case, kind=kind)
    data.seek(0)
    path = conf.upload_dir() / f"mail-{os.getpid()}-{id(data)}.part"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "wb") as out:
            shutil.copyfileobj(data, out, _PIECE)
        return _receive(item=item, path=path, name=name, digest=sha256_file(path), by=None, source="email", checked_by_caller=True)
    finally:
        path.unlink(missing_ok=True)


# Where the care team may sort a file a visitor sent unsorted: the kinds asked for at intake.
SORT_KINDS = INTAKE_KINDS


def check_sort_record(*, record: RecordFile, kind: str, by: User) -> None:
    """Move a file sent with a web inquiry from "unsorted" to a checklist kind: a records role while records can
    still change, a file that is unsorted and not quarantined, a kind asked for at intake that takes its type."""
    case = record.item.case
    check_manage_records(case=case, by=by, attaching=True)
    if record.item.kind != RecordKind.UNSORTED:
        raise Refusal(f"{record.original_name} is already sorted ({record.item.get_kind_display()}).")
    if kind not in SORT_KINDS:
        raise Refusal(f"Choose where {record.original_name} belongs: {', '.join(RecordKind(k).label for k in SORT_KINDS)}.")
    if record.blob is not None and record.blob.scan_status == ScanStatus.INFECTED:
        raise Refusal(f"{record.original_name} is quarantined (the virus scan found {record.blob.scan_detail}); it stays unsorted.")
    if record.content_type not in filetypes.ACCEPTED[filetypes.RecordKind(kind)]:
        names = ", ".join(filetypes.accepted_names(kind))
        raise Refusal(f"{record.original_name} is {record.content_type}; {RecordKind(kind).label} takes {names}.")


def sort_record(*, record: RecordFile, kind: str, by: User) -> RecordFile:
    """Move an unsorted file onto the case's checklist item of ``kind`` (marked received), on the trail. Sent to
    imaging as DICOM or a ZIP, it is read for studies and series like an imaging upload (its ingest runs again)."""
    with transaction.atomic():
        case = lock_case(record.item.case_id)
        record = RecordFile.objects.select_related("item__case", "blob").select_for_update(of=("self",)).get(pk=record.pk)
        check_sort_record(record=record, kind=kind, by=by)
        item, _ = RecordItem.objects.get_or_create(case=case, kind=kind)
        if record.blob_id is not None and RecordFile.objects.filter(item=item, blob_id=record.blob_id).exists():
            raise Refusal(f"{item.get_kind_display()} already holds the same file as {record.original_name}.")
        record.item = item
        record.save(update_fields=["item"])
        if item.status != ItemStatus.RECEIVED:
            RecordItem.objects.filter(pk=item.pk).update(status=ItemStatus.RECEIVED)
        touch(case)
        record_event(
            case=case,
            by=by,
            kind=EventKind.RECORDS,
            summary=f"{record.original_name} sorted from Unsorted to {item.get_kind_display()}",
            data={"file": str(record.uuid), "to": kind},
        )
        if kind == RecordKind.IMAGING and record.content_type in (filetypes.DICOM_MIME, filetypes.ZIP_MIME):
            Ingest.objects.update_or_create(
                record=record,
                defaults={"status": IngestStatus.QUEUED, "done": 0, "total": 0, "message": "", "started_at": None, "finished_at": None},
            )
            record_id = record.pk
            transaction.on_commit(lambda: _enqueue_processing(record_id))
    return record


def forget_uncommitted(record: RecordFile) -> None:
    """Delete the stored bytes of a record whose transaction rolled back (kept if any committed blob holds them)."""
    if record.file.name:
        forget_unreferenced([record.file.name])


def _receive(
    *,
    item: RecordItem,
    path: Path,
    name: str,
    digest: Digest,
    by: User | None,
    source: str,
    upload: UploadSession | None = None,
    checked_by_caller: bool = False,
    sender: str = "",
) -> RecordFile:
    """Check the whole file, store its bytes once, write the record row and its event, queue the ingest.

    ``checked_by_caller``: the caller holds the case lock and has checked its own
    rule (the screening report, a visitor's upload link); otherwise the records rule is checked here.
    ``by`` is None only for a visitor's upload (records.public), which is always checked by its caller.
    """
    if by is None and not checked_by_caller:
        raise NotAllowed("Only a staff member, or a caller that has checked its own rule, can attach records.")
    detected = filetypes.sniff_file(str(path))
    _check_type(name, detected, item.kind)
    if detected.mime == filetypes.ZIP_MIME:
        try:
            check_archive(path)
        except ArchiveError as refused:
            raise BadArchive(f"{name}: {refused}") from None
    # Stage checked before the bytes move, so a refusal leaves the file where it was.
    if not checked_by_caller and by is not None:
        with transaction.atomic():
            check_manage_records(case=lock_case(item.case_id), by=by, attaching=True)
    stored = store_bytes(path, sha256=digest.sha256, size=digest.size)
    try:
        with transaction.atomic():
            case = lock_case(item.case_id)
            if not checked_by_caller and by is not None:
                check_manage_records(case=case, by=by, attaching=True)
            blob = _blob(digest, detected.mime, stored)
            record = RecordFile.objects.filter(item=item, blob=blob).first()
            if record is not None:
                record_event(
                    case=case,
                    by=by,
                    kind=EventKind.RECORD_RESENT,
                    summary=f"{name} sent again{f' {sender}' if sender else ''}; identical to {record.original_name}, not stored twice",
                    data={"file": str(record.uuid), "sha256": digest.sha256},
                )
            else:
                record = _new_record(case=case, item=item, blob=blob, name=name, detected=detected, by=by, source=source, sender=sender)
            if upload is not None:
                UploadSession.objects.filter(pk=upload.pk).update(status=UploadStatus.COMPLETE, record=record)
                upload.status, upload.record = UploadStatus.COMPLETE, record
    except BaseException:
        # Nothing half-written: bytes this call stored, whose row did not commit, go too.
        if stored:
            forget_unreferenced([stored])
        raise
    return record


def _blob(digest: Digest, mime: str, stored: str | None) -> Blob:
    scan = ScanStatus.PENDING if conf.scanning_enabled() else ScanStatus.NOT_SCANNED
    try:
        with transaction.atomic():
            blob, _ = Blob.objects.get_or_create(
                sha256=digest.sha256,
                defaults={"size": digest.size, "mime": mime, "file": stored or blob_name(digest.sha256), "scan_status": scan},
            )
    except IntegrityError:  # the same bytes committed by someone else a moment ago
        blob = Blob.objects.get(sha256=digest.sha256)
    return blob


def _new_record(
    *,
    case: Case,
    item: RecordItem,
    blob: Blob,
    name: str,
    detected: filetypes.DetectedType,
    by: User | None,
    source: str,
    sender: str = "",
) -> RecordFile:
    record = RecordFile.objects.create(
        item=item,
        file=blob.file.name,
        blob=blob,
        original_name=name,
        content_type=detected.mime,
        size=blob.size,
        sha256=blob.sha256,
        uploaded_by=by,
        source=source,
    )
    Ingest.objects.create(record=record)
    if item.status != ItemStatus.RECEIVED:
        RecordItem.objects.filter(pk=item.pk).update(status=ItemStatus.RECEIVED)
    touch(case)
    record_event(
        case=case,
        by=by,
        kind=EventKind.RECORD_UPLOADED,
        summary=f"{name} added to {item.get_kind_display()}" + (f" {sender}" if sender else ""),
        data={"file": str(record.uuid), "sha256": blob.sha256, "size": blob.size, "type": detected.name, "source": source}
        | ({"sender": sender} if sender else {}),
    )
    transaction.on_commit(lambda: _enqueue_processing(record.pk))
    return record


def _enqueue_processing(record_id: int) -> None:
    from cellway.records.tasks import process_record

    process_record.enqueue(record_id=record_id)


def record_read(*, record: RecordFile, by: User, what: str = "") -> None:
    """Write the read of a medical record to the case trail (rule 9); ``what`` says which view of it.

    One row per person and file per `MEDICAL_READ_WINDOW` (see `record_medical_read`).
    """
    summary = f"Opened {record.original_name}" + (f" ({what})" if what else "")
    record_medical_read(case=record.item.case, by=by, subject=read_subject(record), summary=summary)


def abandon_stale_uploads(*, older_than_hours: int | None = None) -> int:
    """Remove open uploads nobody has touched for a while (part file and row). Returns how many."""
    hours = conf.upload_abandon_hours() if older_than_hours is None else older_than_hours
    cutoff = timezone.now() - dt.timedelta(hours=hours)
    stale = list(UploadSession.objects.filter(status=UploadStatus.OPEN, updated_at__lt=cutoff))
    for upload in stale:
        _discard(upload)
    return len(stale)


# --- Background work: scan, ingest, quarantine -------------------------------------


def record_scan(*, blob: Blob, clean: bool, detail: str = "") -> Blob:
    """Write a virus-scan verdict on stored bytes. Malware is quarantined: never served, never ingested,
    and every case holding those bytes gets an event."""
    with transaction.atomic():
        blob = Blob.objects.select_for_update().get(pk=blob.pk)
        blob.scan_status = ScanStatus.CLEAN if clean else ScanStatus.INFECTED
        blob.scan_detail = detail[:300]
        blob.scanned_at = timezone.now()
        blob.save(update_fields=["scan_status", "scan_detail", "scanned_at"])
        if not clean:
            for record in RecordFile.objects.filter(blob=blob).select_related("item__case"):
                record_event(
                    case=record.item.case,
                    by=None,
                    kind=EventKind.RECORD_QUARANTINED,
                    summary=f"{record.original_name} quarantined: the virus scan found {detail}",
                    data={"file": str(record.uuid), "sha256": blob.sha256},
                )
    return blob


def record_scan_failure(*, blob: Blob, detail: str) -> None:
    Blob.objects.filter(pk=blob.pk).update(scan_status=ScanStatus.FAILED, scan_detail=detail[:300])


def set_ingest_progress(
    *, ingest: Ingest, status: str | None = None, done: int | None = None, total: int | None = None, message: str | None = None
) -> None:
    """Progress of background work, for the page that polls it (no case event: the result gets one)."""
    changes: dict[str, Any] = {}
    if status is not None:
        changes["status"] = status
        if status == IngestStatus.RUNNING and ingest.started_at is None:
            changes["started_at"] = ingest.started_at = timezone.now()
        if status in (IngestStatus.DONE, IngestStatus.FAILED):
            changes["finished_at"] = timezone.now()
    if done is not None:
        changes["done"] = done
    if total is not None:
        changes["total"] = total
    if message is not None:
        changes["message"] = message[:500]
    for field, value in changes.items():
        setattr(ingest, field, value)
    Ingest.objects.filter(pk=ingest.pk).update(**changes)


def finish_ingest(*, ingest: Ingest, status: str, message: str, summary: dict[str, Any] | None = None) -> None:
    """Close the background work on a record and write its outcome to the case trail."""
    record = ingest.record
    with transaction.atomic():
        case = lock_case(record.item.case_id)
        set_ingest_progress(ingest=ingest, status=status, message=message)
        if summary is not None:
            Ingest.objects.filter(pk=ingest.pk).update(summary=summary)
            ingest.summary = summary
        record_event(
            case=case,
            by=None,
            kind=EventKind.RECORD_INGESTED if status == IngestStatus.DONE else EventKind.RECORD_NOT_INGESTED,
            summary=f"{record.original_name}: {message}"[:300],
            data={"file": str(record.uuid), **({"summary": summary} if summary else {})},
        )


def save_imaging(
    *,
    record: RecordFile,
    slices: list[tuple[Any, Digest, str, str]],
    flags: list[tuple[str, str, str, Digest | None, str]],
    stored: list[str],
) -> list[ImagingSeries]:
    """Write what an ingest found in one transaction: blobs, studies, series, slices, flags.

    ``slices`` are (DicomHeader, digest, mime, source name); ``flags`` are (name,
    code, reason, digest or None, mime). A slice already known for its series
    (same SOP Instance UID, e.g. the study sent twice) is not added again.
    If this raises, the bytes in ``stored`` that no row points to are deleted.
    Returns the series that changed, for their previews.
    """
    try:
        with transaction.atomic():
            case = lock_case(record.item.case_id)
            blobs = _blobs_for(
                [d for _, d, _, _ in slices] + [f[3] for f in flags if f[3] is not None],
                {d.sha256: m for _, d, m, _ in slices} | {f[3].sha256: f[4] for f in flags if f[3]},
            )
            by_series: dict[int, tuple[ImagingSeries, list[ImagingSlice]]] = {}
            studies: dict[str, ImagingStudy] = {}
            for header, digest, _, source_name in slices:
                study = studies.get(header.study_uid) or _study_for(case, header)
                studies[header.study_uid] = study
                series = _series_for(study, header, by_series)
                by_series[series.pk][1].append(
                    ImagingSlice(
                        series=series,
                        record=record,
                        blob=blobs[digest.sha256],
                        sop_instance_uid=header.sop_instance_uid,
                        instance_number=header.instance_number,
                        position=header.slice_position,
                        frames=header.frames,
                        source_name=source_name[:255],
                    )
                )
            changed: list[ImagingSeries] = []
            for series, new in by_series.values():
                known = set(ImagingSlice.objects.filter(series=series).values_list("sop_instance_uid", flat=True))
                fresh = {s.sop_instance_uid: s for s in new if s.sop_instance_uid not in known}
                if fresh:
                    ImagingSlice.objects.bulk_create(fresh.values(), batch_size=500)
                    changed.append(series)
            IngestFlag.objects.bulk_create(
                [
                    IngestFlag(record=record, name=name[:255], code=code, reason=reason[:500], blob=blobs[d.sha256] if d else None)
                    for name, code, reason, d, _ in flags
                ]
            )
            _recount(studies.values())
            touch(case)
    except BaseException:
        forget_unreferenced(stored)
        raise
    return changed


def _series_for(study: ImagingStudy, header: Any, seen: dict[int, tuple[ImagingSeries, list[ImagingSlice]]]) -> ImagingSeries:
    for series, _ in seen.values():
        if series.study_id == study.pk and series.series_uid == header.series_uid:
            return series
    series, _ = ImagingSeries.objects.get_or_create(
        study=study,
        series_uid=header.series_uid,
        defaults={
            "number": header.series_number,
            "modality": header.modality[:16],
            "description": header.series_description[:200],
            "body_part": header.body_part[:60],
        },
    )
    seen[series.pk] = (series, [])
    return series


def _blobs_for(digests: list[Digest], mimes: dict[str, str]) -> dict[str, Blob]:
    unique = {d.sha256: d for d in digests}
    scan = ScanStatus.PENDING if conf.scanning_enabled() else ScanStatus.NOT_SCANNED
    # Members of an archive are covered by the scan of the archive itself.
    scan = ScanStatus.CLEAN if scan == ScanStatus.PENDING else scan
    Blob.objects.bulk_create(
        [Blob(sha256=s, size=d.size, mime=mimes.get(s, ""), file=blob_name(s), scan_status=scan) for s, d in unique.items()],
        ignore_conflicts=True,
        batch_size=500,
    )
    return {b.sha256: b for b in Blob.objects.filter(sha256__in=list(unique))}


def _study_for(case: Case, header: Any) -> ImagingStudy:
    study, _ = ImagingStudy.objects.get_or_create(
        case=case,
        study_uid=header.study_uid,
        defaults={
            "study_date": header.study_date,
            "description": header.study_description[:200],
            "body_part": header.body_part[:60],
            "patient_name": header.patient.name[:200],
            "patient_id_in_file": header.patient.patient_id[:64],
        },
    )
    return study


def _recount(studies: Any) -> None:
    for study in studies:
        for series in study.series.annotate(n=Count("slices")):
            if series.slice_count != series.n:
                ImagingSeries.objects.filter(pk=series.pk).update(slice_count=series.n)
        agg = list(study.series.values_list("modality", "slice_count", "body_part"))
        study.series_count = len(agg)
        study.slice_count = sum(n for _, n, _ in agg)
        study.modalities = ", ".join(sorted({m for m, _, _ in agg if m}))[:60]
        study.body_part = study.body_part or next((b for _, _, b in agg if b), "")
        study.save(update_fields=["series_count", "slice_count", "modalities", "body_part", "updated_at"])


def save_preview(*, series: ImagingSeries, png: bytes | None, problem: str = "") -> None:
    """Store a series' preview (the middle slice) or why there is none."""
    from django.core.files.base import ContentFile

    old = series.preview.name if series.preview else ""
    if png is not None:
        series.preview.save(f"previews/{series.uuid}.png", ContentFile(png), save=False)
    else:
        series.preview = ""
    series.preview_problem = problem[:300]
    ImagingSeries.objects.filter(pk=series.pk).update(preview=series.preview.name or "", preview_problem=series.preview_problem)
    if old and old != (series.preview.name or ""):
        default_storage.delete(old)


def copy_into(path: Path, stream: BinaryIO) -> None:
    with open(path, "wb") as out:
        shutil.copyfileobj(stream, out, _PIECE)


def mark_records_complete(*, case: Case, by: User) -> Case:
    """Records are complete: the case moves on to liaison triage."""
    with transaction.atomic():
        case = lock_case(case)
        check_complete_records(case=case, by=by)
        missing = missing_items(case)
        if missing:
            names = ", ".join(i.get_kind_display() for i in missing)
            raise Refusal(f"Records are not complete: {names} still missing.")
        move(case, to=Stage.TRIAGE, by=by, summary="Records complete; ready for triage")
    return case


def reopen_records(*, case: Case, by: User, reason: str) -> Case:
    """The liaison officer finds something missing: back to collecting records."""
    with transaction.atomic():
        case = lock_case(case)
        check_reopen_records(case=case, by=by)
        limits.check_length(reason, limits.REASON, "What is missing")
        if not reason.strip():
            raise Refusal("Say what is missing.")
        move(case, to=Stage.INQUIRY, by=by, summary="Records reopened", reason=reason, part=Part.RECORDS)
    return case
