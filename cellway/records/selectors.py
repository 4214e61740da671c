"""Reads of records, scoped to the person reading: out of scope is 404."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from cellway.accounts.models import User
from cellway.cases.events import EventKind
from cellway.cases.models import Case, CaseEvent
from cellway.cases.selectors import visible_cases
from cellway.records.models import (
    REQUIRED_KINDS,
    SLICE_ORDER,
    ImagingSeries,
    ImagingSlice,
    ImagingStudy,
    Ingest,
    IngestStatus,
    ItemStatus,
    RecordFile,
    RecordItem,
    ScanStatus,
    UploadSession,
)


@dataclass
class Checklist:
    """The records part of the case page."""

    items: list[RecordItem]
    studies: list[ImagingStudy]

    def __iter__(self) -> Iterator[RecordItem]:
        # The case page loops over the checklist as it did over its items.
        return iter(self.items)


def checklist(case: Case, *, files: bool = True, studies: bool = True) -> Checklist:
    """The case's checklist items with their files, and its imaging studies.

    `files` or `studies` False: the caller knows the case has none (the case
    page asks once for all its panels), so they are not read.
    """
    file_rows = RecordFile.objects.select_related("uploaded_by", "blob", "ingest").order_by("-uploaded_at")
    # An empty queryset answers the prefetch without a query; each item still has its (empty) files.
    items = list(case.record_items.prefetch_related(Prefetch("files", queryset=file_rows if files else file_rows.none())).order_by("kind"))
    study_rows = list(case.imaging_studies.all()) if studies else []
    # The documents with a validity rule (the screening report) are plans' to say: plans.selectors.documents_for.
    return Checklist(items=items, studies=study_rows)


def missing(prefix: str = "") -> Q:
    """A required record not yet received: the one definition of "missing" (rule 1).

    `prefix` reaches the checklist items from another model, e.g. "record_items__" from a case.
    """
    required = [kind.value for kind in REQUIRED_KINDS]
    return Q(**{f"{prefix}kind__in": required}) & ~Q(**{f"{prefix}status": ItemStatus.RECEIVED})


def missing_items(case: Case) -> list[RecordItem]:
    """The required records of `case` still missing, in checklist order."""
    return list(case.record_items.filter(missing()).order_by("kind"))


def with_missing_count(cases: QuerySet[Case]) -> QuerySet[Any]:
    """`cases` annotated with `missing`, how many required records each still lacks (the liaison queue)."""
    return cases.annotate(missing=Count("record_items", filter=missing("record_items__")))


def visible_record(user: User, uuid: Any) -> RecordFile:
    try:
        return RecordFile.objects.select_related("item__case", "blob", "uploaded_by", "ingest").get(
            uuid=uuid, item__case__in=visible_cases(user)
        )
    except (RecordFile.DoesNotExist, ValueError):
        raise Http404("No such record.") from None


def visible_item(user: User, case_uuid: Any, item_id: int) -> RecordItem:
    try:
        return RecordItem.objects.select_related("case").get(pk=item_id, case__uuid=case_uuid, case__in=visible_cases(user))
    except (RecordItem.DoesNotExist, ValueError):
        raise Http404("No such checklist item.") from None


def visible_upload(user: User, uuid: Any) -> UploadSession:
    try:
        return UploadSession.objects.select_related("item__case").get(uuid=uuid, item__case__in=visible_cases(user))
    except (UploadSession.DoesNotExist, ValueError):
        raise Http404("No such upload.") from None


def visible_study(user: User, uuid: Any) -> ImagingStudy:
    try:
        return ImagingStudy.objects.select_related("case__patient").get(uuid=uuid, case__in=visible_cases(user))
    except (ImagingStudy.DoesNotExist, ValueError):
        raise Http404("No such study.") from None


def visible_series(user: User, uuid: Any) -> ImagingSeries:
    try:
        return ImagingSeries.objects.select_related("study__case__patient").get(uuid=uuid, study__case__in=visible_cases(user))
    except (ImagingSeries.DoesNotExist, ValueError):
        raise Http404("No such series.") from None


def ordered_slices(series: ImagingSeries) -> QuerySet[ImagingSlice]:
    return ImagingSlice.objects.filter(series=series).order_by(*SLICE_ORDER).select_related("blob", "record")


def slice_at(series: ImagingSeries, n: int) -> ImagingSlice | None:
    """Slice `n` of `series` (1-based, spatial order), or None when the series has no such slice.

    `n` comes from a URL: it is checked against the number of slices before it
    becomes an OFFSET, because a number past the database's integers
    (99999999999999999999) fails in SQLite and PostgreSQL instead of finding nothing.
    """
    if n < 1:
        return None
    slices = ordered_slices(series)
    if n > slices.count():
        return None
    return slices[n - 1 : n].first()
def read_subject(record: RecordFile) -> str:
    """How a record file is named on the medical-read trail."""
    return f"record:{record.uuid}"


def read_trail(record: RecordFile) -> QuerySet[CaseEvent]:
    """Every opening of this record, newest first."""
    return CaseEvent.objects.filter(
        case_id=record.item.case_id, kind=EventKind.MEDICAL_READ, data__subject=read_subject(record)
    ).select_related("actor")


def sent_files(case: Case, *, sources: tuple[str, ...]) -> QuerySet[RecordFile]:
    """The files of `case` that came by one of `sources` (a visitor's upload link, the portal), newest first,
    with their item, scan and ingest state."""
    return (
        RecordFile.objects.filter(item__case=case, source__in=sources)
        .select_related("item", "blob", "ingest")
        .order_by("-uploaded_at", "-pk")
    )


def sent_file_state(record: RecordFile) -> str:
    """One word for the person who sent the file: "checking" (scan or reading not finished), "received", "infected"
    (quarantined by the virus scan) or "unreadable" (the ingest failed: the care team sees why). The last two are
    the file refused."""
    blob = record.blob
    if blob is not None and blob.scan_status == ScanStatus.INFECTED:
        return "infected"
    try:
        ingest = record.ingest
    except Ingest.DoesNotExist:
        return "checking"
    if ingest.active:
        return "checking"
    return "unreadable" if ingest.status == IngestStatus.FAILED else "received"
