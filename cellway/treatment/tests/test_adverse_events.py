"""Adverse events (rule 11): graded (CTCAE v5), judged serious (ICH E2A) and related; a serious one notifies at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.treatment import services as treatment
from cellway.treatment.models import AdverseEvent

HEADACHE = {
    "term": "Headache",
    "description": "Post-puncture headache, worse upright; paracetamol given.",
    "grade": 2,
    "serious_criteria": [],
    "related_to_cells": "unlikely",
    "related_to_procedure": "probable",
    "action": "medication",
    "outcome": "recovering",
}


def written(case):
    fresh = Case.objects.get(pk=case.pk)
    return fresh.version, fresh.events.count(), AdverseEvent.objects.filter(case=case).count(), len(mail.outbox)


def record(case, staff, who="nina", **change):
    values = {**HEADACHE, "onset_on": clinic_today(), **change}
    return treatment.record_adverse_event(case=case, by=staff[who], **values)


@pytest.fixture
def treating(case_at):
    return case_at(Stage.IN_TREATMENT)


def test_an_adverse_event_is_recorded_graded_judged_and_on_the_trail_without_mail(treating, staff):
    event = record(treating, staff)

    assert (event.grade, event.serious, event.related, event.recorded_by) == (2, False, True, staff["nina"])
    trail = treating.events.first()
    assert trail.kind == "adverse_event"
    assert trail.summary == f"Adverse event recorded: Headache, grade 2, onset {clinic_today():%d %b %Y}, recovering / resolving"
    assert mail.outbox == []


@override_settings(MEDICAL_DIRECTOR_EMAIL=["director@clinic.example"])
def test_a_serious_event_mails_the_medical_director_and_the_specialist_once_committed(treating, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = record(treating, staff, term="Aseptic meningitis", grade=3, serious_criteria=["hospitalisation", "hospitalisation"],
                       action="hospitalised")

    assert event.serious_criteria == ["hospitalisation"]
    assert "Adverse event SERIOUS recorded: Aseptic meningitis, grade 3" in treating.events.first().summary
    [sent] = mail.outbox
    assert sorted(sent.to) == sorted(["director@clinic.example", staff["sofia"].email])
    assert sent.subject == f"SERIOUS adverse event: {treating.code}"
    assert "Requires inpatient hospitalisation or prolongs it" in sent.body and "3 Severe" in sent.body
    assert treating.patient.full_name not in sent.body


@override_settings(MEDICAL_DIRECTOR_EMAIL=["director@clinic.example"])
def test_an_event_that_becomes_serious_notifies_then_and_only_then(treating, staff, django_capture_on_commit_callbacks):
    event = record(treating, staff)
    with django_capture_on_commit_callbacks(execute=True):
        treatment.update_adverse_event(event=event, by=staff["sofia"], grade=3, serious_criteria=["medically_important"],
                                       outcome="recovering", resolved_on=None)
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        treatment.update_adverse_event(event=event, by=staff["nina"], grade=3, serious_criteria=["medically_important"],
                                       outcome="recovered", resolved_on=clinic_today())
    assert len(mail.outbox) == 1
    event.refresh_from_db()
    assert (event.outcome, event.resolved_on) == ("recovered", clinic_today())
    assert treating.events.first().data["changed"] == ["outcome", "resolved_on"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"grade": None}, "Grade the event: CTCAE v5 grade 1 (mild) to 5 (death related to the event)."),
        ({"grade": 6}, "Grade the event: CTCAE v5 grade 1 (mild) to 5 (death related to the event)."),
        ({"onset_on": dt.date(2020, 1, 1)}, "The onset (01 Jan 2020) is before the case was opened"),
        ({"onset_on": "tomorrow"}, "The onset cannot be on a day that has not come."),
        ({"term": "  "}, "Name the event (its CTCAE term) and describe what happened."),
        ({"serious_criteria": ["bad luck"]}, "Unknown seriousness criterion 'bad luck'."),
        ({"related_to_cells": "maybe"}, "Choose the relatedness to the cells."),
        ({"outcome": "fine"}, "Choose the outcome."),
        ({"grade": 5}, "Grade 5 and the outcome 'Fatal' go together"),
        ({"outcome": "fatal", "grade": 5, "resolved_on": "today"}, "A fatal event is serious: tick 'Results in death'."),
        ({"grade": 4}, "A grade 4 event is life-threatening: tick 'Is life-threatening'."),
        ({"outcome": "recovered"}, "Give the date the event resolved (or ended)."),
        ({"resolved_on": "today"}, "A resolution date goes with the outcome recovered, recovered with sequelae, or fatal."),
        ({"outcome": "recovered", "resolved_on": "tomorrow"}, "The resolution date must be between the onset"),
    ],
)
def test_bad_adverse_events_are_refused_with_a_clear_message_and_nothing_written(treating, staff, change, message):
    days = {"today": clinic_today(), "tomorrow": clinic_today() + dt.timedelta(days=1)}
    change = {k: days.get(v, v) if isinstance(v, str) and k in ("onset_on", "resolved_on") else v for k, v in change.items()}
    before = written(treating)

    with pytest.raises(Refusal) as refused:
        record(treating, staff, **change)

    assert message in refused.value.message
    assert written(treating) == before


def test_adverse_events_are_recorded_through_follow_up_by_the_clinical_staff_only(staff, case_at):
    follow_up = case_at(Stage.FOLLOW_UP)
    record(follow_up, staff, who="sofia")
    with pytest.raises(NotAllowed):
        record(follow_up, staff, who="lena")
    with pytest.raises(StageConflict):
        record(case_at(Stage.PAID), staff)


def test_an_update_that_changes_nothing_is_refused(treating, staff):
    event = record(treating, staff)
    before = written(treating)
    with pytest.raises(Refusal) as refused:
        treatment.update_adverse_event(event=event, by=staff["nina"], grade=2, serious_criteria=[], outcome="recovering", resolved_on=None)
    assert refused.value.message == "Nothing changed."
    assert written(treating) == before


# --- On the case page and the outcomes page -----------------------------------------------------------


def act(name, case):
    return reverse(f"console:act-{name}", kwargs={"uuid": case.uuid})


FORM = {**HEADACHE, "serious_criteria": []}


def test_the_nurse_records_an_event_on_the_case_page_and_bad_input_comes_back_kept(as_user, treating, staff):
    client = as_user("nina")
    data = {**FORM, "onset_on": clinic_today().isoformat(), "grade": ""}
    refused = client.post(act("adverse-event", treating), data)
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Grade the event: CTCAE v5 grade 1 (mild) to 5 (death related to the event)." in page
    assert "Post-puncture headache, worse upright" in page  # what was typed is kept
    assert not AdverseEvent.objects.exists()

    assert client.post(act("adverse-event", treating), {**data, "grade": "2"}).status_code == 302
    event = AdverseEvent.objects.get()
    page = client.get(reverse("console:case", args=[treating.uuid])).content.decode()
    assert "Headache" in page and "Grade 2" in page

    forged = client.post(act("adverse-event-update", treating), {"event": "00000000-0000-0000-0000-000000000000", "grade": "2",
                                                                 "outcome": "recovered", "resolved_on": clinic_today().isoformat()})
    assert forged.status_code == 422 and "That adverse event is not part of this case." in forged.content.decode()
    done = client.post(act("adverse-event-update", treating), {"event": event.uuid, "grade": "2", "outcome": "recovered",
                                                               "resolved_on": clinic_today().isoformat()})
    assert done.status_code == 302
    event.refresh_from_db()
    assert event.outcome == "recovered"


def test_the_outcomes_page_shows_the_patients_adverse_events_to_clinical_staff_only(client, treating, staff):
    record(treating, staff, term="Back pain", related_to_procedure="definite")
    client.force_login(staff["sofia"])
    page = client.get(reverse("outcomes:patient", args=[treating.uuid])).content.decode()
    assert "Adverse events" in page and "Back pain" in page and "procedure definite" in page
    client.force_login(staff["fiona"])
    assert "Back pain" not in client.get(reverse("console:case", args=[treating.uuid])).content.decode()
