"""Periodic billing jobs, run by the scheduler (`manage.py crontask`)."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger
from crontask import cron
from django.conf import settings
from django.tasks import task

from cellway.billing.reminders import send_payment_reminders
from cellway.clinic import clinic_today


# 08:00 in the clinic's own zone, whatever zone the servers run in.
@cron(CronTrigger(hour=8, minute=0, timezone=settings.CLINIC_TIME_ZONE))
@task
def payment_reminders() -> int:
    return send_payment_reminders(today=clinic_today())
