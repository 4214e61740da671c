"""Follow-up reminders: a week ahead and on the day, to the patient and the care team, once."""

from __future__ import annotations

import datetime as dt

from django.core import mail

from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.outcomes.models import FollowUpReminder
from cellway.outcomes.services import send_follow_up_reminders
from cellway.outcomes.tasks import follow_up_reminders, send_follow_up_reminder


def test_reminders_go_once_to_the_patient_and_care_team(case_at, staff, django_capture_on_commit_callbacks, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    case = case_at(Stage.FOLLOW_UP)
    today = clinic_today()
    case.follow_ups.filter(months_after=1).update(due_on=today + dt.timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_follow_up_reminders(today=today) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "1-month follow-up" in message.subject
    assert case.patient.email in message.to and staff["sofia"].email in message.to and staff["carla"].email in message.to
    with django_capture_on_commit_callbacks(execute=True):
        assert send_follow_up_reminders(today=today) == 0  # a second scheduler run sends nothing
    assert len(mail.outbox) == 1
    assert case.events.filter(kind="follow_up.reminder").count() == 1


def test_on_the_day_is_a_second_reminder_and_a_recorded_assessment_none(case_at, staff):
    case = case_at(Stage.FOLLOW_UP)
    today = clinic_today()
    case.follow_ups.filter(months_after=1).update(due_on=today)
    case.follow_ups.filter(months_after=3).update(due_on=today, completed_at=dt.datetime.now(dt.UTC))
    assert send_follow_up_reminders(today=today) == 1
    assert FollowUpReminder.objects.get().days_ahead == 0
    assessment = case.follow_ups.get(months_after=3)
    assert send_follow_up_reminder.call(assessment_id=assessment.pk) == 0


def test_the_daily_job_runs_in_the_clinic_zone(case_at):
    case = case_at(Stage.FOLLOW_UP)
    case.follow_ups.filter(months_after=1).update(due_on=clinic_today())
    assert follow_up_reminders.call() == 1
