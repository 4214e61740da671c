from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pydicom import dcmread
from pydicom.data import get_testdata_file

from cellway.records.intake.archive import iter_members
from cellway.records.intake.dicom import (
    DicomDirContents,
    DicomHeader,
    DicomProblem,
    ProblemCode,
    find_dicomdir,
    group_into_studies,
    middle_slice,
    read_dicomdir,
    read_header,
    read_headers,
    render_preview,
)
from cellway.records.intake.synthetic import SyntheticPatient, write_study

CT_SMALL = Path(get_testdata_file("CT_small.dcm"))
MR_SMALL = Path(get_testdata_file("MR_small.dcm"))


def header(path: Path | str) -> DicomHeader:
    result = read_header(path)
    assert isinstance(result, DicomHeader), result
    return result


def problem(path: Path | str) -> DicomProblem:
    result = read_header(path)
    assert isinstance(result, DicomProblem), result
    return result


def preview(path: Path | str, size: int = 512) -> np.ndarray:
    png = render_preview(path, size)
    assert isinstance(png, bytes), png
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return np.asarray(Image.open(io.BytesIO(png)))


def variant(tmp_path: Path, source: Path, name: str, **changes: object) -> Path:
    """A copy of ``source`` with data elements changed (None deletes)."""
    ds = dcmread(source)
    for keyword, value in changes.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    path = tmp_path / name
    ds.save_as(path)
    return path


# --- headers --------------------------------------------------------------


def test_it_reads_the_header_of_ct_small() -> None:
    ct = header(CT_SMALL)
    assert ct.modality == "CT"
    assert (ct.rows, ct.columns, ct.frames) == (128, 128, 1)
    assert ct.study_uid and ct.series_uid and ct.sop_instance_uid
    assert ct.image_position is not None
    assert ct.sop_class_name == "CT Image Storage"


def test_it_keeps_patient_identity_for_matching(mr_study: list[Path]) -> None:
    mr = header(mr_study[0])
    assert mr.patient.name == "Synthetic^Patient"
    assert mr.patient.display_name == "Patient Synthetic"
    assert mr.patient.patient_id == "SYN-0001"
    assert str(mr.patient.birth_date) == "1970-01-02"
    assert str(mr.study_date) == "2025-03-14"
    assert mr.body_part == "BRAIN"


def test_it_reads_a_forward_only_stream_such_as_a_zip_member() -> None:
    class ForwardOnly(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            data = self._inner.read(len(buffer))
            buffer[: len(data)] = data
            return len(data)

    stream = io.BufferedReader(ForwardOnly(CT_SMALL.read_bytes()))
    result = read_header(stream, name="cd/IM1")
    assert isinstance(result, DicomHeader)
    assert result.source == "cd/IM1"


def test_it_reads_dicom_written_without_preamble(tmp_path: Path) -> None:
    # Preamble, "DICM" and the 12-byte group length element, then the meta group.
    meta_length = dcmread(CT_SMALL).file_meta.FileMetaInformationGroupLength
    path = tmp_path / "bare"
    path.write_bytes(CT_SMALL.read_bytes()[128 + 4 + 12 + meta_length :])
    assert path.read_bytes()[128:132] != b"DICM"
    assert header(path).modality == "CT"


def test_a_structured_report_is_flagged_as_holding_no_image() -> None:
    sr = problem(get_testdata_file("test-SR.dcm"))
    assert sr.code is ProblemCode.NO_IMAGE
    assert "Comprehensive SR" in sr.reason


def test_a_jpeg_named_dcm_is_not_dicom(tmp_path: Path) -> None:
    path = tmp_path / "scan.dcm"
    Image.new("L", (16, 16)).save(path, format="JPEG")
    assert problem(path).code is ProblemCode.NOT_DICOM
    assert isinstance(render_preview(path), DicomProblem)


def test_an_empty_dcm_is_not_dicom(tmp_path: Path) -> None:
    path = tmp_path / "empty.dcm"
    path.write_bytes(b"")
    assert problem(path).code is ProblemCode.NOT_DICOM


def test_image_data_cut_short_is_flagged_as_damaged() -> None:
    truncated = problem(get_testdata_file("MR_truncated.dcm"))
    assert truncated.code is ProblemCode.DAMAGED
    assert "cut short" in truncated.reason


def test_a_file_cut_inside_its_header_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "cut.dcm"
    path.write_bytes(CT_SMALL.read_bytes()[:700])
    assert isinstance(read_header(path), DicomProblem)
    assert isinstance(render_preview(path), DicomProblem)


def test_a_file_without_series_uid_cannot_be_grouped(tmp_path: Path) -> None:
    path = variant(tmp_path, CT_SMALL, "no-series.dcm", SeriesInstanceUID=None)
    result = problem(path)
    assert result.code is ProblemCode.INCOMPLETE
    assert "SeriesInstanceUID" in result.reason


def test_compression_without_a_decoder_is_flagged_not_crashed() -> None:
    path = get_testdata_file("MR_small_jpeg_ls_lossless.dcm")
    assert isinstance(read_header(path), DicomHeader)
    result = render_preview(path)
    assert isinstance(result, DicomProblem)
    assert result.code is ProblemCode.CANNOT_DECODE
    assert "JPEG-LS" in result.reason


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=39_206), junk=st.binary(max_size=64))
def test_ingest_never_raises_on_a_damaged_file(
    tmp_path: Path, cut: int, junk: bytes
) -> None:
    path = tmp_path / "fuzz.dcm"
    path.write_bytes(CT_SMALL.read_bytes()[:cut] + junk)
    assert isinstance(read_header(path), DicomHeader | DicomProblem)
    assert isinstance(render_preview(path, 64), bytes | DicomProblem)


# --- grouping -------------------------------------------------------------


def test_it_groups_a_generated_study_into_series(mr_study: list[Path]) -> None:
    headers = [header(p) for p in reversed(mr_study)]
    [study] = group_into_studies(headers)
    assert study.series_count == 3
    assert study.slice_count == 20
    assert [s.series_number for s in study.series] == [1, 2, 3]
    assert [s.slice_count for s in study.series] == [7, 7, 6]
    assert [s.description for s in study.series] == ["T1 AX", "T2 AX", "FLAIR AX"]
    assert study.modalities == ("MR",)
    assert study.patient.patient_id == "SYN-0001"


def test_it_orders_slices_by_position_before_instance_number(
    mr_study: list[Path],
) -> None:
    [study] = group_into_studies(header(p) for p in mr_study)
    for series in study.series:
        positions = [s.slice_position for s in series.slices]
        assert positions == sorted(positions)
    # Series 2 was acquired head to feet: its instance numbers run backwards.
    assert [s.instance_number for s in study.series[1].slices] == list(range(7, 0, -1))
    assert [s.instance_number for s in study.series[0].slices] == list(range(1, 8))


def test_it_falls_back_to_instance_number_without_positions(tmp_path: Path) -> None:
    paths = write_study(tmp_path, 4, series=1, rows=16, cols=16)
    stripped = [
        variant(tmp_path, p, f"s{i}", ImagePositionPatient=None, SliceLocation=None)
        for i, p in enumerate(reversed(paths))
    ]
    [study] = group_into_studies(header(p) for p in stripped)
    assert [s.instance_number for s in study.series[0].slices] == [1, 2, 3, 4]


def test_the_middle_slice_is_the_middle_in_space(mr_study: list[Path]) -> None:
    [study] = group_into_studies(header(p) for p in mr_study)
    t1 = study.series[0]
    assert middle_slice(t1) is t1.slices[3]
    assert middle_slice(t1).slice_position == pytest.approx(0.0)
    assert middle_slice(study.series[2]) is study.series[2].slices[3]


def test_the_same_image_sent_twice_is_counted_once(mr_study: list[Path]) -> None:
    headers = [header(p) for p in mr_study] + [header(mr_study[0])]
    [study] = group_into_studies(headers)
    assert study.slice_count == 20
    assert study.series[0].duplicates == 1


def test_studies_are_kept_apart_and_ordered_by_date(tmp_path: Path) -> None:
    from datetime import date

    later = write_study(tmp_path / "a", 3, series=1, rows=16, cols=16, seed=1)
    earlier = write_study(
        tmp_path / "b",
        4,
        series=2,
        rows=16,
        cols=16,
        seed=2,
        study_date=date(2024, 1, 5),
        patient=SyntheticPatient(name="Other^Person", patient_id="X9"),
    )
    studies = group_into_studies(header(p) for p in later + earlier)
    assert [s.slice_count for s in studies] == [4, 3]
    assert [s.patient.patient_id for s in studies] == ["X9", "SYN-0001"]


def test_read_headers_yields_problems_alongside_headers(tmp_path: Path) -> None:
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"not dicom at all")
    results = list(read_headers([CT_SMALL, junk]))
    assert isinstance(results[0], DicomHeader)
    assert isinstance(results[1], DicomProblem)


# --- previews -------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "size"), [(CT_SMALL, (128, 128)), (MR_SMALL, (64, 64))]
)
def test_a_preview_is_a_png_with_real_contrast(
    path: Path, size: tuple[int, int]
) -> None:
    pixels = preview(path)
    assert pixels.shape == size
    assert pixels.dtype == np.uint8
    assert pixels.std() > 30
    assert int(pixels.max()) - int(pixels.min()) > 150


def test_a_preview_fits_the_size_and_keeps_its_shape(tmp_path: Path) -> None:
    [path] = write_study(tmp_path, 1, series=1, rows=400, cols=600)
    assert preview(path).shape == (341, 512)
    assert preview(path, 128).shape == (85, 128)


def test_the_rescale_is_applied_before_the_window(tmp_path: Path) -> None:
    # CT_small: stored values 128..2191, intercept -1024, no window of its own.
    soft = variant(tmp_path, CT_SMALL, "soft.dcm", WindowCenter=40, WindowWidth=400)
    shifted = variant(
        tmp_path,
        CT_SMALL,
        "shifted.dcm",
        RescaleIntercept=-24,
        WindowCenter=1040,
        WindowWidth=400,
    )
    assert np.array_equal(preview(shifted), preview(soft))
    assert preview(soft).std() > 30


def test_the_file_window_is_used(tmp_path: Path) -> None:
    soft = variant(tmp_path, CT_SMALL, "soft.dcm", WindowCenter=40, WindowWidth=400)
    bone = variant(tmp_path, CT_SMALL, "bone.dcm", WindowCenter=600, WindowWidth=400)
    assert preview(bone).mean() < preview(soft).mean() - 20


def test_without_a_window_it_windows_by_percentiles(tmp_path: Path) -> None:
    path = variant(
        tmp_path, MR_SMALL, "nowindow.dcm", WindowCenter=None, WindowWidth=None
    )
    pixels = preview(path)
    assert pixels.std() > 30
    assert pixels.max() == 255


def test_an_unusable_window_falls_back_to_percentiles(tmp_path: Path) -> None:
    path = variant(tmp_path, MR_SMALL, "badwindow.dcm", WindowWidth=0)
    assert preview(path).std() > 30


def test_monochrome1_is_inverted(tmp_path: Path) -> None:
    path = variant(
        tmp_path, CT_SMALL, "mono1.dcm", PhotometricInterpretation="MONOCHROME1"
    )
    assert np.array_equal(preview(path), 255 - preview(CT_SMALL))


def test_a_multi_frame_file_shows_its_middle_frame(tmp_path: Path) -> None:
    ds = dcmread(MR_SMALL)
    frames = np.stack([np.full((32, 32), 1000 * k, dtype=np.uint16) for k in range(5)])
    ds.set_pixel_data(frames, "MONOCHROME2", 16)
    ds.WindowCenter, ds.WindowWidth = 2000, 4000
    for keyword in ("RescaleSlope", "RescaleIntercept"):
        if keyword in ds:
            delattr(ds, keyword)
    path = tmp_path / "multi.dcm"
    ds.save_as(path)
    assert header(path).frames == 5
    assert preview(path).mean() == pytest.approx(127.5, abs=2)


def test_non_square_pixels_are_stretched(tmp_path: Path) -> None:
    [path] = write_study(tmp_path, 1, series=1, rows=100, cols=100)
    wide = variant(tmp_path, path, "wide.dcm", PixelSpacing=[0.5, 1.0])
    assert preview(wide).shape == (100, 200)


def test_colour_stays_colour() -> None:
    pixels = preview(get_testdata_file("examples_ybr_color.dcm"))  # 30 frames, YBR
    assert pixels.shape == (240, 320, 3)
    assert pixels.std() > 10


def test_a_generated_slice_has_contrast(mr_study: list[Path]) -> None:
    [study] = group_into_studies(header(p) for p in mr_study)
    pixels = preview(middle_slice(study.series[1]).source)
    assert pixels.shape == (64, 64)
    assert pixels.std() > 30


# --- DICOMDIR -------------------------------------------------------------


def test_it_finds_and_reads_the_dicomdir_of_a_cd(dicomdir_tests: Path) -> None:
    dicomdir = find_dicomdir(dicomdir_tests)
    assert dicomdir is not None and dicomdir.name == "DICOMDIR"
    contents = read_dicomdir(dicomdir)
    assert isinstance(contents, DicomDirContents)
    assert len(contents.files) == 31
    assert contents.missing == ()
    studies = group_into_studies(header(p) for p in contents.files)
    assert sum(s.slice_count for s in studies) == 31
    assert {m for s in studies for m in s.modalities} == {"CR", "CT", "MR"}
    assert all(
        isinstance(preview(middle_slice(s.series[0]).source), np.ndarray)
        for s in studies
    )


def test_it_matches_dicomdir_names_regardless_of_case(
    tmp_path: Path, dicomdir_tests: Path
) -> None:
    copy = tmp_path / "cd"
    shutil.copytree(dicomdir_tests / "98892003", copy / "98892003")
    shutil.copy(dicomdir_tests / "DICOMDIR", copy / "dicomdir")
    for path in sorted((copy / "98892003").rglob("*"), reverse=True):
        path.rename(path.with_name(path.name.lower()))
    dicomdir = find_dicomdir(tmp_path)
    assert dicomdir == copy / "dicomdir"
    contents = read_dicomdir(dicomdir)
    assert isinstance(contents, DicomDirContents)
    assert len(contents.files) == 17
    assert len(contents.missing) == 14  # the other two patients were not copied


def test_a_dicomdir_reference_outside_the_folder_is_never_opened(
    tmp_path: Path, dicomdir_tests: Path
) -> None:
    (tmp_path / "secret").write_bytes(CT_SMALL.read_bytes())
    cd = tmp_path / "cd"
    shutil.copytree(dicomdir_tests / "98892003", cd / "98892003")
    ds = dcmread(dicomdir_tests / "DICOMDIR")
    record = next(r for r in ds.DirectoryRecordSequence if "ReferencedFileID" in r)
    record.ReferencedFileID = ["..", "secret"]
    ds.save_as(cd / "DICOMDIR")
    contents = read_dicomdir(cd / "DICOMDIR")
    assert isinstance(contents, DicomDirContents)
    assert "../secret" in contents.missing
    assert all(p.is_relative_to(cd) for p in contents.files)
    assert len(contents.files) == 17


def test_a_dicomdir_whose_images_hold_no_pixels_ingests_as_problems(
    dicomdir_tests: Path,
) -> None:
    contents = read_dicomdir(dicomdir_tests / "TINY_ALPHA" / "DICOMDIR")
    assert isinstance(contents, DicomDirContents)
    assert len(contents.files) == 50
    codes = {problem(p).code for p in contents.files}
    assert codes == {ProblemCode.NO_IMAGE}


def test_a_damaged_dicomdir_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "DICOMDIR"
    path.write_bytes(b"garbage")
    assert isinstance(read_dicomdir(path), DicomProblem)


def test_a_zipped_cd_ingests_like_the_folder(
    tmp_path: Path, dicomdir_tests: Path
) -> None:
    archive = tmp_path / "cd.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(dicomdir_tests / "DICOMDIR", "CD/DICOMDIR")
        for path in sorted(dicomdir_tests.glob("[0-9]*/*/*")):
            zf.write(path, f"CD/{path.relative_to(dicomdir_tests).as_posix()}")
    headers = []
    skipped = []
    for member in iter_members(archive):
        if member.is_dicomdir:
            skipped.append(member.name)
            continue
        with member.open() as stream:
            result = read_header(stream, name=member.name)
        assert isinstance(result, DicomHeader), result
        headers.append(result)
    assert skipped == ["CD/DICOMDIR"]
    studies = group_into_studies(headers)
    assert sum(s.slice_count for s in studies) == 31
    assert headers[0].source.startswith("CD/")


def test_no_django_imports_in_the_engine() -> None:
    import ast

    package = Path(__file__).resolve().parents[1]
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "django" for n in names), source


def test_a_dicomdir_read_as_an_image_is_flagged_as_no_image(
    dicomdir_tests: Path,
) -> None:
    result = problem(dicomdir_tests / "DICOMDIR")
    assert result.code is ProblemCode.NO_IMAGE
    assert "Media Storage Directory" in result.reason
