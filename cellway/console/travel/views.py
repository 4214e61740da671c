"""The ward calendar: the week's arrivals, first therapy days and booked rooms, and who is on the ward today."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cellway.accounts.models import User
from cellway.cases.parts import Part
from cellway.cases.selectors import may_read, visible_cases
from cellway.clinic import clinic_today
from cellway.travel import selectors


@login_required
@require_GET
def ward(request: HttpRequest) -> HttpResponse:
    """`?week=YYYY-MM-DD` shows the week holding that day (this week if absent or malformed)."""
    user: User = request.user  # type: ignore[assignment]
    if not user.role_names:
        raise PermissionDenied("The ward calendar is for the clinic's staff.")
    today = clinic_today()
    try:
        asked = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        asked = today
    monday = asked - dt.timedelta(days=asked.weekday())
    cases = visible_cases(user)
    rooms = may_read(user, Part.TRAVEL)
    return render(
        request,
        "console/travel/ward.html",
        {
            "week": selectors.ward_week(cases, monday, rooms=rooms),
            "today": today,
            "on_the_ward": selectors.at_the_clinic(cases),
            "rooms": rooms,
            "previous": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
        },
    )
