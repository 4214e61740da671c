"""Scheduling (rule 5 re-checked on every move of the date) and logistics (rule 6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from cellway import limits
from cellway.accounts.models import User
from cellway.billing import services as billing
from cellway.billing.models import balance_due_on, deposit_due_on
from cellway.billing.selectors import account
from cellway.cases import notify
from cellway.cases.events import EventKind
from cellway.cases.models import Case
from cellway.cases.services import expect_stage, lock_case, move, record_event, require_perm, touch
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import Refusal, StageConflict
from cellway.plans.selectors import current_plan, valid_screening
from cellway.travel import selectors
from cellway.travel.models import TIER_TASKS, LogisticsTask, TaskStatus

RESCHEDULABLE = {Stage.SCHEDULED, Stage.DEPOSIT_PAID, Stage.PAID}
DEPOSIT_STAGES = {Stage.DEPOSIT_PAID, Stage.PAID, Stage.ARRIVED, Stage.IN_TREATMENT}
SCHEDULABLE = frozenset({Stage.CLEARED} | RESCHEDULABLE)
ARRIVABLE = frozenset({Stage.DEPOSIT_PAID, Stage.PAID})


def check_schedule(*, case: Case, by: User) -> None:
    require_perm(by, "travel.schedule_case", "schedule cases")
    expect_stage(case, SCHEDULABLE, "schedule this case")


def check_confirm_logistics(*, case: Case, by: User, task: LogisticsTask | None = None) -> None:
    """Arrangements are confirmed only once the deposit is paid (rule 6); one query."""
    require_perm(by, "travel.confirm_logistics", "confirm logistics")
    if case.stage_enum not in DEPOSIT_STAGES or not account(case).deposit_paid:
        what = task.get_kind_display() if task is not None else "Logistics"
        raise Refusal(f"{what} can be confirmed only once the deposit is paid.")


def check_mark_arrived(*, case: Case, by: User) -> None:
    require_perm(by, "travel.mark_arrived", "record arrivals")
    expect_stage(case, ARRIVABLE, "record the arrival")


def schedule_case(*, case: Case, by: User, arrival_date: dt.date, first_therapy_day: dt.date, reason: str = "") -> Case:
    """Set (or move) the arrival and first therapy day.

    The screening must count for the first therapy day. Moving the date
    re-checks it: if it no longer holds, the dates move and the case goes
    back to waiting for a new screening.
    """
    with transaction.atomic():
        case = lock_case(case)
        check_schedule(case=case, by=by)
        limits.check_length(reason, limits.REASON, "The reason")
        _check_dates(arrival_date, first_therapy_day)
        moving = case.stage_enum in RESCHEDULABLE
        if moving and not reason.strip():
            raise Refusal("Say why the dates move.")
        old = (case.arrival_date, case.first_therapy_day)
        screening = valid_screening(case, first_therapy_day)
        if screening is None and not moving:
            raise Refusal(
                f"No satisfactory screening counts for a first therapy day of {first_therapy_day:%d %b %Y}; record a newer screening first."
            )
        Case.objects.filter(pk=case.pk).update(arrival_date=arrival_date, first_therapy_day=first_therapy_day)
        case.arrival_date, case.first_therapy_day = arrival_date, first_therapy_day
        # The deposit and balance invoices follow the dates: issued the first time, their due dates moved after.
        billing.sync_invoices(case=case, by=by)
        summary = (
            f"Arrival {arrival_date:%d %b %Y}, first therapy day {first_therapy_day:%d %b %Y}; "
            f"deposit due {deposit_due_on(arrival_date):%d %b %Y}, balance due {balance_due_on(first_therapy_day):%d %b %Y}"
        )
        data = {"arrival": str(arrival_date), "first_therapy_day": str(first_therapy_day), "previous": [str(d) if d else None for d in old]}
        if not moving:
            _schedule_first_time(case, by, summary=summary, data=data)
        elif screening is None:
            move(
                case,
                to=Stage.ACCEPTED,
                by=by,
                reason=reason,
                summary=f"Dates moved ({summary}); the screening no longer counts: back to screening",
                data=data,
            )
        else:
            touch(case)
            record_event(case=case, by=by, kind=EventKind.SCHEDULED, summary="Dates moved: " + summary, reason=reason, data=data)
        if moving and old != (arrival_date, first_therapy_day):
            _reopen_confirmed_tasks(case, by)
        notify.later(notify.scheduled, case_id=case.pk)
    return case


def _check_dates(arrival_date: dt.date, first_therapy_day: dt.date) -> None:
    if arrival_date < clinic_today():
        raise Refusal("The arrival date is in the past.")
    if first_therapy_day < arrival_date:
        raise Refusal("The first therapy day cannot be before arrival.")
    if (first_therapy_day - arrival_date).days > 14:
        raise Refusal("The first therapy day is more than 14 days after arrival; check the dates.")


def _schedule_first_time(case: Case, by: User, *, summary: str, data: dict[str, Any]) -> None:
    """Move the case to scheduled, create the logistics tasks of its package, and count what was paid already."""
    move(case, to=Stage.SCHEDULED, by=by, summary="Scheduled: " + summary, data=data)
    plan = current_plan(case)
    tier = plan.package_tier if plan else "inclusive"
    # A case sent back to screening by a moved date comes here again:
    # its tasks already exist, and what was paid still counts.
    existing = selectors.task_kinds(case)
    LogisticsTask.objects.bulk_create([LogisticsTask(case=case, kind=kind) for kind in TIER_TASKS[tier] if kind not in existing])
    money = account(case)
    if money.deposit_paid:
        move(case, to=Stage.DEPOSIT_PAID, by=by, summary="Deposit already paid")
        if not money.balance_open:
            move(case, to=Stage.PAID, by=by, summary="Already paid in full")


def _reopen_confirmed_tasks(case: Case, by: User) -> None:
    """Bookings made for the old dates must be made again for the new ones."""
    confirmed = selectors.confirmed_tasks(case)
    if not confirmed:
        return
    LogisticsTask.objects.filter(pk__in=[t.pk for t in confirmed]).update(status=TaskStatus.PENDING, confirmed_by=None, confirmed_at=None)
    names = ", ".join(t.get_kind_display() for t in confirmed)
    record_event(case=case, by=by, kind=EventKind.LOGISTICS, summary=f"Dates moved: to confirm again for the new dates: {names}")


def confirm_task(*, task: LogisticsTask, by: User, details: str) -> LogisticsTask:
    """Confirm an arrangement. Only once the deposit is paid."""
    with transaction.atomic():
        case = lock_case(task.case_id)
        check_confirm_logistics(case=case, by=by, task=task)
        limits.check_length(details, limits.SHORT, "What was arranged")
        if not details.strip():
            raise Refusal("Write what was arranged (driver, hotel, room...).")
        task = LogisticsTask.objects.select_for_update().get(pk=task.pk)
        if task.status == TaskStatus.CONFIRMED:
            raise StageConflict(f"{task.get_kind_display()} was already confirmed by {task.confirmed_by}.")
        task.status, task.details, task.confirmed_by, task.confirmed_at = TaskStatus.CONFIRMED, details, by, timezone.now()
        task.save(update_fields=["status", "details", "confirmed_by", "confirmed_at"])
        touch(case)
        record_event(case=case, by=by, kind=EventKind.LOGISTICS, summary=f"{task.get_kind_display()} confirmed: {details}")
    return task


def mark_arrived(*, case: Case, by: User) -> Case:
    """The patient is here. The deposit must be in; the balance may still be open until the day before therapy."""
    with transaction.atomic():
        case = lock_case(case)
        check_mark_arrived(case=case, by=by)
        move(case, to=Stage.ARRIVED, by=by, summary="Patient arrived")
    return case
