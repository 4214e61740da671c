"""Read a ZIP a patient uploaded (typically a burned imaging CD) without trusting it.

Rules:
- Everything is checked from the central directory before any member is
  extracted: member count, each member's size and compression ratio, the
  total size, names that would escape the folder (``../``, ``/abs``, ``C:\\``),
  symbolic links, encrypted members and duplicate names. One bad member
  refuses the whole archive: a CD export never needs any of these.
- The same limits are enforced again while reading, because the central
  directory can lie: a member that inflates past its declared size, or an
  archive that inflates past the total, stops with ``ArchiveError``.
- A damaged or truncated archive, or a compression method Python cannot read,
  is an ``ArchiveError`` with a message for the patient, never a traceback.
- Folders, macOS ``__MACOSX/`` resource forks, ``.DS_Store`` and
  ``Thumbs.db`` are skipped silently: the file manager added them, not the
  clinic that made the CD.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

_DRIVE = re.compile(r"^[A-Za-z]:")
_JUNK_DIRS = frozenset({"__MACOSX"})
_JUNK_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_ENCRYPTED_FLAG = 0x1
_SYMLINK_MODE = 0o120000
_FILE_TYPE_MASK = 0o170000

# End of central directory records, read to count members before zipfile
# builds a ZipInfo for every entry (a forged count of millions would exhaust memory).
_EOCD = b"PK\x05\x06"
_EOCD_MIN_BYTES = 22
_EOCD_MAX_COMMENT = 65535
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_LOCATOR_BYTES = 20
_ZIP64_EOCD = b"PK\x06\x06"


@dataclass(frozen=True)
class ArchiveLimits:
    """What an uploaded archive may hold. The defaults fit a full imaging CD/DVD.

    ``max_ratio`` catches zip bombs: DICOM rarely compresses better than
    about 20:1, a bomb compresses at 1000:1. Members under
    ``ratio_applies_from`` bytes are exempt, since a small blank slice can
    compress very well and cannot do harm on its own.
    """

    max_total_bytes: int = 8 * GiB
    max_members: int = 20_000
    max_member_bytes: int = 2 * GiB
    max_ratio: float = 200.0
    ratio_applies_from: int = 1 * MiB


@dataclass(frozen=True)
class ArchiveSummary:
    """The archive's members as the central directory declares them, all checked."""

    member_count: int
    total_bytes: int
    skipped: tuple[str, ...]


@dataclass(frozen=True)
class Member:
    """One file in the archive.

    ``name`` is a relative POSIX path that cannot leave its folder. ``open``
    returns a read-only, non-seekable stream that enforces the limits; it works
    only while ``iter_members`` is being iterated.
    """

    name: str
    size: int
    compressed_size: int
    open: Callable[[], BinaryIO]

    @property
    def is_dicomdir(self) -> bool:
        """The DICOMDIR index of a CD: not an image itself."""
        return PurePosixPath(self.name).name.upper() == "DICOMDIR"


class ArchiveError(Exception):
    """The archive is refused; ``str(error)`` is a message for the patient."""


def safe_member_name(raw: str) -> str:
    """Return ``raw`` as a relative POSIX path, or raise ``ArchiveError``.

    Backslashes count as separators (Windows zip tools write them); ``.`` and
    empty parts are dropped; ``..``, absolute paths, a drive letter in any
    part (``C:``) and NUL characters are refused.
    """
    name = raw.replace("\\", "/")
    if "\x00" in name or name.startswith("/"):
        raise _unsafe(raw)
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts or ".." in parts or any(_DRIVE.match(part) for part in parts):
        raise _unsafe(raw)
    return "/".join(parts)


def check_archive(
    path: str | Path, limits: ArchiveLimits | None = None
) -> ArchiveSummary:
    """Check the whole central directory against ``limits`` without extracting.

    Call it at upload time to refuse a bad archive while the patient is still
    there; ``iter_members`` runs the same checks again before reading.
    """
    limits = limits or ArchiveLimits()
    with _open_zip(path, limits) as zf:
        return _check_directory(zf.infolist(), limits)


def iter_members(
    path: str | Path, limits: ArchiveLimits | None = None
) -> Iterator[Member]:
    """Yield the archive's files, in archive order, after checking all of them.

    Raises ``ArchiveError`` before the first member if the central directory
    breaks a rule, or while a member's stream is read if the data breaks one.
    """
    limits = limits or ArchiveLimits()
    with _open_zip(path, limits) as zf:
        infos = zf.infolist()
        _check_directory(infos, limits)
        budget = _Budget(limits.max_total_bytes)
        for info in infos:
            if _is_skipped(info):
                continue
            yield Member(
                name=safe_member_name(info.filename),
                size=info.file_size,
                compressed_size=info.compress_size,
                open=_opener(zf, info, budget),
            )


def _unsafe(raw: str) -> ArchiveError:
    return ArchiveError(
        f"The archive contains an unsafe file name ({raw!r}) that points outside its folder; we do not open archives like this."
    )


def _open_zip(path: str | Path, limits: ArchiveLimits) -> zipfile.ZipFile:
    try:
        with open(path, "rb") as fh:
            declared = _declared_member_count(fh)
        if declared is not None and declared > limits.max_members:
            raise _too_many(declared, limits)
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ArchiveError(
            "This ZIP file is damaged or incomplete (perhaps the upload or the copy "
            "was cut short); please create it again and re-send it."
        ) from exc
    except (OSError, EOFError, ValueError) as exc:
        raise ArchiveError(f"This ZIP file could not be read ({exc}).") from exc


def _declared_member_count(fh: BinaryIO) -> int | None:
    """Entry count from the end-of-central-directory record, ZIP64 included.

    None when the record is not found; zipfile then reports the damage.
    """
    fh.seek(0, io.SEEK_END)
    size = fh.tell()
    tail_len = min(size, _EOCD_MIN_BYTES + _EOCD_MAX_COMMENT)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(_EOCD)
    if at < 0 or at + _EOCD_MIN_BYTES > len(tail):
        return None
    (count,) = struct.unpack_from("<H", tail, at + 10)
    if count != 0xFFFF:
        return int(count)
    locator = at - _ZIP64_LOCATOR_BYTES
    if locator < 0 or tail[locator : locator + 4] != _ZIP64_LOCATOR:
        return None
    (eocd64_offset,) = struct.unpack_from("<Q", tail, locator + 8)
    fh.seek(eocd64_offset)
    record = fh.read(40)
    if len(record) < 40 or record[:4] != _ZIP64_EOCD:
        return None
    (count64,) = struct.unpack_from("<Q", record, 32)
    return int(count64)


def _too_many(count: int, limits: ArchiveLimits) -> ArchiveError:
    return ArchiveError(
        f"This archive holds {count:,} files; we accept at most {limits.max_members:,} in one archive. Please split it."
    )


def _check_directory(
    infos: list[zipfile.ZipInfo], limits: ArchiveLimits
) -> ArchiveSummary:
    if len(infos) > limits.max_members:
        raise _too_many(len(infos), limits)
    seen: set[str] = set()
    skipped: list[str] = []
    total = 0
    for info in infos:
        name = safe_member_name(info.filename)
        if _is_skipped(info):
            skipped.append(name)
            continue
        _check_member(info, name, limits)
        if name.casefold() in seen:
            raise ArchiveError(
                f"The archive holds {name!r} twice; please re-create it."
            )
        seen.add(name.casefold())
        total += info.file_size
        if total > limits.max_total_bytes:
            raise _too_big_total(limits.max_total_bytes)
    return ArchiveSummary(
        member_count=len(seen), total_bytes=total, skipped=tuple(skipped)
    )


def _is_skipped(info: zipfile.ZipInfo) -> bool:
    parts = PurePosixPath(info.filename.replace("\\", "/")).parts
    return (
        info.is_dir()
        or any(part in _JUNK_DIRS for part in parts)
        or (bool(parts) and parts[-1] in _JUNK_FILES)
    )


def _check_member(info: zipfile.ZipInfo, name: str, limits: ArchiveLimits) -> None:
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise ArchiveError(
            f"{name!r} in this archive is password-protected; please send the archive without a password."
        )
    if (info.external_attr >> 16) & _FILE_TYPE_MASK == _SYMLINK_MODE:
        raise ArchiveError(
            f"{name!r} in this archive is a link to another file; we do not open archives with links."
        )
    if info.file_size > limits.max_member_bytes:
        raise ArchiveError(
            f"{name!r} in this archive is {_human(info.file_size)}; the largest "
            f"file we accept is {_human(limits.max_member_bytes)}."
        )
    if info.file_size >= limits.ratio_applies_from:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio:
            raise ArchiveError(
                f"{name!r} in this archive expands {ratio:,.0f} times when unpacked, "
                "which medical files never do; we refuse it as a possible zip bomb."
            )


def _too_big_total(max_total_bytes: int) -> ArchiveError:
    return ArchiveError(
        f"This archive unpacks to more than {_human(max_total_bytes)}, the most we accept in one archive. Please split it."
    )


def _human(size: int) -> str:
    for unit, factor in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if size >= factor:
            return f"{size / factor:,.1f} {unit}"
    return f"{size} bytes"


class _Budget:
    """Bytes still allowed across the whole archive, spent as members are read."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.spent = 0

    def spend(self, count: int) -> None:
        self.spent += count
        if self.spent > self.total:
            raise _too_big_total(self.total)


def _opener(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget
) -> Callable[[], BinaryIO]:
    def open_member() -> BinaryIO:
        name = safe_member_name(info.filename)
        try:
            inner = zf.open(info)
        except NotImplementedError as exc:
            raise ArchiveError(
                f"{name!r} uses a compression method we cannot read; please create the archive with ordinary ZIP compression."
            ) from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise _damaged(name) from exc
        guarded = _GuardedMember(inner, name, info.file_size, budget)
        return io.BufferedReader(guarded)

    return open_member


def _damaged(name: str) -> ArchiveError:
    return ArchiveError(
        f"{name!r} in this archive is damaged or incomplete; please create the archive again and re-send it."
    )


class _GuardedMember(io.RawIOBase):
    """A member's stream that stops as soon as it inflates past what was declared."""

    def __init__(
        self, inner: IO[bytes], name: str, declared: int, budget: _Budget
    ) -> None:
        self._inner = inner
        self._name = name
        self._declared = declared
        self._budget = budget
        self._seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise _damaged(self._name) from exc
        count = len(data)
        self._seen += count
        if self._seen > self._declared:
            raise ArchiveError(
                f"{self._name!r} in this archive holds more data than its header declares; we refuse it as a possible zip bomb."
            )
        self._budget.spend(count)
        buffer[:count] = data
        return count

    def close(self) -> None:
        self._inner.close()
        super().close()
