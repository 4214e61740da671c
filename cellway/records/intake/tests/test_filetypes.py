from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from pydicom.data import get_testdata_file

from cellway.records.intake.filetypes import (
    ACCEPTED,
    SNIFF_BYTES,
    RecordKind,
    RejectedFile,
    accepted_names,
    check_accepted,
    sniff,
    sniff_file,
)


def image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format=fmt)
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("a.txt", "hello")
    return out.getvalue()


def ftyp(brand: bytes) -> bytes:
    return (
        b"\x00\x00\x00\x18ftyp"
        + brand
        + b"\x00\x00\x00\x00"
        + brand
        + b"mif1"
        + b"\x00" * 64
    )


WEBM = (
    bytes.fromhex("1a45dfa3")
    + b"\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm"
    + b"\x00" * 64
)

SAMPLES = {
    "application/pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    "image/jpeg": image_bytes("JPEG"),
    "image/png": image_bytes("PNG"),
    "image/tiff": image_bytes("TIFF"),
    "image/heic": ftyp(b"heic"),
    "video/mp4": ftyp(b"isom"),
    "video/quicktime": ftyp(b"qt  "),
    "video/webm": WEBM,
    "application/zip": zip_bytes(),
    "application/x-msdownload": b"MZ\x90\x00\x03" + b"\x00" * 300,
}


def ct_small_head() -> bytes:
    return Path(get_testdata_file("CT_small.dcm")).read_bytes()[:SNIFF_BYTES]


@pytest.mark.parametrize(("mime", "head"), SAMPLES.items())
def test_it_types_each_format_by_content(mime: str, head: bytes) -> None:
    assert sniff(head).mime == mime


def test_it_finds_dicom_by_the_dicm_marker() -> None:
    detected = sniff(ct_small_head())
    assert detected.mime == "application/dicom"
    assert detected.extension == ".dcm"


def test_it_accepts_dicom_without_preamble_when_pydicom_reads_a_sop_class() -> None:
    head = Path(get_testdata_file("ExplVR_LitEndNoMeta.dcm")).read_bytes()
    assert head[128:132] != b"DICM"
    assert sniff(head).mime == "application/dicom"


def test_it_does_not_call_dicom_without_preamble_and_without_sop_class_dicom() -> None:
    head = Path(get_testdata_file("no_meta.dcm")).read_bytes()[:SNIFF_BYTES]
    assert sniff(head).mime != "application/dicom"


def test_it_types_a_jpeg_named_dcm_as_jpeg_and_imaging_accepts_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "scan.dcm"
    path.write_bytes(SAMPLES["image/jpeg"])
    detected = sniff_file(str(path))
    assert detected.mime == "image/jpeg"
    assert detected.extension == ".jpg"
    check_accepted(detected, RecordKind.IMAGING)


def test_it_refuses_a_program_named_dcm(tmp_path: Path) -> None:
    path = tmp_path / "scan.dcm"
    path.write_bytes(SAMPLES["application/x-msdownload"])
    with pytest.raises(
        RejectedFile, match="This file is a Windows executable; we accept DICOM"
    ):
        check_accepted(sniff_file(str(path)), RecordKind.IMAGING)


def test_it_explains_a_rejection_in_the_patients_words() -> None:
    with pytest.raises(RejectedFile) as caught:
        check_accepted(sniff(SAMPLES["application/x-msdownload"]), "hematology")
    assert caught.value.message == (
        "This file is a Windows executable; we accept PDF, JPEG or PNG for hematology reports."
    )
    assert caught.value.kind is RecordKind.HEMATOLOGY


def test_it_refuses_an_empty_file_with_a_clear_message() -> None:
    detected = sniff(b"")
    assert detected.is_empty
    with pytest.raises(RejectedFile, match=r"This file is empty \(0 bytes\)"):
        check_accepted(detected, RecordKind.ASSESSMENT)


def test_it_refuses_unrecognised_bytes() -> None:
    with pytest.raises(
        RejectedFile, match="could not recognise; we accept PDF, JPEG or PNG"
    ):
        check_accepted(sniff(bytes(range(1, 256)) * 4), RecordKind.SCREENING)


def test_it_types_csv_and_text_but_reports_do_not_accept_them() -> None:
    csv = sniff(b"test,value,unit\nHb,13.2,g/dL\nWBC,6.1,10^9/L\nPLT,2")
    assert csv.mime == "text/csv"
    assert sniff(b"Haemoglobin is normal.").mime == "text/plain"
    with pytest.raises(RejectedFile, match="a CSV spreadsheet export"):
        check_accepted(csv, RecordKind.HEMATOLOGY)


@pytest.mark.parametrize(
    ("kind", "mime", "accepted"),
    [
        (RecordKind.IMAGING, "application/dicom", True),
        (RecordKind.IMAGING, "application/zip", True),
        (RecordKind.IMAGING, "application/pdf", False),
        (RecordKind.HEMATOLOGY, "application/pdf", True),
        (RecordKind.HEMATOLOGY, "application/zip", False),
        (RecordKind.MEDIA, "image/heic", True),
        (RecordKind.MEDIA, "video/quicktime", True),
        (RecordKind.MEDIA, "video/webm", True),
        (RecordKind.MEDIA, "image/tiff", False),
        (RecordKind.MEDIA, "application/pdf", False),
    ],
)
def test_it_follows_the_accepted_table(
    kind: RecordKind, mime: str, accepted: bool
) -> None:
    assert (mime in ACCEPTED[kind]) is accepted
    head = ct_small_head() if mime == "application/dicom" else SAMPLES[mime]
    if accepted:
        check_accepted(sniff(head), kind)
    else:
        with pytest.raises(RejectedFile):
            check_accepted(sniff(head), kind)


def test_it_names_accepted_types_for_forms() -> None:
    assert accepted_names(RecordKind.MEDIA) == [
        "JPEG",
        "PNG",
        "HEIC",
        "MP4",
        "MOV",
        "WEBM",
    ]


@given(st.binary(max_size=600))
def test_sniff_never_raises_on_arbitrary_bytes(head: bytes) -> None:
    detected = sniff(head)
    assert detected.mime
