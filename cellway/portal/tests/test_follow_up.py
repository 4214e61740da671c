"""Follow-up from home: the clinic's questionnaire at each follow-up point lands in the outcomes registry as
staff-entered measures do; an answer out of range is refused; a relapse or symptom reaches the care team as an
adverse-event candidate; the patient sees their own course as a server-drawn chart."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cellway.cases.events import EventKind
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.outcomes import ensure_measures
from cellway.errors import NotAllowed, StageConflict
from cellway.outcomes.models import ReportedScore, Visit
from cellway.portal import services
from cellway.portal.models import FollowUpAnswers, PatientReport, PortalGrant
from cellway.portal.selectors import questionnaires_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(portal_case: Any) -> dict[str, Any]:
    ensure_measures()
    case, patient = portal_case(Stage.FOLLOW_UP)
    point = case.follow_ups.order_by("due_on").first()
    assert point is not None
    case.follow_ups.filter(pk=point.pk).update(due_on=clinic_today())
    grant = PortalGrant.objects.get(case=case, person=patient)
    return {"case": case, "patient": patient, "grant": grant, "point": point}


def _answers(point: Any, physical: str = "40", fatigue: str = "12") -> dict[str, Any]:
    return {"action": "answer", "assessment": point.pk, "m_msis29-physical": physical, "m_mfis5": fatigue}


def test_answers_land_in_the_outcomes_registry_and_the_course_is_drawn(home: dict[str, Any]) -> None:
    case, point = home["case"], home["point"]
    client = Client()
    client.force_login(home["patient"])
    assert "A questionnaire is waiting" in client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    url = reverse("portal:follow_up", kwargs={"uuid": case.uuid})
    page = client.get(url).content.decode()
    assert "how much has fatigue affected you" in page and 'max="20' in page
    assert client.post(url, _answers(point)).status_code == 302
    visit = Visit.objects.get(case=case, seen_on=clinic_today())
    assert visit.recorded_by == home["patient"] and "portal" in visit.notes
    assert {s.measure.code: float(s.value) for s in ReportedScore.objects.filter(visit=visit)} == {"msis29-physical": 40.0, "mfis5": 12.0}
    assert FollowUpAnswers.objects.get(assessment=point).visit == visit
    assert case.events.filter(kind=EventKind.OUTCOME_VISIT, summary__contains="from home").exists()
    assert questionnaires_due(case) == []
    page = client.get(url).content.decode()
    assert "<svg" in page and 'role="img"' in page and "<script" not in page and "No questionnaire is open" in page


def test_an_answer_out_of_range_is_refused_and_nothing_written(home: dict[str, Any]) -> None:
    case, point = home["case"], home["point"]
    client = Client()
    client.force_login(home["patient"])
    url = reverse("portal:follow_up", kwargs={"uuid": case.uuid})
    response = client.post(url, _answers(point, fatigue="21"))
    assert response.status_code == 422 and "outside its scale" in response.content.decode()
    assert client.post(url, _answers(point, fatigue="-1")).status_code == 422
    assert client.post(url, {**_answers(point), "m_mfis5": ""}).status_code == 422
    assert client.post(url, {**_answers(point), "m_mfis5": "lots"}).status_code == 422
    assert not Visit.objects.filter(case=case).exclude(recorded_by__portal_grants__isnull=True).exists()
    assert not FollowUpAnswers.objects.exists()


def test_a_point_answered_or_not_yet_open_is_refused(home: dict[str, Any]) -> None:
    case, point, grant = home["case"], home["point"], home["grant"]
    services.answer_questionnaire(grant=grant, assessment=point, answers={"msis29-physical": 30, "mfis5": 5})
    with pytest.raises(StageConflict):
        services.answer_questionnaire(grant=grant, assessment=point, answers={"msis29-physical": 30, "mfis5": 5})
    later = case.follow_ups.exclude(pk=point.pk).order_by("due_on").first()
    assert later is not None and later.due_on > clinic_today() + dt.timedelta(days=30)
    with pytest.raises(StageConflict):
        services.answer_questionnaire(grant=grant, assessment=later, answers={"msis29-physical": 30, "mfis5": 5})
    assert FollowUpAnswers.objects.count() == 1


def test_a_helper_sees_the_course_but_does_not_answer_and_a_helper_without_the_scope_sees_nothing(home: dict[str, Any]) -> None:
    case, point, grant = home["case"], home["point"], home["grant"]
    ends = clinic_today() + dt.timedelta(days=9)
    daughter = services.grant_access(
        grant=grant, email="d@example.com", full_name="Dana D", relation="family", scopes=["questionnaires"], ends_on=ends
    )
    son = services.grant_access(
        grant=grant, email="s@example.com", full_name="Sami S", relation="family", scopes=["itinerary"], ends_on=ends
    )
    url = reverse("portal:follow_up", kwargs={"uuid": case.uuid})
    client = Client()
    client.force_login(daughter.person)
    page = client.get(url)
    assert page.status_code == 200 and "questionnaire-" not in page.content.decode()
    assert client.post(url, _answers(point)).status_code == 403
    with pytest.raises(NotAllowed):
        services.answer_questionnaire(grant=daughter, assessment=point, answers={"msis29-physical": 30, "mfis5": 5})
    other = Client()
    other.force_login(son.person)
    assert other.get(url).status_code == 404 and other.post(url, _answers(point)).status_code == 404
    assert not FollowUpAnswers.objects.exists()


def test_a_relapse_reported_from_home_reaches_the_care_team_as_an_adverse_event_candidate(
    home: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    case = home["case"]
    client = Client()
    client.force_login(home["patient"])
    url = reverse("portal:follow_up", kwargs={"uuid": case.uuid})
    future = (clinic_today() + dt.timedelta(days=2)).isoformat()
    assert client.post(url, {"action": "report", "kind": "relapse", "started_on": future, "description": "Numb leg"}).status_code == 422
    assert (
        client.post(url, {"action": "report", "kind": "relapse", "started_on": clinic_today().isoformat(), "description": ""}).status_code
        == 422
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "action": "report",
                "kind": "relapse",
                "started_on": clinic_today().isoformat(),
                "description": "My left leg went numb again.",
            },
        )
    assert response.status_code == 302
    report = PatientReport.objects.get(case=case)
    assert report.reported_by == home["patient"] and report.reported_as == "patient"
    event = case.events.filter(kind=EventKind.ADVERSE_EVENT).latest("pk")
    assert event.data["candidate"] is True and "reported a relapse from home" in event.summary
    staff_mail = [m for m in mail.outbox if "adverse-event candidate" in m.subject]
    # The notice links to the report; its words stay in the console (test_staff_notices).
    assert staff_mail and "My left leg went numb again." not in staff_mail[0].body and case.patient.email not in staff_mail[0].to


def test_before_treatment_ends_there_is_no_follow_up_page(portal_case: Any) -> None:
    case, patient = portal_case(Stage.PAID)
    client = Client()
    client.force_login(patient)
    assert client.get(reverse("portal:follow_up", kwargs={"uuid": case.uuid})).status_code == 404


def test_another_patient_an_outsider_and_nobody_reach_no_follow_up_page(
    home: dict[str, Any], portal_case: Any, staff: dict[str, Any]
) -> None:
    case, point = home["case"], home["point"]
    _other_case, other_patient = portal_case(Stage.FOLLOW_UP)
    url = reverse("portal:follow_up", kwargs={"uuid": case.uuid})
    for person in (other_patient, staff["outsider"], staff["carla"]):
        client = Client()
        client.force_login(person)
        assert client.get(url).status_code == 404 and client.post(url, _answers(point)).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("portal:sign_in"))
    assert not FollowUpAnswers.objects.exists() and not PatientReport.objects.exists()


@pytest.mark.parametrize(("language", "heading", "question"), [("ar", "المتابعة من المنزل", "التعب"), ("zh-hans", "居家随访", "疲劳")])
def test_the_questionnaire_is_in_the_patients_language(home: dict[str, Any], language: str, heading: str, question: str) -> None:
    services.set_language(person=home["patient"], language=language)
    client = Client()
    client.force_login(home["patient"])
    page = client.get(reverse("portal:follow_up", kwargs={"uuid": home["case"].uuid})).content.decode()
    assert heading in page and question in page
