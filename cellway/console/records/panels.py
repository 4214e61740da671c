"""The records panel of the case page: the checklist, its files and imaging studies, and the records actions."""

from __future__ import annotations

from django.db.models import OuterRef

from cellway.cases.parts import Part
from cellway.console.cases.forms import ReasonForm
from cellway.console.panels import CasePage, Panel
from cellway.errors import allowed
from cellway.records import selectors
from cellway.records.models import ImagingStudy, RecordFile
from cellway.records.services import SORT_KINDS, check_complete_records, check_manage_records, check_reopen_records

HOLDS = {
    "record_files": RecordFile.objects.filter(item__case=OuterRef("pk")),
    "imaging_studies": ImagingStudy.objects.filter(case=OuterRef("pk")),
}


def checklist(page: CasePage) -> Panel | None:
    if not page.reads(Part.RECORDS):
        return None
    case, user = page.case, page.user
    return Panel(
        "records",
        "console/records/_checklist.html",
        {
            "items": selectors.checklist(case, files=page.holds("record_files"), studies=page.holds("imaging_studies")),
            "can_manage": allowed(check_manage_records, case=case, by=user),
            "can_complete": allowed(check_complete_records, case=case, by=user),
            "can_reopen": allowed(check_reopen_records, case=case, by=user),
            "reopen_form": page.form("records-reopen", ReasonForm),
            "reopen_open": page.is_open("records-reopen"),
            # Where a file a visitor sent with a web inquiry may be moved (records.services.sort_record).
            "sort_kinds": [(k.value, k.label) for k in SORT_KINDS],
        },
        medical=True,
    )
