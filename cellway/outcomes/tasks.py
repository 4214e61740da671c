"""Follow-up jobs: the daily reminders run by the scheduler (`manage.py crontask`), and the email they send."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger
from crontask import cron
from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string

from cellway.cases.notify import recipients
from cellway.clinic import clinic_today
from cellway.outcomes.models import FollowUpAssessment
from cellway.outcomes.services import send_follow_up_reminders, top_up_yearly_follow_ups

# The patient and the care team: the assigned specialist and customer care, who book the visit.
AUDIENCE = ("patient", "specialist", "care")


# 07:30 in the clinic's own zone, before the payment reminders at 08:00.
@cron(CronTrigger(hour=7, minute=30, timezone=settings.CLINIC_TIME_ZONE))
@task
def follow_up_reminders() -> int:
    """Schedule the next yearly assessments that fell due, then send today's reminders."""
    today = clinic_today()
    top_up_yearly_follow_ups(today=today)
    return send_follow_up_reminders(today=today)


@task
def send_follow_up_reminder(*, assessment_id: int) -> int:
    """Mail the reminder of one assessment (unless it was recorded in the meantime). Returns how many were sent."""
    assessment = FollowUpAssessment.objects.select_related("case__patient", "case__specialist").get(pk=assessment_id)
    if assessment.completed_at is not None:
        return 0
    to = recipients(assessment.case, AUDIENCE)
    if not to:
        return 0
    text = render_to_string(
        "outcomes/email/follow_up_due.txt", {"case": assessment.case, "assessment": assessment, "clinic": settings.CLINIC_NAME}
    )
    subject, _, body = text.strip().partition("\n")
    return send_mail(subject.strip(), body.strip() + "\n", None, to)
