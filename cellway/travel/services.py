"""Scheduling (rule 5 re-checked on every move of the date) and logistics (rule 6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
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
from cellway.clinic import clinic_today, clinic_zone
from cellway.errors import Refusal, StageConflict
from cellway.plans.selectors import current_plan, valid_screening
from cellway.travel import selectors
from cellway.travel.models import TIER_TASKS, Arrival, ArrivalUndone, LogisticsTask, Room, RoomBooking, TaskStatus

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


# An arrival is recorded as it happens, or soon after: older than this is a mistyped date.
ARRIVAL_LATE_ENTRY = dt.timedelta(days=14)


def mark_arrived(*, case: Case, by: User, arrived_at: dt.datetime | None = None, reason: str = "") -> Case:
    """The patient is here, since `arrived_at` (now if None). The deposit must be in; the balance may still be open.

    An arrival before the planned date needs the reason and moves the arrival date to the real one: bookings made
    for the old date are to confirm again (as moving the dates does). The first therapy day stays, so the screening
    and the balance's due date still hold; a first therapy day before a late arrival moves to the arrival day.
    """
    with transaction.atomic():
        case = lock_case(case)
        check_mark_arrived(case=case, by=by)
        limits.check_length(reason, limits.REASON, "The reason")
        now = timezone.now()
        arrived_at = arrived_at or now
        if timezone.is_naive(arrived_at):
            arrived_at = timezone.make_aware(arrived_at, clinic_zone())
        if arrived_at > now + dt.timedelta(minutes=5):
            raise Refusal(f"An arrival is recorded as it happens: {_local(arrived_at)} has not come yet.")
        if arrived_at < now - ARRIVAL_LATE_ENTRY:
            raise Refusal(f"{_local(arrived_at)} is more than {ARRIVAL_LATE_ENTRY.days} days ago: check the date.")
        day = timezone.localtime(arrived_at, clinic_zone()).date()
        planned = case.arrival_date
        early = planned is not None and day < planned
        if early and not reason.strip():
            raise Refusal(f"{day:%d %b %Y} is before the planned arrival ({planned:%d %b %Y}): say why, and the dates move.")
        Arrival.objects.create(case=case, arrived_at=arrived_at, planned_on=planned, reason=reason.strip(), recorded_by=by)
        summary = f"Patient arrived {_local(arrived_at)}"
        if planned is not None and day != planned:
            first_day = max(case.first_therapy_day or day, day)
            Case.objects.filter(pk=case.pk).update(arrival_date=day, first_therapy_day=first_day)
            moved = f"arrival {planned:%d %b %Y} → {day:%d %b %Y}"
            if first_day != case.first_therapy_day:
                moved += f", first therapy day → {first_day:%d %b %Y}"
            case.arrival_date, case.first_therapy_day = day, first_day
            summary += f" ({'early' if early else 'late'}: {moved})"
            _reopen_confirmed_tasks(case, by)
        move(case, to=Stage.ARRIVED, by=by, summary=summary, reason=reason.strip())
    return case


def check_undo_arrival(*, case: Case, by: User) -> None:
    """A mistaken arrival is undone before any session: afterwards the patient was evidently here."""
    require_perm(by, "travel.mark_arrived", "undo an arrival")
    expect_stage(case, Stage.ARRIVED, "undo the arrival")


def undo_arrival(*, case: Case, by: User, reason: str) -> Case:
    """Undo a mistaken arrival, with the reason: the case goes back to waiting for the patient, the planned date again."""
    with transaction.atomic():
        case = lock_case(case)
        check_undo_arrival(case=case, by=by)
        limits.check_length(reason, limits.REASON, "The reason")
        if not reason.strip():
            raise Refusal("Say why the arrival is undone.")
        arrival = Arrival.objects.filter(case=case, undone__isnull=True).first()
        if arrival is not None:
            ArrivalUndone.objects.create(arrival=arrival, reason=reason.strip(), recorded_by=by)
            if arrival.planned_on and arrival.planned_on != case.arrival_date:
                Case.objects.filter(pk=case.pk).update(arrival_date=arrival.planned_on)
                case.arrival_date = arrival.planned_on
        back = Stage.DEPOSIT_PAID if account(case).balance_open else Stage.PAID
        when = f" (planned arrival {case.arrival_date:%d %b %Y})" if case.arrival_date else ""
        move(case, to=back, by=by, summary=f"Arrival undone{when}", reason=reason.strip())
    return case


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment, clinic_zone()):%d %b %Y %H:%M}"


# --- Hospital rooms -----------------------------------------------------------------------------------


def check_book_room(*, case: Case, by: User) -> None:
    """Rooms are booked by logistics once the deposit is in (rule 6), until treatment ends."""
    require_perm(by, "travel.confirm_logistics", "book hospital rooms")
    expect_stage(case, DEPOSIT_STAGES, "book a hospital room")


def book_room(*, case: Case, by: User, room: Room, first_day: dt.date, last_day: dt.date) -> RoomBooking:
    """Book `room` for the case on these days. Refused on a day the room is full (its capacity) or the case already
    has a room: the room row is locked, so two people booking its last place at once get one success."""
    with transaction.atomic():
        case = lock_case(case)
        check_book_room(case=case, by=by)
        room = Room.objects.select_for_update().get(pk=room.pk)
        if not room.active:
            raise Refusal(f"{room} is no longer in use.")
        if last_day < first_day:
            raise Refusal("The last day is before the first.")
        if first_day < clinic_today():
            raise Refusal("A room is not booked for days gone by.")
        if (last_day - first_day).days > 60:
            raise Refusal("A booking longer than 60 days: check the dates.")
        overlapping = list(
            RoomBooking.objects.filter(first_day__lte=last_day, last_day__gte=first_day)
            .filter(Q(room=room) | Q(case=case))
            .select_related("case", "room")
        )
        mine = [b for b in overlapping if b.case_id == case.pk]
        if mine:
            raise StageConflict(f"{case.code} already has {mine[0].room} from {mine[0].first_day:%d %b %Y} to {mine[0].last_day:%d %b %Y}.")
        day = first_day
        while day <= last_day:
            taken = [b for b in overlapping if b.room_id == room.pk and b.first_day <= day <= b.last_day]
            if len(taken) >= room.capacity:
                who = ", ".join(b.case.code for b in taken)
                raise Refusal(f"{room} is full on {day:%d %b %Y} (it holds {room.capacity}: {who}).")
            day += dt.timedelta(days=1)
        booking = RoomBooking.objects.create(room=room, case=case, first_day=first_day, last_day=last_day, booked_by=by)
        touch(case)
        record_event(
            case=case,
            by=by,
            kind=EventKind.LOGISTICS,
            summary=f"{room} booked from {first_day:%d %b %Y} to {last_day:%d %b %Y}",
            data={"room": room.pk, "booking": booking.pk},
        )
    return booking
