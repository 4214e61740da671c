"""One typed list of event kinds: every row the journey writes uses it, each kind has its part,
reads of medical content are de-duplicated, and old rows were renamed by the migration."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from cellway.cases import services as cases
from cellway.cases.events import PART_OF, EventKind, kinds_of
from cellway.cases.models import CaseEvent
from cellway.cases.parts import Part
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.outcomes import services as outcomes
from cellway.tests.data_migration import models_now, run_data_migration


def test_every_kind_belongs_to_exactly_one_part_of_a_case():
    assert set(PART_OF) == set(EventKind)
    assert kinds_of({Part.MONEY}) == ["quote", "payment", "balance.override", "payment.reminder"]


def test_every_event_the_journey_writes_is_a_listed_kind(case_at, staff):
    case = case_at(Stage.FOLLOW_UP)
    outcomes.record_relapse(case=case, by=staff["nina"], onset_on=clinic_today(), severity="mild", treated=False)
    outcomes.record_mri(case=case, by=staff["sofia"], scanned_on=clinic_today(), new_t2_lesions=0, gad_lesions=0)
    cases.record_medical_read(case=case, by=staff["nina"], subject="protocol", summary="Read the protocol")

    written = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))

    assert written <= set(EventKind.values)
    assert {"opened", "stage", "records", "plan.saved", "plan.signed", "screening", "payment", "logistics", "protocol.issued",
            "relapse", "mri", "medical.read"} <= written


def test_a_kind_outside_the_list_is_refused_and_nothing_is_written(case_at, staff):
    case = case_at(Stage.INQUIRY)
    before = CaseEvent.objects.filter(case=case).count()

    with pytest.raises(ValueError, match="record_read"):
        cases.record_event(case=case, by=staff["carla"], kind="record_read", summary="misspelt")  # type: ignore[arg-type]

    assert CaseEvent.objects.filter(case=case).count() == before


def test_a_medical_read_is_written_once_per_person_case_and_subject_in_its_window(case_at, staff, monkeypatch):
    case = case_at(Stage.TRIAGE)
    first = cases.record_medical_read(case=case, by=staff["liam"], subject="protocol", summary="Read the protocol")

    again = cases.record_medical_read(case=case, by=staff["liam"], subject="protocol", summary="Read the protocol")
    other_subject = cases.record_medical_read(case=case, by=staff["liam"], subject="fhir", summary="Exported")
    other_person = cases.record_medical_read(case=case, by=staff["carla"], subject="protocol", summary="Read the protocol")
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now + cases.MEDICAL_READ_WINDOW + dt.timedelta(seconds=1))
    later = cases.record_medical_read(case=case, by=staff["liam"], subject="protocol", summary="Read the protocol")

    assert first is not None and first.kind == EventKind.MEDICAL_READ and first.data == {"subject": "protocol"}
    assert again is None
    assert other_subject is not None and other_person is not None and later is not None
    assert CaseEvent.objects.filter(case=case, kind="medical.read", data__subject="protocol", actor=staff["liam"]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_old_kinds_and_keeps_the_trail_append_only(case_at, staff):
    case = case_at(Stage.TRIAGE)
    old = models_now().get_model("cases", "CaseEvent")  # no save() checks: the kinds an old release wrote
    rows = {
        "record.read": {"file": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
        "record_read": {},
        "signature": {"signature": 1},
        "reminder": {"what": "deposit", "due_on": "2026-12-08", "sent_on": "2026-12-01"},
    }
    made = {kind: old.objects.create(case_id=case.pk, actor_id=staff["sofia"].pk, kind=kind, summary="x", data=data)
            for kind, data in rows.items()}
    override = old.objects.create(case_id=case.pk, kind="signature", summary="Balance override signed", data={})
    plan = old.objects.create(case_id=case.pk, kind="signature", summary="Signed plan v1: approved therapy plan", data={})
    follow = old.objects.create(case_id=case.pk, kind="reminder", summary="Reminder sent", data={"assessment": 3, "days_ahead": 7})

    run_data_migration("cases", "0004_event_kinds_medical_read")

    def now(row):
        return CaseEvent.objects.values_list("kind", "data").get(pk=row.pk)

    assert now(made["record.read"]) == ("medical.read", {"file": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                                                         "subject": "record:1b4e28ba-2fa1-11d2-883f-0016d3cca427"})
    assert now(made["record_read"]) == ("medical.read", {"subject": "fhir"})
    assert now(override)[0] == "balance.override" and now(plan)[0] == "plan.signed"
    assert now(made["reminder"])[0] == "payment.reminder" and now(follow)[0] == "follow_up.reminder"
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_caseevent SET summary = 'changed' WHERE id = %s", [plan.pk])
