"""Fixtures for records intake: uploads through the real services, generated DICOM and archives."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from cellway.cases.stages import Stage
from cellway.records.intake.synthetic import write_study

# The services and models are imported inside the fixtures that use them, so that
# the pure tests in this folder (test_documents.py) also run without Django (`make test-engines`).
if TYPE_CHECKING:
    from cellway.records.models import RecordItem


@pytest.fixture
def inquiry(case_at):
    return case_at(Stage.INQUIRY)


@pytest.fixture
def imaging(inquiry) -> RecordItem:
    from cellway.records.models import RecordItem

    return RecordItem.objects.get(case=inquiry, kind="imaging")


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """`send(item, user, name, content, chunk=...)`: the browser's protocol, called on the services.

    The ingest task is enqueued after commit and runs at once (immediate backend in tests).
    """

    from cellway.records import services

    def upload(item, user, name, content: bytes, *, chunk: int = 64 * 1024, key: str = ""):
        session = services.start_upload(item=item, by=user, name=name, size=len(content), client_key=key)
        for offset in range(0, len(content), chunk):
            piece = content[offset : offset + chunk]
            services.append_chunk(upload=session, by=user, offset=offset, stream=io.BytesIO(piece), length=len(piece))
        with django_capture_on_commit_callbacks(execute=True):
            record = services.complete_upload(upload=session, by=user)
        return type(record).objects.get(pk=record.pk)

    return upload


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def mr_zip(tmp_path: Path) -> bytes:
    """A generated 24-slice, 3-series MR study, zipped like a CD export."""
    paths = write_study(tmp_path / "study", 24, series=3, rows=64, cols=64)
    return zipped({f"DICOM/{p.name}": p.read_bytes() for p in paths})


def no_pixel_dicom() -> bytes:
    """A DICOM structured report: valid DICOM, no image."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"  # Basic Text SR
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "SR"
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()
