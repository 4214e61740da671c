"""Follow-up jobs: the daily reminders run by the scheduler (`manage.py crontask`).

The mails themselves are rendered and sent by the spine's one mail path (cellway/cases/notify.py).
"""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger
from crontask import cron
from django.conf import settings
from django.tasks import task

from cellway.clinic import clinic_today
from cellway.outcomes.services import send_follow_up_reminders, top_up_yearly_follow_ups


# 07:30 in the clinic's own zone, before the payment reminders at 08:00.
@cron(CronTrigger(hour=7, minute=30, timezone=settings.CLINIC_TIME_ZONE))
@task
def follow_up_reminders() -> int:
    """Schedule the next yearly assessments that fell due, then send today's reminders."""
    today = clinic_today()
    top_up_yearly_follow_ups(today=today)
    return send_follow_up_reminders(today=today)
