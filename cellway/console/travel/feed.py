"""The ward calendar as an iCalendar (RFC 5545) feed, for a staff member's calendar app.

Minimum necessary: a calendar app copies its feeds to its provider's servers (and to every phone and laptop the
person syncs), outside the clinic's control. So an event carries only what finds the day's work: what it is,
the case reference and the patient's initials, and a link to the case page (which asks for a sign-in). Never
the patient's full name, condition, plan or anything medical; no description, no location.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from cellway.accounts.models import User
from cellway.cases.parts import Part
from cellway.cases.selectors import may_read, visible_cases
from cellway.clinic import clinic_zone, public_url
from cellway.travel.selectors import CalendarEntry, ward_calendar

if TYPE_CHECKING:
    from icalendar import Event

DAYS_BEFORE = 30  # a feed holds a month back (calendar apps drop what vanishes from it) ...
DAYS_AFTER = 180  # ... and half a year ahead
WHAT = {"arrival": "Arrival", "therapy": "First therapy day", "room": "Room"}


def initials(full_name: str) -> str:
    """'Ana María López' -> 'A. M. L.'; a name written without spaces (王小明) gives its first character."""
    return " ".join(f"{word[0].upper()}." for word in full_name.split())


def ward_ics(user: User, today: dt.date) -> bytes:
    """The feed of `user`: the ward calendar's items they may see (their scope; rooms only with travel)."""
    from icalendar import Calendar  # only for a feed: 0.1 s that no other page or command should pay

    entries = ward_calendar(
        visible_cases(user),
        today - dt.timedelta(days=DAYS_BEFORE),
        today + dt.timedelta(days=DAYS_AFTER),
        rooms=may_read(user, Part.TRAVEL),
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Cellway//Ward calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Cellway ward")
    calendar.add("x-wr-timezone", settings.CLINIC_TIME_ZONE)
    host = urlsplit(settings.PUBLIC_URL).hostname or "cellway"
    for entry in entries:
        calendar.add_component(_event(entry, host))
    calendar.add_missing_timezones()  # a VTIMEZONE for the clinic's zone when a recorded arrival time uses it
    ics: bytes = calendar.to_ical()
    return ics


def _event(entry: CalendarEntry, host: str) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", f"{entry.uid}@{host}")
    event.add("dtstamp", entry.revised.astimezone(dt.UTC))
    if entry.arrived_at is not None:
        # The time the patient arrived, in the clinic's zone (TZID); it ends as it starts (RFC 5545 3.6.1).
        event.add("dtstart", entry.arrived_at.astimezone(clinic_zone()))
    else:
        event.add("dtstart", entry.first_day)
        event.add("dtend", entry.last_day + dt.timedelta(days=1))  # all-day: the end is the day after
    what = f"Room {entry.room}" if entry.kind == "room" else WHAT[entry.kind]
    event.add("summary", f"{what}: {entry.case.code} ({initials(entry.case.patient.full_name)})")
    event.add("url", public_url(reverse("console:case", kwargs={"uuid": entry.case.uuid})))
    event.add("transp", "TRANSPARENT")  # the ward's days, not the person's own busy time
    return event
