"""What logistics tells billing when a case ends: hospital room days already used are spent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cellway.billing.cancellation import Incurred
from cellway.cases.models import Case
from cellway.travel.models import RoomBooking


def used_room_days(case: Case, ended_on: dt.date) -> list[Incurred]:
    """The room's days booked for the case up to and including the day it ended."""
    used = 0
    for booking in RoomBooking.objects.filter(case=case, first_day__lte=ended_on):
        used += (min(booking.last_day, ended_on) - booking.first_day).days + 1
    if not used:
        return []
    return [Incurred("room", f"{used} hospital room day{'s' if used != 1 else ''} used", Decimal(used))]
