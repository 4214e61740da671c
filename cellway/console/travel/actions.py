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


ACTIONS: dict[str, View] = {
    "schedule": case_action(forms.ScheduleForm, "schedule", _schedule),
    "confirm": case_action(forms.ConfirmTaskForm, "logistics", _confirm),
    "arrived": case_action(forms.ArrivalForm, "arrival", _arrive, anchor="logistics"),
    "arrival-undo": case_action(forms.UndoArrivalForm, "arrival_undo", _undo_arrival, anchor="logistics"),
}
