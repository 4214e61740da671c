"""Background tasks of the records app: thin adapters that load by id and call the ingest."""

from __future__ import annotations

from django.tasks import task

from cellway.records import ingest


@task
def process_record(*, record_id: int) -> str:
    """Virus scan, then DICOM ingest, of one received record file. Returns the ingest status."""
    return ingest.process(record_id)
