"""Reminders of payments coming due (rule 6), sent once a day by the scheduler.

Each reminder is claimed as a `cases.Reminder` row before its mail is queued
(`cases.services.claim_reminder`, the same mechanism as follow-up reminders),
so a restarted scheduler, or two of them, never mail a patient twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from cellway.billing.models import balance_due_on, deposit_due_on
from cellway.billing.selectors import account
from cellway.cases import notify
from cellway.cases.events import EventKind
from cellway.cases.models import Case
from cellway.cases.services import claim_reminder, lock_case
from cellway.cases.stages import Stage


def due_reminders(today: dt.date) -> list[tuple[Case, str, dt.date]]:
    """Cases with a deposit or balance due in exactly one of PAYMENT_REMIND_DAYS_AHEAD, and still unpaid."""
    found: list[tuple[Case, str, dt.date]] = []
    days = [today + dt.timedelta(days=n) for n in settings.PAYMENT_REMIND_DAYS_AHEAD]
    # Due dates are fixed offsets before the dates stored on the case.
    deposit_arrivals = [d + dt.timedelta(days=settings.DEPOSIT_DAYS_BEFORE_ARRIVAL) for d in days]
    for case in Case.objects.filter(stage=Stage.SCHEDULED, arrival_date__in=deposit_arrivals).select_related("patient"):
        assert case.arrival_date is not None
        found.append((case, "deposit", deposit_due_on(case.arrival_date)))
    balance_days = [d + dt.timedelta(days=settings.BALANCE_DAYS_BEFORE_THERAPY) for d in days]
    open_stages = [Stage.SCHEDULED, Stage.DEPOSIT_PAID, Stage.ARRIVED]
    for case in Case.objects.filter(stage__in=open_stages, first_therapy_day__in=balance_days).select_related("patient"):
        assert case.first_therapy_day is not None
        found.append((case, "balance", balance_due_on(case.first_therapy_day)))
    return found


def send_payment_reminders(*, today: dt.date) -> int:
    """Queue the reminders due today. Returns how many were queued."""
    sent = 0
    for case, what, due_on in due_reminders(today):
        with transaction.atomic():
            case = lock_case(case)
            acct = account(case)
            if acct.quote is None or (what == "deposit" and acct.deposit_paid) or (what == "balance" and not acct.balance_open):
                continue
            amount = acct.quote.deposit - acct.paid if what == "deposit" else acct.outstanding
            summary = f"Reminder sent: {what} of {amount} due {due_on:%d %b %Y}"
            if not claim_reminder(
                case=case,
                kind=EventKind.PAYMENT_REMINDER,
                what=what,
                due_on=due_on,
                today=today,
                summary=summary,
                data={"sent_on": str(today)},
            ):
                continue
            notify.later(
                notify.payment_due,
                case_id=case.pk,
                what=what,
                due_on=f"{due_on:%d %B %Y}",
                amount=str(amount),
                currency=acct.quote.currency,
            )
            sent += 1
    return sent
