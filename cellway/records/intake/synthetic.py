"""Generated MR studies for tests and the upload benchmark (never real patients).

``write_study`` writes a CD-like folder of DICOM files: one study, several
axial series with realistic tags (UIDs, positions, orientation, spacing,
windowing) and a 12-bit head phantom, so grouping, ordering and previews can
be exercised without downloading anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, MRImageStorage, generate_uid

SERIES_DESCRIPTIONS = ("T1 AX", "T2 AX", "FLAIR AX", "DWI AX", "T1 AX POST")
# Brain and lesion signal per series, so the series look different.
_CONTRAST = ((900, 1400), (1600, 2600), (1200, 3000), (800, 2200), (1000, 3400))
_SLICE_MM = 5.0
_PIXEL_MM = 0.9


@dataclass(frozen=True)
class SyntheticPatient:
    """Who the generated study claims to belong to."""

    name: str = "Synthetic^Patient"
    patient_id: str = "SYN-0001"
    birth_date: date = date(1970, 1, 2)


def write_study(
    folder: str | Path,
    n_files: int,
    *,
    series: int = 3,
    rows: int = 256,
    cols: int = 256,
    seed: int = 0,
    patient: SyntheticPatient | None = None,
    study_date: date = date(2025, 3, 14),
) -> list[Path]:
    """Write one MR study of ``n_files`` single-frame slices into ``folder``.

    Slices are split across ``series`` series as evenly as possible (earlier
    series get the extra ones). Every second series is acquired head to feet,
    so its instance numbers run against slice position, as on real scanners.
    Files are named ``IM00001``... in writing order, like a CD. The same
    ``seed`` gives the same UIDs and pixels. Returns the paths written.
    """
    if n_files < 1 or not 1 <= series <= n_files:
        raise ValueError("need n_files >= 1 and 1 <= series <= n_files")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    patient = patient or SyntheticPatient()
    study = _study_tags(patient, study_date, seed)
    phantom = _Phantom(rows, cols)
    paths: list[Path] = []
    for number, count in enumerate(_split(n_files, series), start=1):
        series_tags = _series_tags(number, seed)
        for instance in range(1, count + 1):
            ds = _slice(study, series_tags, number, instance, count, seed)
            z = _slice_z(number, instance, count)
            ds.set_pixel_data(phantom.slice(number, z, rng), "MONOCHROME2", 12)
            path = folder / f"IM{len(paths) + 1:05d}"
            ds.save_as(path, enforce_file_format=True)
            paths.append(path)
    return paths


def _split(n_files: int, series: int) -> list[int]:
    base, extra = divmod(n_files, series)
    return [base + (1 if i < extra else 0) for i in range(series)]


def _uid(seed: int, *parts: object) -> UID:
    return generate_uid(entropy_srcs=["cellway-synthetic", str(seed), *map(str, parts)])


def _study_tags(patient: SyntheticPatient, study_date: date, seed: int) -> Dataset:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName = patient.name
    ds.PatientID = patient.patient_id
    ds.PatientBirthDate = patient.birth_date.strftime("%Y%m%d")
    ds.PatientSex = "O"
    ds.StudyInstanceUID = _uid(seed, "study")
    ds.StudyDate = study_date.strftime("%Y%m%d")
    ds.StudyTime = "101500"
    ds.StudyDescription = "MRI BRAIN WITHOUT AND WITH CONTRAST"
    ds.AccessionNumber = f"SYN{seed:06d}"
    ds.StudyID = "1"
    ds.FrameOfReferenceUID = _uid(seed, "frame")
    ds.Modality = "MR"
    ds.BodyPartExamined = "BRAIN"
    ds.Manufacturer = "Cellway synthetic"
    return ds


def _series_tags(number: int, seed: int) -> Dataset:
    ds = Dataset()
    ds.SeriesInstanceUID = _uid(seed, "series", number)
    ds.SeriesNumber = number
    ds.SeriesDescription = SERIES_DESCRIPTIONS[(number - 1) % len(SERIES_DESCRIPTIONS)]
    return ds


def _slice_z(series_number: int, instance: int, count: int) -> float:
    offset = (instance - 1 - (count - 1) / 2) * _SLICE_MM
    head_to_feet = series_number % 2 == 0
    return -offset if head_to_feet else offset


def _slice(
    study: Dataset, series: Dataset, number: int, instance: int, count: int, seed: int
) -> Dataset:
    ds = Dataset()
    ds.update(study)
    ds.update(series)
    sop_uid = _uid(seed, "instance", number, instance)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = MRImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = MRImageStorage
    ds.SOPInstanceUID = sop_uid
    ds.InstanceNumber = instance
    z = _slice_z(number, instance, count)
    ds.ImagePositionPatient = [-115.0, -115.0, round(z, 3)]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.SliceLocation = round(z, 3)
    ds.SliceThickness = _SLICE_MM
    ds.PixelSpacing = [_PIXEL_MM, _PIXEL_MM]
    ds.WindowCenter = 1500
    ds.WindowWidth = 3000
    return ds


class _Phantom:
    """A head-like ellipse with a brighter lesion that grows and shrinks with z."""

    def __init__(self, rows: int, cols: int) -> None:
        y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
        self.ny = (y - rows / 2) / (rows * 0.42)
        self.nx = (x - cols / 2) / (cols * 0.36)
        self.radius = self.nx**2 + self.ny**2

    def slice(self, series: int, z: float, rng: np.random.Generator) -> NDArray[np.uint16]:
        brain, lesion = _CONTRAST[(series - 1) % len(_CONTRAST)]
        taper = max(0.2, 1 - (z / 90.0) ** 2)  # the head narrows away from the middle
        image = np.zeros(self.radius.shape, dtype=np.float32)
        image[self.radius < taper] = 400.0  # scalp and skull
        image[self.radius < taper * 0.8] = brain
        lesion_size = max(0.0, 0.04 - (z / 400.0) ** 2)
        spot = (self.nx - 0.3) ** 2 + (self.ny + 0.2) ** 2 < lesion_size
        image[spot] = lesion
        image += rng.normal(0, 25, image.shape).astype(np.float32)
        return np.clip(image, 0, 4095).astype(np.uint16)
