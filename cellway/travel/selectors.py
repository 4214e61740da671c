"""Reads of scheduling and logistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Q, QuerySet, Subquery

from cellway.cases.models import Case
from cellway.travel.models import Arrival, LogisticsTask, RoomBooking, TaskStatus


def logistics_tasks(case: Case) -> list[LogisticsTask]:
    return list(case.logistics_tasks.select_related("confirmed_by").order_by("kind"))


def confirmed_tasks(case: Case) -> list[LogisticsTask]:
    return list(case.logistics_tasks.filter(status=TaskStatus.CONFIRMED))


def task_kinds(case: Case) -> set[str]:
    return set(case.logistics_tasks.values_list("kind", flat=True))


@dataclass(frozen=True)
class WardDay:
    day: dt.date
    arrivals: list[Case]
    first_days: list[Case]
    rooms: list[RoomBooking]  # bookings spanning the day (only for those who read travel)


def ward_week(cases: QuerySet[Case], monday: dt.date, *, rooms: bool) -> list[WardDay]:
    """Arrivals, first therapy days and booked rooms of the visible cases, day by day for the week (two queries)."""
    sunday = monday + dt.timedelta(days=6)
    dated = list(cases.filter(Q(arrival_date__range=(monday, sunday)) | Q(first_therapy_day__range=(monday, sunday))).order_by("code"))
    booked = (
        list(
            RoomBooking.objects.filter(case__in=cases.values("pk"), first_day__lte=sunday, last_day__gte=monday)
            .select_related("room", "case__patient")
            .order_by("room__name")
        )
        if rooms
        else []
    )
    week = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        week.append(
            WardDay(
                day,
                [c for c in dated if c.arrival_date == day],
                [c for c in dated if c.first_therapy_day == day],
                [b for b in booked if b.first_day <= day <= b.last_day],
            )
        )
    return week


@dataclass(frozen=True)
class CalendarEntry:
    """One item of the ward calendar for a calendar feed: an arrival, a first therapy day or a room booking."""

    uid: str  # the same for the item whatever its date: a moved arrival is the same event, moved
    kind: str  # "arrival", "therapy" or "room"
    case: Case
    first_day: dt.date
    last_day: dt.date
    revised: dt.datetime  # when what the item says last changed
    arrived_at: dt.datetime | None = None  # a recorded arrival's time
    room: str = ""


def ward_calendar(cases: QuerySet[Case], start: dt.date, end: dt.date, *, rooms: bool) -> list[CalendarEntry]:
    """The ward calendar's items of the visible cases touching [start, end], as `ward_week` shows them (two queries)."""
    latest = Arrival.objects.filter(case=OuterRef("pk"), undone__isnull=True).order_by("-recorded_at").values("arrived_at")[:1]
    dated = (
        cases.filter(Q(arrival_date__range=(start, end)) | Q(first_therapy_day__range=(start, end)))
        .annotate(arrived_at=Subquery(latest))
        .order_by("code")
    )
    entries = []
    for case in dated:
        if case.arrival_date and start <= case.arrival_date <= end:
            entries.append(
                CalendarEntry(
                    f"arrival-{case.uuid}",
                    "arrival",
                    case,
                    case.arrival_date,
                    case.arrival_date,
                    case.updated_at,
                    case.arrived_at,
                )
            )
        if case.first_therapy_day and start <= case.first_therapy_day <= end:
            day = case.first_therapy_day
            entries.append(CalendarEntry(f"first-therapy-day-{case.uuid}", "therapy", case, day, day, case.updated_at))
    if rooms:
        booked = (
            RoomBooking.objects.filter(case__in=cases.values("pk"), first_day__lte=end, last_day__gte=start)
            .select_related("room", "case__patient")
            .order_by("first_day", "pk")
        )
        entries += [
            CalendarEntry(f"room-booking-{b.pk}", "room", b.case, b.first_day, b.last_day, b.booked_at, room=b.room.name) for b in booked
        ]
    return entries


def at_the_clinic(cases: QuerySet[Case]) -> list[Case]:
    """Patients on the ward now (arrived or in treatment), with their latest recorded arrival time (one query)."""
    latest = Arrival.objects.filter(case=OuterRef("pk"), undone__isnull=True).order_by("-recorded_at").values("arrived_at")[:1]
    return list(cases.filter(stage__in=["arrived", "in_treatment"]).annotate(arrived_at=Subquery(latest)).order_by("arrived_at", "code"))
