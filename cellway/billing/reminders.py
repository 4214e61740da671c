"""Reminders of invoices coming due and overdue (rule 6), sent once a day by the scheduler.

Each reminder is claimed as a `cases.Reminder` row before its mail is queued
(`cases.services.claim_reminder`, the same mechanism as follow-up reminders),
so a restarted scheduler, or two of them, never mail a patient twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from cellway.billing.models import Invoice
from cellway.billing.selectors import invoice_states
from cellway.billing.services import PAYABLE
from cellway.cases import notify
from cellway.cases.events import EventKind
from cellway.cases.services import claim_reminder, lock_case


def due_reminders(today: dt.date) -> list[Invoice]:
    """Live invoices of cases still paying whose due date is PAYMENT_REMIND_DAYS_AHEAD days ahead of `today`,
    or PAYMENT_REMIND_DAYS_AFTER days past it: one reminder per invoice and level."""
    levels = [*settings.PAYMENT_REMIND_DAYS_AHEAD, *(-n for n in settings.PAYMENT_REMIND_DAYS_AFTER)]
    days = [today + dt.timedelta(days=n) for n in levels]
    return list(
        Invoice.objects.filter(cancelled_at__isnull=True, due_on__in=days, case__stage__in=[s.value for s in PAYABLE])
        .select_related("case__patient")
        .order_by("due_on", "pk")
    )


def send_payment_reminders(*, today: dt.date) -> int:
    """Queue the reminders due today (before and after each invoice's due date), each once. Returns how many."""
    sent = 0
    for invoice in due_reminders(today):
        with transaction.atomic():
            case = lock_case(invoice.case)
            state = next((s for s in invoice_states(case) if s.invoice.pk == invoice.pk), None)
            if state is None or state.settled:
                continue
            what, due_on, overdue = invoice.kind, invoice.due_on, invoice.due_on < today
            late = f", {(today - due_on).days} days overdue" if overdue else ""
            summary = f"Reminder sent: {what} ({invoice.label}) of {state.open_amount} due {due_on:%d %b %Y}{late}"
            if not claim_reminder(
                case=case,
                kind=EventKind.PAYMENT_REMINDER,
                what=what,
                due_on=due_on,
                today=today,
                summary=summary,
                data={"sent_on": str(today), "invoice": str(invoice.uuid)},
            ):
                continue
            notify.later(
                notify.payment_due,
                case_id=case.pk,
                what=what,
                due_on=f"{due_on:%d %B %Y}",
                amount=str(state.open_amount),
                currency=invoice.currency,
                invoice=invoice.label,
                overdue="yes" if overdue else "",
            )
            sent += 1
    return sent
