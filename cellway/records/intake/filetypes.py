"""Type an uploaded file by its content, and decide whether a record kind accepts it.

Rules:
- The name a patient gave the file is never trusted: ``scan.dcm`` that is really
  a JPEG is a JPEG, and a Windows program renamed ``report.pdf`` is refused.
- ``sniff`` needs only the first ``SNIFF_BYTES`` of the file, so the caller can
  type an upload before storing it.
- ``check_accepted`` raises ``RejectedFile`` with a message written for the
  patient, naming what the file is and what we accept instead.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from io import BytesIO
from typing import TYPE_CHECKING

import filetype

if TYPE_CHECKING:
    from pydicom.tag import BaseTag

SNIFF_BYTES = 8192
"""How much of the start of a file ``sniff`` should be given."""

DICOM_MIME = "application/dicom"
ZIP_MIME = "application/zip"
EMPTY_MIME = "application/x-empty"
UNKNOWN_MIME = "application/octet-stream"

_DICOM_MAGIC_OFFSET = 128
_DICOM_MAGIC = b"DICM"
_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")


class RecordKind(StrEnum):
    """The kinds of record a patient is asked for (DESIGN.md, rule 1)."""

    IMAGING = "imaging"
    HEMATOLOGY = "hematology"
    ASSESSMENT = "assessment"  # doctor's assessment report
    SCREENING = "screening"  # cancer-marker screening report
    CONSENT = "consent"  # the signed informed-consent form, scanned
    MEDIA = "media"  # pictures or videos of the condition
    UNSORTED = "unsorted"  # sent with a web inquiry, for the care team to sort


KIND_LABELS: Mapping[RecordKind, str] = {
    RecordKind.IMAGING: "imaging (MRI, CT, X-ray)",
    RecordKind.HEMATOLOGY: "hematology reports",
    RecordKind.ASSESSMENT: "doctor's assessment reports",
    RecordKind.SCREENING: "screening reports",
    RecordKind.CONSENT: "signed consent forms",
    RecordKind.MEDIA: "pictures and videos",
    RecordKind.UNSORTED: "records sent with an inquiry",
}

ACCEPTED: Mapping[RecordKind, tuple[str, ...]] = {
    RecordKind.IMAGING: (DICOM_MIME, ZIP_MIME, "image/jpeg", "image/png"),
    RecordKind.HEMATOLOGY: ("application/pdf", "image/jpeg", "image/png"),
    RecordKind.ASSESSMENT: ("application/pdf", "image/jpeg", "image/png"),
    RecordKind.SCREENING: ("application/pdf", "image/jpeg", "image/png"),
    RecordKind.CONSENT: ("application/pdf", "image/jpeg", "image/png"),
    RecordKind.MEDIA: (
        "image/jpeg",
        "image/png",
        "image/heic",
        "video/mp4",
        "video/quicktime",
        "video/webm",
    ),
    # Whatever the kinds asked for at intake accept: a visitor does not sort their own records.
    RecordKind.UNSORTED: (
        "application/pdf",
        "image/jpeg",
        "image/png",
        DICOM_MIME,
        ZIP_MIME,
        "image/heic",
        "video/mp4",
        "video/quicktime",
        "video/webm",
    ),
}
"""Record kind -> MIME types it accepts, in the order they are named to patients."""


@dataclass(frozen=True)
class DetectedType:
    """What a file is, judged from its content."""

    mime: str
    name: str  # short, for lists: "PDF"
    description: str  # for sentences: "a PDF document"
    extension: str  # the extension to store it under, from content: ".pdf"

    @property
    def is_empty(self) -> bool:
        return self.mime == EMPTY_MIME

    @property
    def is_known(self) -> bool:
        return self.mime not in (EMPTY_MIME, UNKNOWN_MIME)


class RejectedFile(Exception):
    """A file the record kind does not accept; ``message`` is for the patient."""

    def __init__(self, message: str, *, detected: DetectedType, kind: RecordKind):
        super().__init__(message)
        self.message = message
        self.detected = detected
        self.kind = kind


# mime -> (short name, description, extension)
_KNOWN: Mapping[str, tuple[str, str, str]] = {
    DICOM_MIME: ("DICOM", "a DICOM medical image", ".dcm"),
    ZIP_MIME: ("ZIP", "a ZIP archive", ".zip"),
    "application/pdf": ("PDF", "a PDF document", ".pdf"),
    "image/jpeg": ("JPEG", "a JPEG image", ".jpg"),
    "image/png": ("PNG", "a PNG image", ".png"),
    "image/heic": ("HEIC", "a HEIC photo", ".heic"),
    "image/tiff": ("TIFF", "a TIFF image", ".tif"),
    "image/gif": ("GIF", "a GIF image", ".gif"),
    "image/webp": ("WEBP", "a WEBP image", ".webp"),
    "image/bmp": ("BMP", "a BMP image", ".bmp"),
    "video/mp4": ("MP4", "an MP4 video", ".mp4"),
    "video/quicktime": ("MOV", "a QuickTime (MOV) video", ".mov"),
    "video/webm": ("WEBM", "a WEBM video", ".webm"),
    "video/x-msvideo": ("AVI", "an AVI video", ".avi"),
    "video/x-matroska": ("MKV", "an MKV video", ".mkv"),
    "text/plain": ("text", "a plain text file", ".txt"),
    "text/csv": ("CSV", "a CSV spreadsheet export", ".csv"),
    "application/x-msdownload": ("EXE", "a Windows executable", ".exe"),
    "application/x-executable": ("ELF", "a Linux executable", ".elf"),
    "application/msword": ("DOC", "a Word document", ".doc"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "DOCX",
        "a Word document",
        ".docx",
    ),
    "application/vnd.ms-excel": ("XLS", "an Excel spreadsheet", ".xls"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "XLSX",
        "an Excel spreadsheet",
        ".xlsx",
    ),
    "application/x-rar-compressed": ("RAR", "a RAR archive", ".rar"),
    "application/x-7z-compressed": ("7Z", "a 7-Zip archive", ".7z"),
    "application/gzip": ("GZIP", "a gzip archive", ".gz"),
    EMPTY_MIME: ("empty", "empty", ""),
    UNKNOWN_MIME: ("unknown", "of a type we could not recognise", ""),
}

# filetype names some formats more finely than we accept them.
_ALIASES: Mapping[str, str] = {
    "video/x-m4v": "video/mp4",  # Apple's MP4 brand
}


def sniff(head: bytes) -> DetectedType:
    """Type a file from its first bytes: at least ``SNIFF_BYTES``, or all of it.

    Order of checks: empty; DICOM's ``DICM`` marker at offset 128; the
    ``filetype`` signatures; DICOM without preamble (only if pydicom can read
    it and it names a SOP Class UID); UTF-8 text, CSV if it is delimited.
    Anything else is unknown.
    """
    if not head:
        return _detected(EMPTY_MIME)
    if _has_dicom_magic(head):
        return _detected(DICOM_MIME)
    guessed = filetype.guess_mime(head)
    if guessed is not None:
        return _detected(_ALIASES.get(guessed, guessed))
    if _is_bare_dicom(head):
        return _detected(DICOM_MIME)
    text = _as_text(head)
    if text is not None:
        return _detected("text/csv" if _looks_delimited(text) else "text/plain")
    return _detected(UNKNOWN_MIME)


def sniff_file(path: str) -> DetectedType:
    """``sniff`` the start of the file at ``path``."""
    with open(path, "rb") as fh:
        return sniff(fh.read(SNIFF_BYTES))


def check_accepted(detected: DetectedType, kind: RecordKind | str) -> None:
    """Raise ``RejectedFile`` unless ``kind`` accepts files of type ``detected``.

    The message says what the file is and what we accept, e.g. "This file is
    a Windows executable; we accept PDF, JPEG or PNG for hematology reports."
    """
    kind = RecordKind(kind)
    allowed = ACCEPTED[kind]
    if detected.mime in allowed:
        return
    wanted = (
        f"we accept {_or_list([_KNOWN[m][0] for m in allowed])} for {KIND_LABELS[kind]}"
    )
    if detected.is_empty:
        message = (
            f"This file is empty (0 bytes), so it may not have copied fully; {wanted}."
        )
    else:
        message = f"This file is {detected.description}; {wanted}."
    raise RejectedFile(message, detected=detected, kind=kind)


def accepted_names(kind: RecordKind | str) -> list[str]:
    """Short names of the types ``kind`` accepts, e.g. ``["PDF", "JPEG", "PNG"]``."""
    return [_KNOWN[m][0] for m in ACCEPTED[RecordKind(kind)]]


def _detected(mime: str) -> DetectedType:
    known = _KNOWN.get(mime)
    if known is None:
        guessed_ext = filetype.get_type(mime=mime)
        ext = f".{guessed_ext.extension}" if guessed_ext else ""
        known = (
            ext.lstrip(".").upper() or mime,
            f"a {ext.lstrip('.').upper()} file",
            ext,
        )
    name, description, extension = known
    return DetectedType(
        mime=mime, name=name, description=description, extension=extension
    )


def _has_dicom_magic(head: bytes) -> bool:
    end = _DICOM_MAGIC_OFFSET + len(_DICOM_MAGIC)
    return head[_DICOM_MAGIC_OFFSET:end] == _DICOM_MAGIC


def _stop_after_identification(tag: BaseTag, vr: str | None, length: int) -> bool:
    # SOP Class UID is (0008,0016); nothing past group 0008 is needed to decide.
    return tag.group > 0x0008


def _is_bare_dicom(head: bytes) -> bool:
    """DICOM written without preamble and ``DICM`` (old writers, some CD exports)."""
    # pydicom (with numpy) costs ~0.8 s to import; only files that no magic
    # number typed get this far, so every other process is spared it.
    from pydicom.filereader import read_partial

    try:
        with warnings.catch_warnings():
            # force=True makes pydicom warn on non-DICOM; only the answer matters.
            warnings.simplefilter("ignore")
            ds = read_partial(
                BytesIO(head), stop_when=_stop_after_identification, force=True
            )
            sop_class = str(ds.get("SOPClassUID", "") or "")
    except Exception:
        # pydicom forced onto arbitrary bytes fails in many ways (InvalidDicomError,
        # EOFError, struct and decoding errors); all of them mean "not DICOM".
        return False
    return bool(_UID.match(sop_class))


def _as_text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    # The head may end inside a multi-byte character; trim up to 3 bytes.
    for cut in range(4):
        try:
            text = head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return text if printable >= 0.95 * max(len(text), 1) else None
    return None


def _looks_delimited(text: str) -> bool:
    """Two or more lines with the same non-zero count of one delimiter."""
    lines = [line for line in text.splitlines()[:10] if line.strip()]
    if len(lines) < 2:
        return False
    # The last line may be cut off where the head ends, so it is not compared.
    return any(
        len({line.count(delim) for line in lines[:-1]}) == 1
        and lines[0].count(delim) > 0
        for delim in (",", ";", "\t")
    )


def _or_list(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} or {names[-1]}"
