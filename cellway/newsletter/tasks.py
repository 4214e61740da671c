"""The newsletter's sending, run by the scheduler (`manage.py crontask`) every minute.

Each run starts the issues whose time has come and sends one batch of at most NEWSLETTER_BATCH_SIZE mails per
issue: the rate at which the clinic's provider is fed (batch size per minute).
"""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger
from crontask import cron
from django.tasks import task

from cellway.newsletter import conf, services
from cellway.newsletter.mail import send_batch
from cellway.newsletter.models import Issue


def run_once() -> dict[str, int]:
    services.start_due()
    totals = {"sent": 0, "failed": 0}
    for issue in Issue.objects.filter(state=Issue.State.SENDING):
        sent, failed = send_batch(issue=issue, size=conf.batch_size())
        totals["sent"] += sent
        totals["failed"] += failed
        services.finish_if_done(issue=issue)
    return totals


@cron(CronTrigger(minute="*"))
@task
def newsletter_batches() -> dict[str, int]:
    return run_once()
