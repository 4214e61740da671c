"""Scheduling and logistics actions on a case."""

from __future__ import annotations

from typing import Any

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.console.actions import View, case_action
from cellway.console.travel import forms
from cellway.errors import Refusal
from cellway.travel import services
from cellway.travel.models import LogisticsTask


def _schedule(case: Case, d: dict[str, Any], user: User) -> str:
    case = services.schedule_case(
        case=case, by=user, arrival_date=d["arrival_date"], first_therapy_day=d["first_therapy_day"], reason=d["reason"]
    )
    if case.stage_enum == Stage.ACCEPTED:
        return "Dates moved. The screening no longer counts for the new first therapy day: the case is back to screening."
    return "Dates saved."


def _confirm(case: Case, d: dict[str, Any], user: User) -> str:
    try:
        task = case.logistics_tasks.get(pk=d["task"])
    except LogisticsTask.DoesNotExist:
        raise Refusal("That task is not part of this case.") from None
    task = services.confirm_task(task=task, by=user, details=d["details"])
    return f"{task.get_kind_display()} confirmed."


def _arrive(case: Case, d: dict[str, Any], user: User) -> str:
    case = services.mark_arrived(case=case, by=user, arrived_at=d["arrived_at"], reason=d["reason"])
    return f"Arrival recorded (arrival date {case.arrival_date:%d %b %Y})."


def _undo_arrival(case: Case, d: dict[str, Any], user: User) -> str:
    case = services.undo_arrival(case=case, by=user, reason=d["reason"])
    return f"Arrival undone: the case is '{case.get_stage_display()}' again."


def _book_room(case: Case, d: dict[str, Any], user: User) -> str:
    booking = services.book_room(case=case, by=user, room=d["room"], first_day=d["first_day"], last_day=d["last_day"])
    return f"{booking.room} booked from {booking.first_day:%d %b %Y} to {booking.last_day:%d %b %Y}."


ACTIONS: dict[str, View] = {
    "room-book": case_action(forms.RoomForm, "room", _book_room, anchor="logistics"),
    "schedule": case_action(forms.ScheduleForm, "schedule", _schedule),
    "confirm": case_action(forms.ConfirmTaskForm, "logistics", _confirm),
    "arrived": case_action(forms.ArrivalForm, "arrival", _arrive, anchor="logistics"),
    "arrival-undo": case_action(forms.UndoArrivalForm, "arrival_undo", _undo_arrival, anchor="logistics"),
}
