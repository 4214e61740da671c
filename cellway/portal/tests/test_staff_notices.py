"""The care team hears of what comes in through the portal by a notice with a link, never the words: a portal
message (once per burst: not again until someone from the clinic answers) and a report from home."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from cellway.cases.models import Reminder
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.portal import services
from cellway.portal.models import PatientReport, PortalGrant

pytestmark = pytest.mark.django_db

WORDS = "My secret worry about the lumbar puncture"


def _client(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _write(person: Any, case: Any, body: str = WORDS) -> Any:
    data = {"client_id": str(uuid.uuid4()), "body": body}
    return _client(person).post(reverse("portal:messages", kwargs={"uuid": case.uuid}), data)


def _staff_notices(case: Any) -> list[Any]:
    return [m for m in mail.outbox if m.subject.startswith(f"{case.code}: a new message in the patient portal")]


@pytest.fixture
def world(portal_case: Any, staff: dict[str, Any]) -> dict[str, Any]:
    case, patient = portal_case(Stage.QUOTED)
    grant = PortalGrant.objects.get(person=patient, case=case)
    daughter = services.grant_access(
        grant=grant,
        email="layla@example.com",
        full_name="Layla Haddad",
        relation="family",
        scopes=["messages"],
        ends_on=clinic_today() + dt.timedelta(days=30),
    ).person
    mail.outbox.clear()
    return {"case": case, "patient": patient, "daughter": daughter, "staff": staff}


def test_a_portal_message_mails_the_case_care_team_a_link_without_the_words(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case, staff = world["case"], world["staff"]
    assert case.specialist is not None

    with django_capture_on_commit_callbacks(execute=True):
        assert _write(world["patient"], case).status_code == 302

    [notice] = _staff_notices(case)
    # The specialist assigned, the liaison officers and customer care: who answers; no other role, not the patient.
    expected = {case.specialist.email, staff["liam"].email, staff["carla"].email}
    assert set(notice.to) == expected
    for other in ("fiona", "lena", "ivan", "adam", "marcus"):
        assert staff[other].email not in notice.to
    assert world["patient"].email not in notice.to and "layla@example.com" not in notice.to
    other_specialist = staff["daniel"] if case.specialist == staff["sofia"] else staff["sofia"]
    assert other_specialist.email not in notice.to
    # No words of the message, no patient name; a link to the case's thread.
    assert "secret" not in (notice.subject + notice.body).lower() and "lumbar" not in notice.body
    assert case.patient.full_name not in notice.body
    assert reverse("console:case", kwargs={"uuid": case.uuid}) + "#thread" in notice.body
    assert "written by the patient)" in notice.body


def test_a_burst_of_messages_is_one_notice_until_the_clinic_answers_then_the_next_burst_is_one_more(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case, carla = world["case"], world["staff"]["carla"]

    with django_capture_on_commit_callbacks(execute=True):
        _write(world["patient"], case, "First")
        _write(world["patient"], case, "Second")
        _write(world["daughter"], case, "Third, from his daughter")
    assert len(_staff_notices(case)) == 1
    assert Reminder.objects.filter(case=case, what="portal_message:0").count() == 1

    # The care team answers in the portal: that reply is not a portal message in, no notice to staff for it.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(carla).post(
            reverse("console:act-portal-reply", kwargs={"uuid": case.uuid}), {"client_id": str(uuid.uuid4()), "body": "Answer"}
        )
    assert response.status_code == 302
    assert _staff_notices(case) == [] and mail.outbox  # the readers' own notices went

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _write(world["daughter"], case, "A new question")
        _write(world["patient"], case, "And another")
    [notice] = _staff_notices(case)
    assert "written by the patient's family)" in notice.body
    assert Reminder.objects.filter(case=case, what__startswith="portal_message:").count() == 2


def test_a_retried_post_and_a_refused_message_send_no_notice(world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    case, patient = world["case"], world["patient"]
    client_id = str(uuid.uuid4())
    url = reverse("portal:messages", kwargs={"uuid": case.uuid})

    with django_capture_on_commit_callbacks(execute=True):
        assert _client(patient).post(url, {"client_id": client_id, "body": ""}).status_code == 422
    assert _staff_notices(case) == [] and not Reminder.objects.filter(case=case).exists()

    with django_capture_on_commit_callbacks(execute=True):
        _client(patient).post(url, {"client_id": client_id, "body": "Once"})
        _client(patient).post(url, {"client_id": client_id, "body": "Once"})
    assert len(_staff_notices(case)) == 1


def test_a_mail_written_by_staff_from_the_thread_also_answers_the_burst(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from cellway.conversations import services as conversations

    case, carla = world["case"], world["staff"]["carla"]
    with django_capture_on_commit_callbacks(execute=True):
        _write(world["patient"], case, "Question")
        conversations.write_mail(case=case, by=carla, to=case.patient.email, subject="Re", body="Answer by mail")
        _write(world["patient"], case, "Thanks, one more")
    assert len(_staff_notices(case)) == 2


def test_the_staff_mail_of_a_report_from_home_is_a_link_without_the_patients_words(
    portal_case: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case, patient = portal_case(Stage.FOLLOW_UP)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(patient).post(
            reverse("portal:follow_up", kwargs={"uuid": case.uuid}),
            {
                "action": "report",
                "kind": "relapse",
                "started_on": clinic_today().isoformat(),
                "description": "My left leg went numb again.",
            },
        )
    assert response.status_code == 302
    report = PatientReport.objects.get(case=case)
    [notice] = [m for m in mail.outbox if "adverse-event candidate" in m.subject]
    assert set(notice.to) == {case.specialist.email, staff["carla"].email}
    text = notice.subject + notice.body
    for words in ("numb", "leg", case.patient.full_name, f"{clinic_today():%d %b %Y}"):
        assert words not in text
    link = reverse("outcomes:patient_report", kwargs={"uuid": report.uuid})
    assert link in notice.body and "by the patient:" in notice.body
    # Nor what kind of report it is: a new symptom's notice reads the same but for its link.
    mail.outbox.clear()
    grant = PortalGrant.objects.get(person=patient, case=case)
    with django_capture_on_commit_callbacks(execute=True):
        other = services.report_symptom(grant=grant, kind="symptom", started_on=clinic_today(), description="Headaches")
    [second] = [m for m in mail.outbox if "adverse-event candidate" in m.subject]
    other_link = reverse("outcomes:patient_report", kwargs={"uuid": other.uuid})
    assert (second.subject, second.body.replace(other_link, link)) == (notice.subject, notice.body)


# --- The patient reads what became of their report, in their language -------------------------------------------------


@pytest.mark.parametrize(
    ("language", "waiting", "relapse", "not_one"),
    [
        ("en", "has not reviewed it yet", "recorded it as a relapse", "not a side effect of your treatment"),
        ("zh-hans", "尚未审阅", "作为复发记录", "不是您治疗的副作用"),
        ("ar", "لم يراجع فريق الرعاية", "انتكاسةً", "ليس أثرًا جانبيًا"),
    ],
)
def test_the_follow_up_page_says_what_became_of_each_report(
    portal_case: Any, staff: dict[str, Any], language: str, waiting: str, relapse: str, not_one: str
) -> None:
    case, patient = portal_case(Stage.FOLLOW_UP)
    services.set_language(person=patient, language=language)
    grant = PortalGrant.objects.get(person=patient, case=case)
    today = clinic_today()
    first = services.report_symptom(grant=grant, kind="relapse", started_on=today, description="Leg")
    second = services.report_symptom(grant=grant, kind="symptom", started_on=today, description="Tired")
    services.report_symptom(grant=grant, kind="symptom", started_on=today, description="Headache")
    services.review_report(
        report=first,
        by=staff["sofia"],
        decision="relapse",
        note="",
        relapse={"onset_on": first.started_on, "severity": "mild", "treated": False, "notes": ""},
    )
    services.review_report(report=second, by=staff["nina"], decision="not_adverse_event", note="Known fatigue")

    page = _client(patient).get(reverse("portal:follow_up", kwargs={"uuid": case.uuid})).content.decode()

    assert waiting in page and relapse in page and not_one in page
    assert page.count('data-decision="waiting"') == 1 and 'data-decision="relapse"' in page
    assert "Known fatigue" not in page  # the clinician's note is the care team's
