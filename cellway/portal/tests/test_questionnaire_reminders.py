"""Questionnaire reminders: the day a follow-up point's window opens, and once more some days later, the patient and
the helpers let into the questionnaires are mailed, each in their own language, that a questionnaire waits, with the
portal's sign-in; each reminder once (a second run mails nobody), never after the answer, never to someone without
access, never about a withdrawn case, and never a word of anything medical."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cellway.cases.events import EventKind
from cellway.cases.models import Reminder
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.outcomes import ensure_measures
from cellway.portal import services
from cellway.portal.models import PortalGrant
from cellway.portal.reminders import opens_on, send_questionnaire_reminders

pytestmark = pytest.mark.django_db


@pytest.fixture
def point_opening(portal_case: Any, settings: Any) -> dict[str, Any]:
    """A case in follow-up whose first point's questionnaire window opens today; its patient, a daughter let into the
    questionnaires (reading Chinese), a son let into the itinerary only."""
    settings.PORTAL_QUESTIONNAIRE_REMIND_AGAIN_DAYS = 5
    ensure_measures()
    case, patient = portal_case(Stage.FOLLOW_UP)
    point = case.follow_ups.order_by("due_on").first()
    assert point is not None and point.months_after <= 3
    case.follow_ups.filter(pk=point.pk).update(due_on=clinic_today() + dt.timedelta(days=14))
    point.refresh_from_db()
    assert opens_on(point) == clinic_today()
    grant = PortalGrant.objects.get(case=case, person=patient)
    ends = clinic_today() + dt.timedelta(days=60)
    daughter = services.grant_access(
        grant=grant, email="dana@example.com", full_name="Dana D", relation="family", scopes=["questionnaires"], ends_on=ends
    )
    daughter.person.language = "zh-hans"
    daughter.person.save(update_fields=["language"])
    services.grant_access(grant=grant, email="sami@example.com", full_name="Sami S", relation="family", scopes=["itinerary"], ends_on=ends)
    mail.outbox.clear()
    return {"case": case, "patient": patient, "grant": grant, "point": point, "daughter": daughter}


def _run(capture: Any, today: dt.date) -> int:
    with capture(execute=True):
        return send_questionnaire_reminders(today=today)


def test_the_day_the_window_opens_the_patient_and_the_helpers_of_the_questionnaires_are_mailed_in_their_language(
    point_opening: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case, patient = point_opening["case"], point_opening["patient"]
    assert _run(django_capture_on_commit_callbacks, clinic_today()) == 1
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == sorted([patient.email, "dana@example.com"])  # not the son (itinerary only)
    english, chinese = by_address[patient.email], by_address["dana@example.com"]
    assert english.subject.startswith("A questionnaire is waiting for you") and case.code in english.body
    assert "问卷" in chinese.subject and "尊敬的" in chinese.body
    link = "/portal/sign-in/?next=%2Fportal%2Fcases%2F" + str(case.uuid) + "%2Ffollow-up%2F"
    assert all(link in m.body for m in mail.outbox)
    assert all(m.reply_to for m in mail.outbox)  # the case's reply address, as every mail to a patient or family
    # Nothing medical: not the condition, the measures, the due visit, nor any score.
    for m in mail.outbox:
        text = (m.subject + m.body).lower()
        assert str(case.condition).lower() not in text and "fatigue" not in text and "msis" not in text and "month" not in text
    event = case.events.filter(kind=EventKind.FOLLOW_UP_REMINDER).get()
    assert "questionnaire is waiting" in event.summary


def test_running_the_job_twice_sends_nothing_twice(point_opening: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    _run(django_capture_on_commit_callbacks, clinic_today())
    assert len(mail.outbox) == 2
    assert _run(django_capture_on_commit_callbacks, clinic_today()) == 0
    assert len(mail.outbox) == 2 and Reminder.objects.filter(what__startswith="questionnaire:").count() == 1
    assert point_opening["case"].events.filter(kind=EventKind.FOLLOW_UP_REMINDER).count() == 1


def test_a_second_reminder_goes_some_days_later_while_unanswered_and_only_then(
    point_opening: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    today = clinic_today()
    _run(django_capture_on_commit_callbacks, today)
    mail.outbox.clear()
    for day in range(1, 5):
        assert _run(django_capture_on_commit_callbacks, today + dt.timedelta(days=day)) == 0
    assert mail.outbox == []
    later = today + dt.timedelta(days=5)
    assert _run(django_capture_on_commit_callbacks, later) == 1
    assert len(mail.outbox) == 2 and all(m.subject.startswith(("Reminder:", "提醒")) for m in mail.outbox)
    assert _run(django_capture_on_commit_callbacks, later) == 0 and len(mail.outbox) == 2
    assert Reminder.objects.filter(what__startswith="questionnaire:").count() == 2


def test_no_reminder_once_the_questionnaire_is_answered(point_opening: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    today = clinic_today()
    _run(django_capture_on_commit_callbacks, today)
    services.answer_questionnaire(
        grant=point_opening["grant"], assessment=point_opening["point"], answers={"msis29-physical": 30, "mfis5": 5}
    )
    mail.outbox.clear()
    assert _run(django_capture_on_commit_callbacks, today + dt.timedelta(days=5)) == 0
    assert mail.outbox == [] and Reminder.objects.filter(what__startswith="questionnaire:").count() == 1


def test_an_answer_given_after_the_claim_but_before_the_mail_goes_stops_the_mail(
    point_opening: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert send_questionnaire_reminders(today=clinic_today()) == 1
    services.answer_questionnaire(
        grant=point_opening["grant"], assessment=point_opening["point"], answers={"msis29-physical": 30, "mfis5": 5}
    )
    for callback in queued:
        callback()
    assert mail.outbox == []


def test_nobody_without_access_is_mailed(point_opening: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    PortalGrant.objects.filter(pk=point_opening["daughter"].pk).update(revoked_at=timezone.now())
    PortalGrant.objects.filter(pk=point_opening["grant"].pk).update(revoked_at=timezone.now())
    assert _run(django_capture_on_commit_callbacks, clinic_today()) == 0
    assert mail.outbox == [] and not Reminder.objects.filter(what__startswith="questionnaire:").exists()


def test_a_patient_whose_portal_account_was_closed_is_not_mailed(
    point_opening: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    patient = point_opening["patient"]
    patient.is_active = False
    patient.save(update_fields=["is_active"])
    assert _run(django_capture_on_commit_callbacks, clinic_today()) == 1
    assert [m.to for m in mail.outbox] == [["dana@example.com"]]


def test_a_withdrawn_case_is_not_reminded(point_opening: dict[str, Any], django_capture_on_commit_callbacks: Any, staff: Any) -> None:
    from cellway.cases.models import Case

    Case.objects.filter(pk=point_opening["case"].pk).update(stage=Stage.WITHDRAWN.value)
    assert _run(django_capture_on_commit_callbacks, clinic_today()) == 0
    assert mail.outbox == []


def test_the_mails_link_leads_through_the_sign_in_to_the_follow_up_page(point_opening: dict[str, Any]) -> None:
    case = point_opening["case"]
    follow_up = reverse("portal:follow_up", kwargs={"uuid": case.uuid})
    response = Client().get(reverse("portal:sign_in"), {"next": follow_up})
    assert response.status_code == 302 and "next=%2Fportal%2Fcases%2F" in response["Location"]
    signed_in = Client()
    signed_in.force_login(point_opening["patient"])
    assert signed_in.get(reverse("portal:sign_in"), {"next": follow_up})["Location"] == follow_up
    # Only a portal page: anywhere else goes to the portal's home.
    for elsewhere in ("https://evil.example/portal/", "//evil.example/portal/", "/console/"):
        assert signed_in.get(reverse("portal:sign_in"), {"next": elsewhere})["Location"] == reverse("portal:home")


def test_the_scheduler_runs_the_job_every_morning_in_the_clinics_zone(point_opening: dict[str, Any], settings: Any) -> None:
    from crontask import scheduler

    from cellway.portal import tasks

    job = next(j for j in scheduler.get_jobs() if j.name == tasks.questionnaire_reminders.name)
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("7", "45") and str(job.trigger.timezone) == settings.CLINIC_TIME_ZONE
    assert tasks.questionnaire_reminders.call() == 1  # the job itself: today's reminders


def test_a_later_point_with_its_longer_window_is_reminded_the_day_that_window_opens(
    point_opening: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case = point_opening["case"]
    six = case.follow_ups.get(months_after=6)
    case.follow_ups.filter(pk=six.pk).update(due_on=clinic_today() + dt.timedelta(days=30))
    assert _run(django_capture_on_commit_callbacks, clinic_today()) == 2
    assert set(Reminder.objects.filter(case=case).values_list("what", "days_ahead")) == {("questionnaire:1", 14), ("questionnaire:6", 30)}
    assert len(mail.outbox) == 4
