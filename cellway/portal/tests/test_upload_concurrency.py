"""The same record sent twice at the same moment from the portal (a double click, two tabs): one record, one stored
blob (PostgreSQL, real row locks, real threads)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from cellway.cases.events import EventKind
from cellway.cases.stages import Stage
from cellway.cases.tests.test_concurrency import one_won, race
from cellway.portal import services
from cellway.portal.models import PortalGrant
from cellway.records.models import Blob, RecordFile

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_two_identical_uploads_at_once_are_one_record(portal_case: Any) -> None:
    case, patient = portal_case(Stage.INQUIRY)

    def send() -> Any:
        grant = PortalGrant.objects.select_related("case", "person").get(person=patient, case=case)
        return services.upload_record(grant=grant, kind="hematology", upload=SimpleUploadedFile("blood.pdf", PDF))

    outcomes = race(send, send)
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    assert outcomes[0][1].pk == outcomes[1][1].pk
    assert RecordFile.objects.filter(item__case=case).count() == 1 and Blob.objects.count() == 1
    assert case.events.filter(kind=EventKind.RECORD_UPLOADED).count() == 1
    assert case.events.filter(kind=EventKind.RECORD_RESENT).count() == 1
    # And no second copy of the bytes left beside the blob by the call that lost the race (it would be the blob's
    # name with a suffix). The folder is shared with other tests' blobs whose hashes begin alike: only ours count.
    blob = Blob.objects.get()
    stored = default_storage.listdir(blob.file.name.rsplit("/", 1)[0])[1]
    assert [name for name in stored if name.startswith(blob.sha256)] == [blob.sha256]


def test_two_different_files_at_once_for_the_last_place_under_the_cap_store_one(portal_case: Any, settings: Any) -> None:
    settings.PORTAL_UPLOADS_PER_CASE = 1
    case, patient = portal_case(Stage.INQUIRY)

    def send(content: bytes) -> Any:
        grant = PortalGrant.objects.select_related("case", "person").get(person=patient, case=case)
        return services.upload_record(grant=grant, kind="hematology", upload=SimpleUploadedFile("blood.pdf", content))

    outcomes = race(lambda: send(PDF + b"%1"), lambda: send(PDF + b"%2"))
    _winner, refusal = one_won(outcomes)
    assert isinstance(refusal, services.UploadsFull)
    assert RecordFile.objects.filter(item__case=case).count() == 1 and Blob.objects.count() == 1
