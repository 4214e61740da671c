from __future__ import annotations

import os
import re
import struct
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellway.records.intake.archive import (
    ArchiveError,
    ArchiveLimits,
    check_archive,
    iter_members,
    safe_member_name,
)

MiB = 1024 * 1024


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def read_all(path: Path, limits: ArchiveLimits | None = None) -> dict[str, bytes]:
    out = {}
    for member in iter_members(path, limits):
        with member.open() as stream:
            out[member.name] = stream.read()
    return out


def patch_headers(path: Path, *, flags: int = 0, file_size: int | None = None) -> None:
    """Rewrite the first member's local and central headers, as a forger would."""
    data = bytearray(path.read_bytes())
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    for header, flag_at, size_at in ((local, 6, 22), (central, 8, 24)):
        (old_flags,) = struct.unpack_from("<H", data, header + flag_at)
        struct.pack_into("<H", data, header + flag_at, old_flags | flags)
        if file_size is not None:
            struct.pack_into("<I", data, header + size_at, file_size)
    path.write_bytes(bytes(data))


def test_it_yields_members_with_their_content(tmp_path: Path) -> None:
    payload = os.urandom(300_000)
    path = make_zip(tmp_path / "cd.zip", {"STUDY/IM1": payload, "STUDY/IM2": b"x"})
    assert read_all(path) == {"STUDY/IM1": payload, "STUDY/IM2": b"x"}
    summary = check_archive(path)
    assert summary.member_count == 2
    assert summary.total_bytes == 300_001


def test_it_skips_folders_and_file_manager_junk(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "mac.zip",
        {
            "scans/": b"",
            "scans/IM1": b"a",
            "__MACOSX/scans/._IM1": b"junk",
            "scans/.DS_Store": b"junk",
        },
    )
    assert list(read_all(path)) == ["scans/IM1"]
    assert check_archive(path).skipped == (
        "scans",
        "__MACOSX/scans/._IM1",
        "scans/.DS_Store",
    )


def test_it_flags_the_dicomdir_index(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "cd.zip", {"DICOMDIR": b"d", "DICOM/IM1": b"i"})
    flags = {m.name: m.is_dicomdir for m in iter_members(path)}
    assert flags == {"DICOMDIR": True, "DICOM/IM1": False}


def test_it_refuses_a_truncated_zip(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "cd.zip", {"IM1": os.urandom(50_000)})
    path.write_bytes(path.read_bytes()[:30_000])
    with pytest.raises(ArchiveError, match="damaged or incomplete"):
        list(iter_members(path))
    with pytest.raises(ArchiveError, match="damaged or incomplete"):
        check_archive(path)


def test_it_refuses_a_member_whose_data_is_corrupt(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "cd.zip", {"IM1": b"slice " * 50_000})
    data = bytearray(path.read_bytes())
    start = data.find(b"IM1") + 3
    data[start + 100 : start + 200] = os.urandom(100)
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="'IM1' in this archive is damaged"):
        read_all(path)


def test_it_refuses_a_file_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "cd.zip"
    path.write_bytes(b"%PDF-1.7 not a zip")
    with pytest.raises(ArchiveError, match="damaged or incomplete"):
        check_archive(path)


def test_it_refuses_a_zip_bomb_by_its_compression_ratio(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "bomb.zip", {"IM1": bytes(8 * MiB)})
    with pytest.raises(ArchiveError, match="possible zip bomb"):
        check_archive(path)
    with pytest.raises(ArchiveError, match="possible zip bomb"):
        next(iter_members(path))


def test_it_lets_small_highly_compressible_files_through(tmp_path: Path) -> None:
    # A blank 512x512 16-bit slice compresses about 500:1 and is harmless.
    path = make_zip(tmp_path / "blank.zip", {"IM1": bytes(512 * 1024)})
    assert read_all(path)["IM1"] == bytes(512 * 1024)


def test_it_refuses_an_archive_that_unpacks_past_the_total(tmp_path: Path) -> None:
    members = {f"IM{i}": os.urandom(400_000) for i in range(3)}
    path = make_zip(tmp_path / "big.zip", members)
    with pytest.raises(ArchiveError, match="unpacks to more than 1.0 MiB"):
        check_archive(path, ArchiveLimits(max_total_bytes=MiB))


def test_it_refuses_a_member_over_the_single_file_limit(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "big.zip", {"IM1": os.urandom(200_000)})
    with pytest.raises(ArchiveError, match="the largest file we accept is 100.0 KiB"):
        check_archive(path, ArchiveLimits(max_member_bytes=100 * 1024))


def test_it_refuses_too_many_members(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "many.zip", {f"IM{i}": b"x" for i in range(6)})
    with pytest.raises(ArchiveError, match="holds 6 files; we accept at most 5"):
        check_archive(path, ArchiveLimits(max_members=5))


def test_it_counts_members_before_zipfile_reads_a_forged_directory(
    tmp_path: Path,
) -> None:
    path = make_zip(tmp_path / "forged.zip", {"IM1": b"x"})
    data = bytearray(path.read_bytes())
    eocd = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, eocd + 8, 60_000, 60_000)
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="holds 60,000 files"):
        check_archive(path)


def test_it_stops_a_member_that_inflates_past_its_declared_size(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "liar.zip", {"IM1": bytes(4 * MiB)})
    patch_headers(path, file_size=1000)  # under the ratio floor, so the check passes
    delivered = 0
    with pytest.raises(ArchiveError):
        for member in iter_members(path):
            assert member.size == 1000
            stream = member.open()
            while chunk := stream.read(4096):
                delivered += len(chunk)
    assert delivered <= 1000


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "/abs", "C:\\x", "a/../../b", "ok\\..\\..\\x", "c:x"]
)
def test_it_refuses_names_that_escape_the_folder(tmp_path: Path, name: str) -> None:
    path = make_zip(tmp_path / "evil.zip", {"fine": b"ok", name: b"evil"})
    with pytest.raises(ArchiveError, match="unsafe file name"):
        check_archive(path)
    with pytest.raises(ArchiveError, match="unsafe file name"):
        next(iter_members(path))


def test_it_refuses_symbolic_links(tmp_path: Path) -> None:
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        link = zipfile.ZipInfo("IM1")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(ArchiveError, match="is a link to another file"):
        check_archive(path)


def test_it_refuses_encrypted_members(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "locked.zip", {"IM1": b"secret"})
    patch_headers(path, flags=0x1)
    with pytest.raises(ArchiveError, match="password-protected"):
        check_archive(path)


def test_it_refuses_duplicate_names(tmp_path: Path) -> None:
    path = tmp_path / "dup.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("IM1", b"a")
        with pytest.warns(UserWarning):
            zf.writestr("IM1", b"b")
    with pytest.raises(ArchiveError, match="twice"):
        check_archive(path)


def test_it_explains_an_unsupported_compression_method(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "odd.zip", {"IM1": b"x" * 100})
    data = bytearray(path.read_bytes())
    for header, method_at in (
        (data.find(b"PK\x03\x04"), 8),
        (data.find(b"PK\x01\x02"), 10),
    ):
        struct.pack_into("<H", data, header + method_at, 9)  # Deflate64
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="compression method we cannot read"):
        read_all(path)


def test_safe_names_are_kept_with_windows_separators_normalised() -> None:
    assert safe_member_name("CD\\DICOM\\./IM1") == "CD/DICOM/IM1"


@given(st.text(alphabet=st.sampled_from(list("ab./\\:C\x00")), max_size=20))
def test_a_safe_name_never_leaves_its_folder(raw: str) -> None:
    try:
        name = safe_member_name(raw)
    except ArchiveError:
        return
    path = PurePosixPath(name)
    assert not path.is_absolute()
    assert ".." not in path.parts
    assert "\\" not in name
    assert not any(re.match("^[A-Za-z]:", part) for part in path.parts)
