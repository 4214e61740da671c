"""DICOM ingest: read headers, group into studies and series, render previews.

Rules:
- Everything is parsed by pydicom; nothing here reads DICOM bytes by hand.
- Ingest never raises for a bad file: ``read_header``, ``render_preview`` and
  ``read_dicomdir`` return a ``DicomProblem`` (a code and a reason a person
  can read) for files that are not DICOM, damaged, hold no image, or use a
  compression this server cannot decode. The file itself is kept either way.
- Headers are read without pixel data, so grouping a 2,000-slice CD costs
  headers only; a preview decodes one frame of one slice.
- Patient name, ID and birth date are kept as they appear in the file, for
  matching against the case later; they are never trusted as the case's own.
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

# pydicom, numpy and Pillow cost about a second to import together, and every
# process that loads the records views imports this module (management
# commands, workers, the test runner). Each function that reads or renders
# DICOM imports what it uses; after the first call that is a dictionary lookup.
if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from PIL import Image
    from pydicom.dataset import Dataset
    from pydicom.uid import UID

PREVIEW_SIZE = 512
_UID_PATTERN = re.compile(r"^[0-9]+(\.[0-9]+)*$")
_PIXEL_GROUP = (b"\xe0\x7f", b"\x7f\xe0")  # group 7FE0, little or big endian
_PIXEL_ELEMENT_HEADER = 8  # shortest header before pixel bytes (implicit VR)
_AUTO_WINDOW_PERCENTILES = (0.5, 99.5)
_FULL_READ_MAX_BYTES = 256 * 1024 * 1024
_SPOOL_IN_MEMORY_BYTES = 16 * 1024 * 1024


class ProblemCode(StrEnum):
    """Why a file could not be ingested as an image."""

    NOT_DICOM = "not_dicom"
    DAMAGED = "damaged"
    NO_IMAGE = "no_image"  # a report, plan or other non-image object
    INCOMPLETE = "incomplete"  # lacks the UIDs needed to group it
    CANNOT_DECODE = "cannot_decode"  # compression without a decoder installed


@dataclass(frozen=True)
class DicomProblem:
    """A file that was kept but cannot be shown as an image; ``reason`` is for people."""

    source: str
    code: ProblemCode
    reason: str


@dataclass(frozen=True)
class Patient:
    """Patient identity as written in the file (``name`` in DICOM form, ``Doe^Jane``)."""

    name: str
    patient_id: str
    birth_date: date | None

    @property
    def display_name(self) -> str:
        """``Doe^Jane`` as ``Jane Doe``."""
        parts = self.name.split("^")
        family, given = parts[0].strip(), " ".join(p.strip() for p in parts[1:3])
        return " ".join(part for part in (given.strip(), family) if part)


@dataclass(frozen=True)
class DicomHeader:
    """What one DICOM image file says about itself, without its pixels."""

    source: str
    sop_class_uid: str
    sop_class_name: str
    sop_instance_uid: str
    study_uid: str
    series_uid: str
    modality: str
    study_date: date | None
    study_description: str
    series_description: str
    series_number: int | None
    body_part: str
    instance_number: int | None
    slice_location: float | None
    image_position: tuple[float, float, float] | None
    image_orientation: tuple[float, float, float, float, float, float] | None
    rows: int
    columns: int
    frames: int
    transfer_syntax: str
    patient: Patient

    @property
    def slice_position(self) -> float | None:
        """Distance along the slice normal, in mm; Slice Location if orientation is missing.

        Image Position projected onto the normal is the DICOM-correct order;
        Slice Location is optional and sometimes wrong on older scanners.
        """
        if self.image_position and self.image_orientation:
            import numpy as np

            row, col = self.image_orientation[:3], self.image_orientation[3:]
            normal = np.cross(row, col)
            return float(np.dot(normal, self.image_position))
        return self.slice_location


@dataclass(frozen=True)
class Series:
    """One series of a study, slices in spatial order."""

    series_uid: str
    series_number: int | None
    modality: str
    description: str
    body_part: str
    slices: tuple[DicomHeader, ...]
    duplicates: int  # files repeating an SOP Instance UID already counted

    @property
    def slice_count(self) -> int:
        return len(self.slices)

    @property
    def frame_count(self) -> int:
        return sum(h.frames for h in self.slices)


@dataclass(frozen=True)
class Study:
    """One study (one visit to the scanner), series in series-number order."""

    study_uid: str
    study_date: date | None
    description: str
    patient: Patient
    series: tuple[Series, ...]

    @property
    def series_count(self) -> int:
        return len(self.series)

    @property
    def slice_count(self) -> int:
        return sum(s.slice_count for s in self.series)

    @property
    def modalities(self) -> tuple[str, ...]:
        return tuple(sorted({s.modality for s in self.series if s.modality}))


@dataclass(frozen=True)
class DicomDirContents:
    """Files a DICOMDIR references, in its patient/study/series/image order."""

    dicomdir: Path
    files: tuple[Path, ...]
    missing: tuple[str, ...]  # referenced but absent, or pointing outside the folder


Source = str | os.PathLike[str] | BinaryIO


def read_header(
    source: Source, *, name: str | None = None
) -> DicomHeader | DicomProblem:
    """Read one file's header (pixels skipped) or say why it is not a usable image.

    ``source`` is a path or a binary stream (a forward-only stream, such as a
    zip member, is spooled to a temporary file first); ``name`` labels the
    result (defaults to the path). DICOM without the 128-byte preamble is
    accepted only if it names a SOP Class UID. A file whose image data is
    absent (a structured report, an RT plan) or cut short is a problem.
    """
    label = name or _label(source)
    try:
        with _binary(source) as fh:
            ds = _read_without_pixels(fh)
            if ds is None:
                return _problem(label, ProblemCode.NOT_DICOM)
            pixel_bytes = _pixel_bytes_left(fh, ds)
    except Exception:
        # pydicom raises many types for damaged files (EOFError, ValueError,
        # struct.error, OSError...); ingest must flag, not crash.
        return _problem(label, ProblemCode.DAMAGED)
    try:
        return _header_or_problem(label, ds, pixel_bytes)
    except Exception:
        # pydicom decodes elements lazily: a damaged one (an unknown VR, say)
        # raises only when first read, wherever that is.
        return _problem(label, ProblemCode.DAMAGED)


def read_headers(
    paths: Iterable[str | os.PathLike[str]],
) -> Iterator[DicomHeader | DicomProblem]:
    """``read_header`` for each path, lazily."""
    for path in paths:
        yield read_header(path)


def group_into_studies(headers: Iterable[DicomHeader]) -> list[Study]:
    """Group headers by Study and Series Instance UID.

    Studies are ordered by date (undated last) then UID; series by Series
    Number (unnumbered last) then UID; slices by position along the slice
    normal, then Instance Number, then SOP Instance UID. A file repeating an
    SOP Instance UID is counted once and reported in ``Series.duplicates``.
    """
    by_study: dict[str, dict[str, list[DicomHeader]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for header in headers:
        by_study[header.study_uid][header.series_uid].append(header)
    studies = [_study(series_map) for series_map in by_study.values()]
    return sorted(
        studies,
        key=lambda s: (s.study_date is None, s.study_date or date.min, s.study_uid),
    )


def middle_slice(series: Series) -> DicomHeader:
    """The slice a preview shows: index ``len // 2`` in spatial order."""
    return series.slices[len(series.slices) // 2]


def render_preview(
    path: str | os.PathLike[str], size: int = PREVIEW_SIZE
) -> bytes | DicomProblem:
    """Render one slice as PNG bytes fitting ``size`` x ``size``, or say why not.

    Greyscale: Modality LUT (rescale slope/intercept), then the file's VOI
    (Window Center/Width, else VOI LUT); without either, a 0.5-99.5 percentile
    window. MONOCHROME1 is inverted so bone is white. Multi-frame files show
    their middle frame; colour (RGB, YBR, palette) is kept. Non-square pixels
    are corrected with Pixel Spacing. The image is never enlarged.
    """
    from pydicom.uid import UID

    header = read_header(path)
    if isinstance(header, DicomProblem):
        return header
    transfer_syntax = UID(header.transfer_syntax)
    if not _can_decode(transfer_syntax):
        return _problem(header.source, ProblemCode.CANNOT_DECODE, transfer_syntax.name)
    try:
        frame, ds = _middle_frame(path, header.frames)
        image = _to_image(frame, ds)
    except Exception:
        # Decoders raise assorted errors for damaged or unsupported pixel data;
        # for compressed data the two cannot be told apart.
        if _is_compressed(transfer_syntax):
            return _problem(
                header.source, ProblemCode.CANNOT_DECODE, transfer_syntax.name
            )
        return _problem(header.source, ProblemCode.DAMAGED)
    return _png(_fit(_square_pixels(image, ds), size))


def find_dicomdir(folder: str | os.PathLike[str]) -> Path | None:
    """The DICOMDIR of a CD-style tree: in ``folder`` or one level below, any case."""
    root = Path(folder)
    for candidate in (root, *sorted(p for p in root.iterdir() if p.is_dir())):
        for entry in sorted(candidate.iterdir()):
            if entry.is_file() and entry.name.upper() == "DICOMDIR":
                return entry
    return None


def read_dicomdir(dicomdir: str | os.PathLike[str]) -> DicomDirContents | DicomProblem:
    """List the files a DICOMDIR references, in its record order.

    The directory records are read with pydicom (``dcmread``); pydicom's
    ``FileSet`` is not used because it silently drops every reference whose
    file is missing or differs in case, and a clinic must see what is missing.
    References are resolved relative to the DICOMDIR's folder, matching case
    loosely (zip tools often lower-case CD names). A reference that is absent
    or resolves outside the folder is listed in ``missing``, never opened.
    """
    from pydicom import dcmread

    path = Path(dicomdir)
    try:
        records = dcmread(path).DirectoryRecordSequence
        references = [_file_id(r) for r in records if r.get("ReferencedFileID")]
    except Exception:
        return _problem(os.fspath(path), ProblemCode.DAMAGED, "not a readable DICOMDIR")
    root = path.parent.resolve()
    files: list[Path] = []
    missing: list[str] = []
    for parts in references:
        found = _resolve_inside(root, parts)
        if found is None:
            missing.append("/".join(parts))
        else:
            files.append(found)
    return DicomDirContents(dicomdir=path, files=tuple(files), missing=tuple(missing))


# --- reading --------------------------------------------------------------


def _label(source: Source) -> str:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return str(getattr(source, "name", "<stream>"))


@contextmanager
def _binary(source: Source) -> Iterator[BinaryIO]:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as fh:
            yield fh
    elif source.seekable():
        yield source
    else:
        # A zip member streams forward only; pydicom needs to seek.
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY_BYTES) as spool:
            shutil.copyfileobj(source, spool)
            spool.seek(0)
            yield spool  # type: ignore[misc]


def _read_without_pixels(fh: BinaryIO) -> Dataset | None:
    """The dataset up to its pixel data, or None if it is not DICOM."""
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError

    start = fh.tell()
    if not fh.read(1):
        return None
    fh.seek(start)
    try:
        return dcmread(fh, stop_before_pixels=True)
    except InvalidDicomError:
        pass
    fh.seek(start)
    # No preamble: accept only what pydicom reads into something with a SOP class.
    try:
        ds = dcmread(fh, stop_before_pixels=True, force=True)
    except Exception:
        return None
    return ds if _UID_PATTERN.match(str(ds.get("SOPClassUID", "") or "")) else None


def _pixel_bytes_left(fh: BinaryIO, ds: Dataset) -> int | None:
    """Bytes from the pixel data element to the end of the file; 0 if none; None if unknown.

    pydicom leaves the stream at the pixel data element when it stops before it.
    """
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    if _transfer_syntax(ds) == DeflatedExplicitVRLittleEndian:
        return None  # pydicom inflated the whole file; positions no longer map
    here = fh.tell()
    group = fh.read(2)
    end = fh.seek(0, io.SEEK_END)
    return end - here if group in _PIXEL_GROUP else 0


def _header_or_problem(
    label: str, ds: Dataset, pixel_bytes: int | None
) -> DicomHeader | DicomProblem:
    """Checks in order: holds an image, can be grouped, image data complete."""
    if pixel_bytes == 0 or "Rows" not in ds:
        return _problem(label, ProblemCode.NO_IMAGE, _sop_name(ds))
    missing = [
        k
        for k in ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")
        if not ds.get(k)
    ]
    if missing:
        return _problem(label, ProblemCode.INCOMPLETE, ", ".join(missing))
    if pixel_bytes is not None and _is_cut_short(ds, pixel_bytes):
        return _problem(label, ProblemCode.DAMAGED, "image data cut short")
    try:
        return _header(label, ds)
    except Exception:
        return _problem(label, ProblemCode.DAMAGED)


def _transfer_syntax(ds: Dataset) -> UID:
    """The file's transfer syntax; for DICOM without meta, the encoding pydicom found."""
    from pydicom.uid import UID, ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

    file_meta = getattr(ds, "file_meta", None)
    declared = file_meta.get("TransferSyntaxUID") if file_meta is not None else None
    if declared:
        return UID(str(declared))
    implicit, little = getattr(ds, "original_encoding", (True, True))
    if implicit:
        return ImplicitVRLittleEndian
    return ExplicitVRLittleEndian if little else ExplicitVRBigEndian


def _is_compressed(transfer_syntax: UID) -> bool:
    try:
        return bool(transfer_syntax.is_compressed)
    except ValueError:  # not a transfer syntax UID at all
        return True


def _is_cut_short(ds: Dataset, pixel_bytes: int) -> bool:
    """Native (uncompressed) pixel data shorter than Rows x Columns x ... needs."""
    from pydicom.pixels.utils import get_expected_length

    if _is_compressed(_transfer_syntax(ds)):
        return False  # encapsulated length is not predictable from the header
    try:
        expected = int(get_expected_length(ds, unit="bytes"))
    except Exception:
        return False  # header too odd to predict; render_preview will judge
    return pixel_bytes < expected + _PIXEL_ELEMENT_HEADER


def _header(label: str, ds: Dataset) -> DicomHeader:
    return DicomHeader(
        source=label,
        sop_class_uid=str(ds.get("SOPClassUID", "")),
        sop_class_name=_sop_name(ds),
        sop_instance_uid=str(ds.SOPInstanceUID),
        study_uid=str(ds.StudyInstanceUID),
        series_uid=str(ds.SeriesInstanceUID),
        modality=_text(ds, "Modality"),
        study_date=_date(ds.get("StudyDate")),
        study_description=_text(ds, "StudyDescription"),
        series_description=_text(ds, "SeriesDescription"),
        series_number=_int(ds.get("SeriesNumber")),
        body_part=_text(ds, "BodyPartExamined"),
        instance_number=_int(ds.get("InstanceNumber")),
        slice_location=_float(ds.get("SliceLocation")),
        image_position=_floats(ds.get("ImagePositionPatient"), 3),  # type: ignore[arg-type]
        image_orientation=_floats(ds.get("ImageOrientationPatient"), 6),  # type: ignore[arg-type]
        rows=_int(ds.get("Rows"), 0),
        columns=_int(ds.get("Columns"), 0),
        frames=_int(ds.get("NumberOfFrames"), 1),
        transfer_syntax=str(_transfer_syntax(ds)),
        patient=Patient(
            name=_text(ds, "PatientName"),
            patient_id=_text(ds, "PatientID"),
            birth_date=_date(ds.get("PatientBirthDate")),
        ),
    )


def _sop_name(ds: Dataset) -> str:
    from pydicom.uid import UID

    file_meta = getattr(ds, "file_meta", None) or {}
    uid = ds.get("SOPClassUID") or file_meta.get("MediaStorageSOPClassUID")
    return UID(str(uid)).name if uid else "unknown object"


def _text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword)
    return "" if value is None else str(value).strip()


def _int(value: Any, default: int | None = None) -> Any:
    try:
        return int(float(str(value)))
    except (TypeError, ValueError, OverflowError):
        return default


def _float(value: Any) -> float | None:
    try:
        number = float(str(value))
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _floats(value: Any, count: int) -> tuple[float, ...] | None:
    try:
        numbers = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    ok = len(numbers) == count and all(math.isfinite(n) for n in numbers)
    return numbers if ok else None


def _date(value: Any) -> date | None:
    """DICOM DA ``YYYYMMDD`` (old files: ``YYYY.MM.DD``) as a date, else None."""
    digits = str(value or "").strip().replace(".", "")
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


_REASONS = {
    ProblemCode.NOT_DICOM: "This file is not a DICOM image, whatever its name says.",
    ProblemCode.DAMAGED: "This DICOM file is damaged or incomplete and cannot be read.",
    ProblemCode.NO_IMAGE: "This DICOM file holds no image",
    ProblemCode.INCOMPLETE: "This DICOM file lacks identifiers needed to place it in a study",
    ProblemCode.CANNOT_DECODE: "This image is compressed in a format this server cannot show yet",
}


def _problem(label: str, code: ProblemCode, detail: str = "") -> DicomProblem:
    reason = _REASONS[code]
    if detail:
        reason = f"{reason.rstrip('.')} ({detail})."
    elif not reason.endswith("."):
        reason += "."
    return DicomProblem(source=label, code=code, reason=reason)


# --- grouping -------------------------------------------------------------


def _study(series_map: dict[str, list[DicomHeader]]) -> Study:
    series = sorted(
        (_series(headers) for headers in series_map.values()),
        key=lambda s: (s.series_number is None, s.series_number or 0, s.series_uid),
    )
    first = next(iter(series_map.values()))[0]
    return Study(
        study_uid=first.study_uid,
        study_date=first.study_date,
        description=first.study_description,
        patient=first.patient,
        series=tuple(series),
    )


def _series(headers: list[DicomHeader]) -> Series:
    unique: dict[str, DicomHeader] = {}
    for header in headers:
        unique.setdefault(header.sop_instance_uid, header)
    slices = sorted(unique.values(), key=_slice_order)
    first = slices[0]
    return Series(
        series_uid=first.series_uid,
        series_number=first.series_number,
        modality=first.modality,
        description=first.series_description,
        body_part=first.body_part,
        slices=tuple(slices),
        duplicates=len(headers) - len(unique),
    )


def _slice_order(header: DicomHeader) -> tuple[bool, float, bool, int, str]:
    position = header.slice_position
    number = header.instance_number
    return (
        position is None,
        position if position is not None else 0.0,
        number is None,
        number if number is not None else 0,
        header.sop_instance_uid,
    )


# --- preview --------------------------------------------------------------


def _middle_frame(
    path: str | os.PathLike[str], frames: int
) -> tuple[NDArray[Any], Dataset]:
    """Decode only the middle frame; fall back to the whole file for odd encodings.

    Frame-by-frame reading relies on a correct offset table; some writers get
    it wrong, and then a full read (bounded by ``_FULL_READ_MAX_BYTES``) still works.
    """
    from pydicom import dcmread
    from pydicom.dataset import Dataset
    from pydicom.pixels import pixel_array

    index = frames // 2
    try:
        ds = Dataset()
        return pixel_array(path, index=index, ds_out=ds), ds
    except Exception:
        if os.path.getsize(path) > _FULL_READ_MAX_BYTES:
            raise
    ds = dcmread(path, force=True)  # read_header already vetted it
    arr = ds.pixel_array
    return (arr[index] if frames > 1 else arr), ds


def _can_decode(transfer_syntax: UID) -> bool:
    from pydicom.pixels import get_decoder

    if not _is_compressed(transfer_syntax):
        return True
    try:
        return bool(get_decoder(transfer_syntax).is_available)
    except (NotImplementedError, ValueError):
        return False


def _to_image(frame: NDArray[Any], ds: Dataset) -> Image.Image:
    from PIL import Image
    from pydicom.pixels import apply_color_lut, apply_modality_lut

    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if photometric == "PALETTE COLOR":
        return Image.fromarray(_to_uint8_colour(apply_color_lut(frame, ds)), "RGB")
    if frame.ndim == 3:
        return Image.fromarray(_to_uint8_colour(frame), "RGB")
    grey = _window(apply_modality_lut(frame, ds), ds)
    if photometric == "MONOCHROME1":
        grey = ~grey  # MONOCHROME1 stores white as the minimum; for 8 bits ~v is 255 - v
    return Image.fromarray(grey, "L")


def _to_uint8_colour(arr: NDArray[Any]) -> NDArray[np.uint8]:
    import numpy as np

    if arr.dtype == np.uint8:
        return arr
    top = float(arr.max()) or 1.0
    return (arr.astype(np.float64) * (255.0 / top)).clip(0, 255).astype(np.uint8)


def _window(values: NDArray[Any], ds: Dataset) -> NDArray[np.uint8]:
    """Map modality values to 0-255 with the file's own window if it has a usable one."""
    import numpy as np

    voi = _apply_file_voi(values, ds)
    if voi is not None:
        values, (low, high) = voi
    else:
        low, high = (float(v) for v in np.percentile(values, _AUTO_WINDOW_PERCENTILES))
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = (values.astype(np.float64) - low) / (high - low)
    return (scaled.clip(0.0, 1.0) * 255.0).round().astype(np.uint8)


def _apply_file_voi(
    values: NDArray[Any], ds: Dataset
) -> tuple[NDArray[Any], tuple[float, float]] | None:
    """Windowed values and their output range, or None to fall back to auto-window."""
    from pydicom.pixels import apply_voi_lut

    has_window = "WindowCenter" in ds and "WindowWidth" in ds
    if not has_window and "VOILUTSequence" not in ds:
        return None
    try:
        out = apply_voi_lut(values, ds, prefer_lut=not has_window)
    except Exception:
        return None  # e.g. Window Width < 1; an unusable window is no window
    if has_window:
        return out, _windowing_range(ds)
    return out, (float(out.min()), float(out.max()))


def _windowing_range(ds: Dataset) -> tuple[float, float]:
    """The output range pydicom's ``apply_windowing`` maps into (PS3.3 C.11.2.1.2).

    Mirrors pydicom: the stored-value range, passed through the rescale.
    """
    bits = _int(ds.get("BitsStored"), 16)
    if ds.get("ModalityLUTSequence"):
        low, high = 0.0, float(2 ** ds.ModalityLUTSequence[0].LUTDescriptor[2] - 1)
    elif _int(ds.get("PixelRepresentation"), 0) == 0:
        low, high = 0.0, float(2**bits - 1)
    else:
        low, high = float(-(2 ** (bits - 1))), float(2 ** (bits - 1) - 1)
    slope, intercept = ds.get("RescaleSlope"), ds.get("RescaleIntercept")
    if (
        slope is not None
        and intercept is not None
        and not ds.get("ModalityLUTSequence")
    ):
        low, high = (
            low * float(slope) + float(intercept),
            high * float(slope) + float(intercept),
        )
    return (min(low, high), max(low, high))


def _square_pixels(image: Image.Image, ds: Dataset) -> Image.Image:
    """Stretch columns when Pixel Spacing says pixels are not square."""
    from PIL import Image

    spacing = _floats(ds.get("PixelSpacing"), 2)
    if not spacing or min(spacing) <= 0:
        return image
    row_mm, col_mm = spacing
    if abs(row_mm - col_mm) / max(row_mm, col_mm) < 0.01:
        return image
    width = max(1, round(image.width * col_mm / row_mm))
    return image.resize((width, image.height), Image.Resampling.LANCZOS)


def _fit(image: Image.Image, size: int) -> Image.Image:
    from PIL import Image

    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    return image


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- DICOMDIR -------------------------------------------------------------


def _file_id(record: Dataset) -> tuple[str, ...]:
    """Referenced File ID (VM 1-8, one path component each) as a tuple."""
    value = record.ReferencedFileID
    if isinstance(value, str):
        return (value,)
    return tuple(str(part) for part in value)


def _resolve_inside(root: Path, parts: tuple[str, ...]) -> Path | None:
    """``root/parts`` (case-insensitive per part) if it exists and stays inside ``root``."""
    current = root
    for part in parts:
        if part in ("", ".", "..") or "/" in part or "\\" in part:
            return None
        exact = current / part
        if exact.exists():
            current = exact
            continue
        matches = (
            [p for p in current.iterdir() if p.name.upper() == part.upper()]
            if current.is_dir()
            else []
        )
        if len(matches) != 1:
            return None
        current = matches[0]
    resolved = current.resolve()
    if not resolved.is_file() or not resolved.is_relative_to(root):
        return None
    return resolved
