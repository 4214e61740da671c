"""Reports from home on the console: the relapses and new symptoms patients sent, waiting ones first, for the roles
that read treatment (minimum necessary), reviewed once by whoever records adverse events (the assigned specialist, a
nurse): recorded as an adverse event through the ward's own service in the same transaction, or judged not one with
a note. A stale tab's second review is refused naming who and when; the list costs the same queries for any size."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cellway.cases.events import EventKind
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.portal import services
from cellway.portal.models import PatientReport
from cellway.treatment.models import AdverseEvent

pytestmark = pytest.mark.django_db

LIST = reverse("outcomes:patient_reports")


def _report(case: Any, staff: dict[str, Any], description: str = "My left leg went numb again.", kind: str = "relapse") -> PatientReport:
    grant = case.portal_grants.filter(relation="patient", revoked_at__isnull=True).first()
    if grant is None:
        grant = services.invite_patient(case=case, by=staff["carla"])
    return services.report_symptom(grant=grant, kind=kind, started_on=clinic_today(), description=description)


@pytest.fixture
def reported(case_at: Any, staff: dict[str, Any]) -> dict[str, Any]:
    case = case_at(Stage.FOLLOW_UP)
    assert case.specialist == staff["sofia"]
    return {"case": case, "report": _report(case, staff)}


def _client(staff: dict[str, Any], who: str) -> Client:
    client = Client()
    client.force_login(staff[who])
    return client


def _page(report: PatientReport) -> str:
    return reverse("outcomes:patient_report", kwargs={"uuid": report.uuid})


AE = {
    "decision": "adverse_event",
    "note": "Called her: numbness for two days, walking unaided.",
    "ae-onset_on": "",
    "ae-term": "Paresthesia",
    "ae-description": "Numbness of the left leg reported from home.",
    "ae-grade": "1",
    "ae-related_to_cells": "unlikely",
    "ae-related_to_procedure": "unrelated",
    "ae-action": "none",
    "ae-outcome": "recovering",
}


def _ae(report: PatientReport, **changes: str) -> dict[str, str]:
    return {**AE, "ae-onset_on": report.started_on.isoformat(), **changes}


# --- Who sees the list and the page (the minimum-necessary table) -------------------------------------------------


@pytest.mark.parametrize("who", ["sofia", "nina", "liam"])
def test_the_roles_that_read_treatment_see_the_report(reported: dict[str, Any], staff: dict[str, Any], who: str) -> None:
    client = _client(staff, who)
    page = client.get(LIST)
    assert page.status_code == 200
    text = page.content.decode()
    assert reported["case"].code in text and "My left leg went numb again." in text and "New" in text
    assert client.get(_page(reported["report"])).status_code == 200
    assert reported["case"].events.filter(kind=EventKind.MEDICAL_READ, actor=staff[who], data__subject="portal-reports").exists()


@pytest.mark.parametrize("who", ["carla", "fiona", "lena", "ivan", "adam", "outsider"])
def test_roles_without_a_clinical_reason_are_refused_the_list(reported: dict[str, Any], staff: dict[str, Any], who: str) -> None:
    client = _client(staff, who)
    response = client.get(LIST)
    assert response.status_code == 403 and b"numb" not in response.content
    assert b"Reports from home" not in client.get(reverse("console:home")).content


@pytest.mark.parametrize(("who", "status"), [("carla", 403), ("fiona", 403), ("lena", 403), ("daniel", 404), ("adam", 404)])
def test_one_report_is_404_outside_ones_scope_and_403_inside_it_without_treatment(
    reported: dict[str, Any], staff: dict[str, Any], who: str, status: int
) -> None:
    client = _client(staff, who)
    assert client.get(_page(reported["report"])).status_code == status
    assert client.post(_page(reported["report"]), {"decision": "not_adverse_event", "note": "x"}).status_code == status
    assert PatientReport.objects.get(pk=reported["report"].pk).reviewed_at is None


def test_another_specialist_sees_none_of_the_reports_of_cases_not_theirs(reported: dict[str, Any], staff: dict[str, Any]) -> None:
    page = _client(staff, "daniel").get(LIST)
    assert page.status_code == 200 and b"numb" not in page.content and reported["case"].code.encode() not in page.content


def test_a_forged_or_unknown_report_id_is_404(reported: dict[str, Any], staff: dict[str, Any]) -> None:
    client = _client(staff, "sofia")
    assert client.get("/outcomes/reports-from-home/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.post("/outcomes/reports-from-home/00000000-0000-0000-0000-000000000000/", AE).status_code == 404
    assert client.get("/outcomes/reports-from-home/1/").status_code == 404


# --- The badge ------------------------------------------------------------------------------------------------------


def test_the_navigation_counts_the_reports_waiting_for_those_who_review_them(reported: dict[str, Any], staff: dict[str, Any]) -> None:
    _report(reported["case"], staff, "Headaches since Monday.", kind="symptom")
    for who in ("sofia", "nina"):
        assert b'id="reports-waiting">2 new<' in _client(staff, who).get(reverse("console:home")).content
    liaison = _client(staff, "liam").get(reverse("console:home")).content
    assert b"Reports from home" in liaison and b"reports-waiting" not in liaison  # reads them, does not review them
    assert b"reports-waiting" not in _client(staff, "daniel").get(reverse("console:home")).content  # not his case
    services.review_report(report=reported["report"], by=staff["nina"], decision="not_adverse_event", note="Known MS symptom.")
    assert b'id="reports-waiting">1 new<' in _client(staff, "sofia").get(reverse("console:home")).content


# --- Reviewing ------------------------------------------------------------------------------------------------------


def test_judged_not_an_adverse_event_with_a_note_by_whom_and_when(reported: dict[str, Any], staff: dict[str, Any]) -> None:
    report, case = reported["report"], reported["case"]
    client = _client(staff, "sofia")
    response = client.post(_page(report), {"decision": "not_adverse_event", "note": ""})
    assert response.status_code == 422 and "Say why it is not an adverse event." in response.content.decode()
    assert PatientReport.objects.get(pk=report.pk).reviewed_at is None
    response = client.post(_page(report), {"decision": "not_adverse_event", "note": "Pseudo-relapse during a fever; seen by GP."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.decision == "not_adverse_event" and report.reviewed_by == staff["sofia"] and report.reviewed_at is not None
    assert report.adverse_event is None and "Pseudo-relapse" in report.review_note
    event = case.events.filter(kind=EventKind.ADVERSE_EVENT).latest("pk")
    assert "reviewed: judged not an adverse event" in event.summary and event.data["portal_report"] == str(report.uuid)
    listed = client.get(LIST).content.decode()
    assert "Judged not an adverse event" in listed and "Pseudo-relapse" in listed
    assert not AdverseEvent.objects.filter(case=case).exists()


def test_recorded_as_an_adverse_event_through_the_wards_service(reported: dict[str, Any], staff: dict[str, Any]) -> None:
    report, case = reported["report"], reported["case"]
    response = _client(staff, "nina").post(_page(report), _ae(report))
    assert response.status_code == 302
    report.refresh_from_db()
    event = AdverseEvent.objects.get(case=case)
    assert report.adverse_event == event and report.decision == "adverse_event" and report.reviewed_by == staff["nina"]
    assert event.term == "Paresthesia" and event.grade == 1 and event.recorded_by == staff["nina"] and event.onset_on == report.started_on
    summaries = list(case.events.filter(kind=EventKind.ADVERSE_EVENT).values_list("summary", flat=True))
    assert any(s.startswith("Adverse event recorded: Paresthesia") for s in summaries)
    assert any("reviewed: recorded as an adverse event" in s for s in summaries)


def test_an_adverse_event_the_ward_refuses_leaves_the_report_waiting(reported: dict[str, Any], staff: dict[str, Any]) -> None:
    report, case = reported["report"], reported["case"]
    client = _client(staff, "sofia")
    # Grade 5 is death: the ward's rules refuse it with any outcome but fatal.
    response = client.post(_page(report), _ae(report, **{"ae-grade": "5"}))
    assert response.status_code == 422 and "Grade 5" in response.content.decode()
    response = client.post(_page(report), _ae(report, **{"ae-term": ""}))
    assert response.status_code == 422
    response = client.post(_page(report), {"decision": "adverse_event", "note": ""})
    assert response.status_code == 422
    assert PatientReport.objects.get(pk=report.pk).reviewed_at is None and not AdverseEvent.objects.filter(case=case).exists()
    with pytest.raises(Refusal):
        services.review_report(report=report, by=staff["sofia"], decision="adverse_event", note="", adverse_event=None)
    with pytest.raises(Refusal):
        services.review_report(report=report, by=staff["sofia"], decision="maybe", note="Unsure")


def test_a_stale_tabs_second_review_is_refused_naming_who_and_when(reported: dict[str, Any], staff: dict[str, Any]) -> None:
    report = reported["report"]
    nurse, specialist = _client(staff, "nina"), _client(staff, "sofia")
    assert specialist.get(_page(report)).status_code == 200  # the tab opened before the nurse's review
    assert nurse.post(_page(report), {"decision": "not_adverse_event", "note": "Known fatigue, discussed."}).status_code == 302
    response = specialist.post(_page(report), _ae(report))
    assert response.status_code == 409
    text = response.content.decode()
    assert str(staff["nina"]) in text and "already reviewed this report" in text
    assert not AdverseEvent.objects.exists()
    report.refresh_from_db()
    assert report.reviewed_by == staff["nina"] and report.decision == "not_adverse_event"
    with pytest.raises(StageConflict):
        services.review_report(report=report, by=staff["sofia"], decision="not_adverse_event", note="Again")


def test_only_those_who_record_adverse_events_review_and_only_on_their_cases(reported: dict[str, Any], staff: dict[str, Any]) -> None:
    report = reported["report"]
    response = _client(staff, "liam").post(_page(report), {"decision": "not_adverse_event", "note": "Not mine to say"})
    assert response.status_code == 403
    assert b"Save the review" not in _client(staff, "liam").get(_page(report)).content
    for who in ("liam", "carla", "daniel", "adam"):
        with pytest.raises(NotAllowed):
            services.review_report(report=report, by=staff[who], decision="not_adverse_event", note="Nothing")
    assert PatientReport.objects.get(pk=report.pk).reviewed_at is None


# --- Cost ----------------------------------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_queries_for_one_report_or_many(reported: dict[str, Any], staff: dict[str, Any], case_at: Any) -> None:
    client = _client(staff, "nina")
    _queries(client, LIST)  # the first read in ten minutes writes the trail rows
    few = _queries(client, LIST)
    for n in range(3):
        case = case_at(Stage.FOLLOW_UP)
        _report(case, staff, f"Symptom {n}", kind="symptom")
        _report(case, staff, f"Relapse {n}")
    services.review_report(report=reported["report"], by=staff["nina"], decision="not_adverse_event", note="Known symptom.")
    assert PatientReport.objects.count() == 7
    first_view = _queries(client, LIST)  # three new cases read: still one insert
    many = _queries(client, LIST)
    assert many == few and first_view <= few + 1
    assert few <= 12
    order = list(PatientReport.objects.order_by("pk").values_list("uuid", flat=True))
    text = client.get(LIST).content.decode()
    # Waiting ones first, the newest first; the reviewed one last.
    assert text.index(str(order[-1])) < text.index(str(order[1])) < text.index(str(order[0]))


# --- Reviewed as a relapse: into the outcomes registry in the review's transaction ---------------------------------

RELAPSE = {
    "decision": "relapse",
    "note": "Called him: new weakness of the left leg for three days.",
    "relapse-severity": "moderate",
    "relapse-treated": "yes",
    "relapse-notes": "Methylprednisolone 1 g for 3 days.",
}


def _relapse(report: PatientReport, **changes: str) -> dict[str, str]:
    return {**RELAPSE, "relapse-onset_on": report.started_on.isoformat(), **changes}


def test_recorded_as_a_relapse_in_the_outcomes_registry_with_the_review(reported: dict[str, Any], staff: dict[str, Any]) -> None:
    from cellway.outcomes.models import Relapse

    report, case = reported["report"], reported["case"]
    page = _client(staff, "sofia").get(_page(report)).content.decode()
    assert 'name="relapse-severity"' in page and 'value="relapse"' in page

    response = _client(staff, "sofia").post(_page(report), _relapse(report))

    assert response.status_code == 302
    report.refresh_from_db()
    relapse = Relapse.objects.get(case=case)
    assert report.decision == "relapse" and report.relapse == relapse and report.adverse_event is None
    assert (relapse.onset_on, relapse.severity, relapse.treated, relapse.recorded_by) == (
        report.started_on,
        "moderate",
        True,
        staff["sofia"],
    )
    assert relapse.notes == "Methylprednisolone 1 g for 3 days."
    assert case.events.filter(kind=EventKind.RELAPSE, data__relapse=str(relapse.uuid)).exists()
    review = case.events.filter(kind=EventKind.ADVERSE_EVENT).latest("pk")
    assert "reviewed: recorded as a relapse" in review.summary and review.data["relapse"] == str(relapse.uuid)
    shown = _client(staff, "sofia").get(_page(report)).content.decode()
    assert "Recorded as a relapse" in shown and reverse("outcomes:patient", kwargs={"uuid": case.uuid}) in shown
    # The registry's page lists it like one recorded there.
    registry = _client(staff, "sofia").get(reverse("outcomes:patient", kwargs={"uuid": case.uuid})).content.decode()
    assert "Moderate" in registry or "moderate" in registry


def test_a_relapse_the_registry_refuses_leaves_the_report_waiting_and_nothing_recorded(
    reported: dict[str, Any], staff: dict[str, Any]
) -> None:
    from cellway.outcomes import services as outcomes
    from cellway.outcomes.models import Relapse

    report, case = reported["report"], reported["case"]
    client = _client(staff, "nina")
    # The fields a relapse needs are asked for: none, or a severity the registry does not know.
    assert client.post(_page(report), {"decision": "relapse", "note": ""}).status_code == 422
    assert client.post(_page(report), _relapse(report, **{"relapse-severity": "awful"})).status_code == 422
    assert client.post(_page(report), _relapse(report, **{"relapse-treated": ""})).status_code == 422
    # A relapse already recorded from that day (on the outcomes page): the registry refuses, the review rolls back.
    outcomes.record_relapse(case=case, by=staff["sofia"], onset_on=report.started_on, severity="mild", treated=False)
    response = client.post(_page(report), _relapse(report))
    assert response.status_code == 422 and "already recorded" in response.content.decode()
    assert PatientReport.objects.get(pk=report.pk).reviewed_at is None and Relapse.objects.filter(case=case).count() == 1
    assert not case.events.filter(kind=EventKind.ADVERSE_EVENT, summary__contains="reviewed").exists()
    with pytest.raises(Refusal, match="Give the relapse's onset, severity and treatment"):
        services.review_report(report=report, by=staff["sofia"], decision="relapse", note="", relapse=None)
    with pytest.raises(Refusal, match="Give the day the relapse began"):
        services.review_report(
            report=report,
            by=staff["sofia"],
            decision="relapse",
            note="",
            relapse={"onset_on": "yesterday", "severity": "mild", "treated": True},
        )
    with pytest.raises(Refusal, match="Say whether the relapse was treated"):
        services.review_report(
            report=report,
            by=staff["sofia"],
            decision="relapse",
            note="",
            relapse={"onset_on": report.started_on, "severity": "mild", "treated": "perhaps"},
        )
    assert PatientReport.objects.get(pk=report.pk).reviewed_at is None
