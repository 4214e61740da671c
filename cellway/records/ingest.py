"""The background work on a received record: virus scan, then DICOM ingest.

Runs in a task (``tasks.process_record``), never in the web request. Reads go
through the pure intake engines (``intake.archive``, ``intake.dicom``); every
write goes through ``services``. Progress is written every
``PROGRESS_EVERY_S`` so the page that polls it moves.

An archive member that is not DICOM (the viewer program a CD carries, its
autorun file) is listed in the summary and not imported: the archive itself
is kept. A DICOM file that cannot be shown (damaged, no image, a compression
without a decoder) is stored and flagged, never a crash. If the archive turns
out to lie about its contents while being read (a zip bomb that hid its
size), the ingest stops, nothing it found is written, and the bytes it had
stored are deleted.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from cellway.records import conf, services
from cellway.records.blobs import local_path, store_bytes
from cellway.records.clamd import ScannerUnavailable, scan_stream
from cellway.records.intake import dicom, filetypes
from cellway.records.intake.archive import ArchiveError, Member, iter_members
from cellway.records.intake.hashing import Digest
from cellway.records.models import Blob, Ingest, IngestStatus, RecordFile, RecordKind, ScanStatus

PROGRESS_EVERY_S = 0.5
_DICOMDIR_CLASS = "1.2.840.10008.1.3.10"  # Media Storage Directory Storage


@dataclass
class Found:
    """What an ingest run has found so far."""

    slices: list[tuple[dicom.DicomHeader, Digest, str, str]] = field(default_factory=list)
    flags: list[tuple[str, str, str, Digest | None, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)
    dicomdir_missing: list[str] = field(default_factory=list)
    member_names: list[str] = field(default_factory=list)
    dicomdirs: list[Path] = field(default_factory=list)


def process(record_id: int) -> str:
    """Scan, then ingest, one record file. Safe to run again: a finished ingest is left alone."""
    record = RecordFile.objects.select_related("blob", "item__case").get(pk=record_id)
    ingest, _ = Ingest.objects.get_or_create(record=record)
    if ingest.status in (IngestStatus.DONE, IngestStatus.FAILED) or record.blob is None:
        return ingest.status
    services.set_ingest_progress(ingest=ingest, status=IngestStatus.RUNNING, message="Checking the file")
    blob = record.blob
    if not _scan(ingest, blob):
        return ingest.status
    if record.item.kind == RecordKind.IMAGING and blob.mime in (filetypes.DICOM_MIME, filetypes.ZIP_MIME):
        _ingest_imaging(ingest, record, blob)
    else:
        services.finish_ingest(ingest=ingest, status=IngestStatus.DONE, message=f"Stored ({_scan_words(blob)}).")
    return ingest.status


def _scan_words(blob: Blob) -> str:
    blob.refresh_from_db(fields=["scan_status"])
    return {ScanStatus.CLEAN: "virus scan clean", ScanStatus.NOT_SCANNED: "not scanned for viruses"}.get(
        ScanStatus(blob.scan_status), blob.get_scan_status_display().lower()
    )


def _scan(ingest: Ingest, blob: Blob) -> bool:
    """True if the bytes may be read on: clean, or no scanner configured."""
    if blob.scan_status == ScanStatus.INFECTED:
        services.finish_ingest(ingest=ingest, status=IngestStatus.FAILED, message=f"Quarantined: the virus scan found {blob.scan_detail}.")
        return False
    if blob.scan_status in (ScanStatus.CLEAN, ScanStatus.NOT_SCANNED) or not conf.scanning_enabled():
        return True
    services.set_ingest_progress(ingest=ingest, message="Scanning for viruses")
    try:
        with blob.file.open("rb") as stream:
            verdict = scan_stream(
                stream,
                unix_socket=conf.clamd_socket(),
                host=conf.clamd_host(),
                port=conf.clamd_port(),
                timeout=conf.clamd_timeout(),
            )
    except ScannerUnavailable as exc:
        services.record_scan_failure(blob=blob, detail=str(exc))
        services.set_ingest_progress(ingest=ingest, status=IngestStatus.QUEUED, message=f"{exc} The scan will be retried.")
        return False
    services.record_scan(blob=blob, clean=verdict.clean, detail=verdict.detail)
    if not verdict.clean:
        services.finish_ingest(ingest=ingest, status=IngestStatus.FAILED, message=f"Quarantined: the virus scan found {verdict.detail}.")
        return False
    return True


def _ingest_imaging(ingest: Ingest, record: RecordFile, blob: Blob) -> None:
    found = Found()
    try:
        with local_path(blob.file.name) as path:
            if blob.mime == filetypes.ZIP_MIME:
                _read_archive(ingest, path, found)
            else:
                services.set_ingest_progress(ingest=ingest, total=1, message="Reading DICOM")
                _read_single(record, blob, path, found)
                services.set_ingest_progress(ingest=ingest, done=1)
    except ArchiveError as refused:
        services.finish_ingest(ingest=ingest, status=IngestStatus.FAILED, message=str(refused))
        from cellway.records.blobs import forget_unreferenced

        forget_unreferenced(found.stored)
        return
    services.set_ingest_progress(ingest=ingest, message="Saving studies and series")
    changed = services.save_imaging(record=record, slices=found.slices, flags=found.flags, stored=found.stored)
    services.set_ingest_progress(ingest=ingest, message="Rendering previews")
    for series in changed:
        render_series_preview(series)
    studies = dicom.group_into_studies(h for h, _, _, _ in found.slices)
    summary: dict[str, Any] = {
        "studies": len(studies),
        "series": sum(s.series_count for s in studies),
        "images": sum(s.slice_count for s in studies),
        "flagged": len(found.flags),
        "skipped": found.skipped[:50],
        "skipped_count": len(found.skipped),
        "dicomdir_missing": found.dicomdir_missing[:50],
    }
    services.finish_ingest(ingest=ingest, status=IngestStatus.DONE, message=_sentence(summary), summary=summary)


def _sentence(summary: dict[str, Any]) -> str:
    parts = [f"{summary['images']} image{'s' if summary['images'] != 1 else ''} in {summary['series']} series "
             f"of {summary['studies']} stud{'ies' if summary['studies'] != 1 else 'y'}"]
    if summary["flagged"]:
        parts.append(f"{summary['flagged']} DICOM file{'s' if summary['flagged'] != 1 else ''} kept but flagged")
    if summary["skipped_count"]:
        parts.append(f"{summary['skipped_count']} non-DICOM file{'s' if summary['skipped_count'] != 1 else ''} not imported")
    if summary["dicomdir_missing"]:
        parts.append(f"the DICOMDIR lists {len(summary['dicomdir_missing'])} file(s) the archive lacks")
    return "; ".join(parts) + "."


def _read_single(record: RecordFile, blob: Blob, path: Path, found: Found) -> None:
    digest = Digest(sha256=blob.sha256, size=blob.size)
    _classify(record.original_name, path, digest, blob.mime, found)


def _classify(name: str, path: Path, digest: Digest, mime: str, found: Found) -> None:
    header = dicom.read_header(path, name=name)
    if isinstance(header, dicom.DicomHeader):
        found.slices.append((header, digest, mime, name))
        return
    reason, code = header.reason, str(header.code)
    if _is_dicomdir(path):
        code, reason = "dicomdir", "The CD's index (DICOMDIR); the images it lists are read from their own files."
    found.flags.append((name, code, reason, digest, mime))


def _is_dicomdir(path: Path) -> bool:
    try:
        from pydicom import dcmread

        ds = dcmread(path, stop_before_pixels=True, specific_tags=["SOPClassUID"])
        meta = getattr(ds, "file_meta", None)
        return str(meta.get("MediaStorageSOPClassUID", "")) == _DICOMDIR_CLASS if meta is not None else False
    except Exception:  # any unreadable file is simply not a DICOMDIR
        return False


def _read_archive(ingest: Ingest, path: Path, found: Found) -> None:
    from cellway.records.intake.archive import check_archive

    summary = check_archive(path)
    services.set_ingest_progress(ingest=ingest, total=summary.member_count, done=0, message="Reading the archive")
    last = time.monotonic()
    with tempfile.TemporaryDirectory(dir=conf.upload_dir()) as work:
        for done, member in enumerate(iter_members(path), start=1):
            found.member_names.append(member.name)
            if member.is_dicomdir:
                found.dicomdirs.append(_keep_dicomdir(member, Path(work)))
            else:
                _read_member(member, Path(work), found)
            if time.monotonic() - last > PROGRESS_EVERY_S:
                services.set_ingest_progress(ingest=ingest, done=done)
                last = time.monotonic()
        services.set_ingest_progress(ingest=ingest, done=summary.member_count)
        for dicomdir in found.dicomdirs:
            found.dicomdir_missing += _missing_from(dicomdir, Path(work), found.member_names)


def _read_member(member: Member, work: Path, found: Found) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=work)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, member.open() as stream:
            digest, head = _copy_hashing(stream, out)
        detected = filetypes.sniff(head)
        if detected.mime != filetypes.DICOM_MIME:
            found.skipped.append(f"{member.name} ({detected.description})")
            return
        _classify(member.name, tmp, digest, detected.mime, found)
        stored = store_bytes(tmp, sha256=digest.sha256, size=digest.size)
        if stored:
            found.stored.append(stored)
    finally:
        tmp.unlink(missing_ok=True)


def _copy_hashing(stream: BinaryIO, out: BinaryIO) -> tuple[Digest, bytes]:
    sha = hashlib.sha256()
    size = 0
    head = b""
    while piece := stream.read(1024 * 1024):
        if len(head) < filetypes.SNIFF_BYTES:
            head += piece[: filetypes.SNIFF_BYTES - len(head)]
        sha.update(piece)
        out.write(piece)
        size += len(piece)
    return Digest(sha256=sha.hexdigest(), size=size), head


def _keep_dicomdir(member: Member, work: Path) -> Path:
    target = work / "tree" / member.name
    target.parent.mkdir(parents=True, exist_ok=True)
    with member.open() as stream:
        services.copy_into(target, stream)
    return target


def _missing_from(dicomdir: Path, work: Path, member_names: list[str]) -> list[str]:
    """References of a zipped CD's DICOMDIR that the archive does not hold.

    ``dicom.read_dicomdir`` resolves references on disk, so the archive's
    names are laid out as empty files next to the DICOMDIR first.
    """
    tree = work / "tree"
    for name in member_names:
        placeholder = tree / PurePosixPath(name)
        if not placeholder.exists():
            placeholder.parent.mkdir(parents=True, exist_ok=True)
            placeholder.touch()
    contents = dicom.read_dicomdir(dicomdir)
    if isinstance(contents, dicom.DicomProblem):
        return [f"{dicomdir.relative_to(tree)}: {contents.reason}"]
    return list(contents.missing)


def render_series_preview(series: Any) -> None:
    """Render the middle slice of a series (spatial order) as its preview."""
    from cellway.records.models import SLICE_ORDER, ImagingSlice

    slices = ImagingSlice.objects.filter(series=series).order_by(*SLICE_ORDER).select_related("blob")
    count = slices.count()
    if not count:
        return
    middle = slices[count // 2]
    with local_path(middle.blob.file.name) as path:
        png = dicom.render_preview(path)
    if isinstance(png, dicom.DicomProblem):
        services.save_preview(series=series, png=None, problem=png.reason)
    else:
        services.save_preview(series=series, png=png)
