"""Follow-up reminders: a week ahead and on the day, to the patient and the care team, once."""

from __future__ import annotations

import datetime as dt

from django.core import mail

from cellway.cases.models import Reminder
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.outcomes.services import send_follow_up_reminders
from cellway.outcomes.tasks import follow_up_reminders


def test_reminders_go_once_to_the_patient_and_care_team(case_at, staff, django_capture_on_commit_callbacks, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    case = case_at(Stage.FOLLOW_UP)
    today = clinic_today()
    case.follow_ups.filter(months_after=1).update(due_on=today + dt.timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_follow_up_reminders(today=today) == 1
    to_patient, to_staff = mail.outbox
    assert "1-month follow-up" in to_patient.subject and "1-month follow-up" in to_staff.subject
    assert to_patient.to == [case.patient.email]
    assert to_staff.to == sorted([staff["sofia"].email, staff["carla"].email])
    with django_capture_on_commit_callbacks(execute=True):
        assert send_follow_up_reminders(today=today) == 0  # a second scheduler run sends nothing
    assert len(mail.outbox) == 2  # the patient's mail and the care team's notice, once
    assert case.events.filter(kind="follow_up.reminder").count() == 1


def test_on_the_day_is_a_second_reminder_and_a_recorded_assessment_none(case_at, staff, django_capture_on_commit_callbacks):
    case = case_at(Stage.FOLLOW_UP)
    today = clinic_today()
    case.follow_ups.filter(months_after=1).update(due_on=today)
    case.follow_ups.filter(months_after=3).update(due_on=today, completed_at=dt.datetime.now(dt.UTC))
    assert send_follow_up_reminders(today=today) == 1
    assert list(Reminder.objects.values_list("what", "days_ahead")) == [("follow_up:1", 0)]


def test_an_assessment_recorded_before_its_reminder_goes_is_not_reminded(case_at, staff, django_capture_on_commit_callbacks):
    case = case_at(Stage.FOLLOW_UP)
    today = clinic_today()
    assessment = case.follow_ups.get(months_after=1)
    case.follow_ups.filter(pk=assessment.pk).update(due_on=today)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert send_follow_up_reminders(today=today) == 1
    case.follow_ups.filter(pk=assessment.pk).update(completed_at=dt.datetime.now(dt.UTC))  # recorded while the queue was busy
    for enqueue in queued:
        enqueue()
    assert mail.outbox == []


def test_the_daily_job_runs_in_the_clinic_zone(case_at):
    case = case_at(Stage.FOLLOW_UP)
    case.follow_ups.filter(months_after=1).update(due_on=clinic_today())
    assert follow_up_reminders.call() == 1
