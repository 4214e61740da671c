"""Live chat's sweep, run by the scheduler (`manage.py crontask`): chats are given to representatives when a chat
starts, when one ends and when a representative becomes available; this catches whatever those missed (a process
stopped between storing a chat and assigning it), so nobody waits more than a minute longer for that."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger
from crontask import cron
from django.tasks import task

from cellway.conversations import chat


@cron(CronTrigger(minute="*"))
@task
def assign_waiting_chats() -> int:
    """Give waiting chats to the representatives present (first in, first out, by language, within the cap)."""
    return len(chat.assign_waiting())
