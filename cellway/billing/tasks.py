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


@task
def process_stripe_event(*, event_pk: int) -> str:
    """Apply one stored Stripe webhook event: re-read its session from Stripe's API and record what it says (idempotent)."""
    from cellway.billing.checkout import process_event

    return process_event(event_pk)
