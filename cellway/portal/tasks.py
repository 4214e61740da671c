"""The portal's daily job, run by the scheduler (`manage.py crontask`): questionnaires waiting to be answered."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger
from crontask import cron
from django.conf import settings
from django.tasks import task

from cellway.clinic import clinic_today
from cellway.portal.reminders import send_questionnaire_reminders


# 07:45 in the clinic's own zone, after the follow-up reminders (07:30) and before the payment ones (08:00).
@cron(CronTrigger(hour=7, minute=45, timezone=settings.CLINIC_TIME_ZONE))
@task
def questionnaire_reminders() -> int:
    return send_questionnaire_reminders(today=clinic_today())
