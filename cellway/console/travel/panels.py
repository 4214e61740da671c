"""The dates and logistics panels of the case page."""

from __future__ import annotations

from django.db.models import OuterRef
from django.utils import timezone

from cellway.cases.parts import Part
from cellway.clinic import clinic_zone
from cellway.console.panels import CasePage, Panel, blocked_reason
from cellway.console.travel import forms
from cellway.errors import allowed
from cellway.travel import selectors
from cellway.travel.models import LogisticsTask, RoomBooking
from cellway.travel.services import check_book_room, check_confirm_logistics, check_mark_arrived, check_schedule, check_undo_arrival

HOLDS = {
    "logistics_tasks": LogisticsTask.objects.filter(case=OuterRef("pk")),
    "room_bookings": RoomBooking.objects.filter(case=OuterRef("pk")),
}


def dates(page: CasePage) -> Panel | None:
    """Arrival and first therapy day (everyone in scope reads them), and setting or moving them."""
    case, user = page.case, page.user
    can_schedule = allowed(check_schedule, case=case, by=user)
    if not case.arrival_date and not can_schedule:
        return None
    form = page.form(
        "schedule", lambda: forms.ScheduleForm(initial={"arrival_date": case.arrival_date, "first_therapy_day": case.first_therapy_day})
    )
    return Panel(
        "schedule",
        "console/panels/dates.html",
        {"can_schedule": can_schedule, "form": form, "open": not case.arrival_date or page.is_open("schedule")},
    )


def logistics(page: CasePage) -> Panel | None:
    if not page.reads(Part.TRAVEL):
        return None
    case, user = page.case, page.user
    tasks = selectors.logistics_tasks(case) if page.holds("logistics_tasks") else []
    can_arrive = allowed(check_mark_arrived, case=case, by=user)
    can_undo = allowed(check_undo_arrival, case=case, by=user)
    if not tasks and not can_arrive and not can_undo:
        return None
    arrival = page.form("arrival", forms.ArrivalForm)
    if not arrival.is_bound:
        arrival.initial["arrived_at"] = timezone.localtime(timezone.now(), clinic_zone()).replace(second=0, microsecond=0, tzinfo=None)
    return Panel(
        "logistics",
        "console/panels/logistics.html",
        {
            "tasks": tasks,
            "can_confirm": allowed(check_confirm_logistics, case=case, by=user),
            # The confirm buttons say why they are missing (the deposit is not in yet).
            "confirm_blocked": blocked_reason(check_confirm_logistics, case=case, by=user),
            "can_arrive": can_arrive,
            "arrival_form": arrival,
            "can_undo": can_undo,
            "undo_form": page.form("arrival_undo", forms.UndoArrivalForm),
            "bookings": list(case.room_bookings.select_related("room")) if page.holds("room_bookings") else [],
            "can_book": allowed(check_book_room, case=case, by=user),
            "room_form": page.form("room", forms.RoomForm),
        },
    )
