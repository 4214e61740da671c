"""The ward calendar as an iCalendar feed per staff member: a secret address the person sees, copies, renews and
stops on their account page; valid RFC 5545 (stable UIDs, DTSTAMP, the clinic's zone); only case references and
initials; each role its scope; a forged, renewed or stopped address, or an inactive account's, is 404."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from cellway.accounts.models import CalendarFeed
from cellway.audit.models import AuditEvent
from cellway.cases.models import Patient
from cellway.cases.stages import Stage
from cellway.clinic import clinic_zone
from cellway.travel import services as travel
from cellway.travel.models import Room

pytestmark = pytest.mark.django_db

PAGE = reverse("console:calendar_feed")


def make_feed(client: Client) -> str:
    """Press "Make my feed address" and read the address off the page, as the person does."""
    assert client.post(reverse("console:renew_calendar_feed")).status_code == 302
    page = client.get(PAGE).content.decode()
    return re.search(r'id="feed-url" type="text" readonly value="http://[^/"]+(/ward/feed/[^"]+\.ics)"', page).group(1)  # type: ignore[union-attr]


def events(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def ward(case_at: Any, staff: dict[str, Any]) -> dict[str, Any]:
    here = case_at(Stage.ARRIVED)  # arrived today (a recorded time), first therapy day tomorrow
    coming = case_at(Stage.DEPOSIT_PAID)  # arrives in 21 days, a room booked for its first 3 days
    for case, name in ((here, "Ana María López"), (coming, "Wang Xiaoming")):
        Patient.objects.filter(pk=case.patient_id).update(full_name=name)
        case.patient.refresh_from_db()
    room = Room.objects.create(name="Room 3", capacity=1)
    booking = travel.book_room(
        case=coming, by=staff["lena"], room=room, first_day=coming.arrival_date, last_day=coming.arrival_date + dt.timedelta(days=2)
    )
    return {"here": here, "coming": coming, "booking": booking}


def initials(case: Any) -> str:
    return " ".join(f"{w[0]}." for w in case.patient.full_name.split())


def test_a_nurse_follows_the_wards_arrivals_therapy_days_and_rooms_in_valid_icalendar(
    client: Client, staff: dict[str, Any], ward: dict[str, Any]
) -> None:
    client.force_login(staff["nina"])
    url = make_feed(client)
    client.logout()  # a calendar app has no session

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    assert b"\r\n" in body and all(len(line) <= 75 for line in body.split(b"\r\n"))  # CRLF, folded at 75 octets
    calendar = Calendar.from_ical(body)
    assert (str(calendar["version"]), str(calendar["prodid"])) == ("2.0", "-//Cellway//Ward calendar//EN")
    here, coming, booking = ward["here"], ward["coming"], ward["booking"]
    found = events(body)
    assert initials(here) == "A. M. L."
    assert set(found) == {
        f"Arrival: {here.code} ({initials(here)})",
        f"First therapy day: {here.code} ({initials(here)})",
        f"Arrival: {coming.code} ({initials(coming)})",
        f"First therapy day: {coming.code} ({initials(coming)})",
        f"Room Room 3: {coming.code} ({initials(coming)})",
    }
    for event in found.values():
        assert event["uid"] and event["dtstamp"].dt.tzinfo is not None

    # The recorded arrival at its time in the clinic's zone (with its VTIMEZONE); the rest whole days.
    arrived = found[f"Arrival: {here.code} ({initials(here)})"]
    assert arrived["dtstart"].params["TZID"] == str(clinic_zone()) == "Europe/Belgrade"
    assert [str(z["tzid"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Belgrade"]
    room = found[f"Room Room 3: {coming.code} ({initials(coming)})"]
    assert (room["dtstart"].dt, room["dtend"].dt) == (booking.first_day, booking.last_day + dt.timedelta(days=1))  # end is exclusive
    therapy = found[f"First therapy day: {coming.code} ({initials(coming)})"]
    assert therapy["dtstart"].dt == coming.first_therapy_day and not isinstance(therapy["dtstart"].dt, dt.datetime)
    assert str(therapy["url"]).endswith(f"/cases/{coming.uuid}/")

    # Minimum necessary: no full name, no condition, nothing medical ever leaves in the feed.
    text = body.decode()
    for case in (here, coming):
        assert all(word not in text for word in case.patient.full_name.split())
        assert str(case.condition) not in text
    assert "DESCRIPTION" not in text and "LOCATION" not in text


def test_each_item_keeps_its_uid_from_fetch_to_fetch_and_across_a_new_address(
    client: Client, staff: dict[str, Any], ward: dict[str, Any]
) -> None:
    client.force_login(staff["lena"])
    first = {str(e["uid"]) for e in events(client.get(make_feed(client)).content).values()}
    again = {str(e["uid"]) for e in events(client.get(make_feed(client)).content).values()}
    assert first == again and len(first) == 5
    assert f"room-booking-{ward['booking'].pk}@127.0.0.1" in first
    assert f"arrival-{ward['coming'].uuid}@127.0.0.1" in first


def test_a_specialist_sees_only_their_own_cases_and_no_rooms(client: Client, staff: dict[str, Any], ward: dict[str, Any]) -> None:
    client.force_login(staff["sofia"])  # the demo's specialist of every case
    summaries = set(events(client.get(make_feed(client)).content))
    assert len(summaries) == 4 and not any(s.startswith("Room") for s in summaries)
    client.force_login(staff["daniel"])  # another specialist
    assert events(client.get(make_feed(client)).content) == {}


def test_a_new_address_ends_the_old_and_stopping_ends_it_with_both_on_the_trail(
    client: Client, staff: dict[str, Any], ward: dict[str, Any]
) -> None:
    client.force_login(staff["nina"])
    old = make_feed(client)
    new = make_feed(client)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert client.post(reverse("console:stop_calendar_feed")).status_code == 302
    assert client.get(new).status_code == 404
    assert "You have no feed address." in client.get(PAGE).content.decode()
    actions = list(AuditEvent.objects.filter(actor=staff["nina"], action__startswith="calendar_feed").values_list("action", flat=True))
    assert sorted(actions) == ["calendar_feed.created", "calendar_feed.renewed", "calendar_feed.stopped"]


def test_a_forged_address_is_404(client: Client, staff: dict[str, Any]) -> None:
    client.force_login(staff["nina"])
    real = make_feed(client)
    token = real.removeprefix("/ward/feed/").removesuffix(".ics")
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/ward/feed/{forged}.ics").status_code == 404
    assert client.get("/ward/feed/short.ics").status_code == 404
    assert client.get(f"/ward/feed/{token}.json").status_code == 404


def test_an_inactive_persons_feed_is_404_and_so_is_one_whose_role_has_gone(client: Client, staff: dict[str, Any]) -> None:
    client.force_login(staff["nina"])
    nina = make_feed(client)
    client.force_login(staff["lena"])
    lena = make_feed(client)
    staff["nina"].is_active = False
    staff["nina"].save(update_fields=["is_active"])
    assert client.get(nina).status_code == 404
    staff["lena"].groups.clear()
    assert client.get(lena).status_code == 404


def test_roles_without_a_feed_are_not_offered_one(client: Client, staff: dict[str, Any]) -> None:
    for who in ("fiona", "adam", "outsider"):
        client.force_login(staff[who])
        assert client.get(PAGE).status_code == 403
        assert client.post(reverse("console:renew_calendar_feed")).status_code == 403
        assert "Calendar feed" not in client.get(reverse("account_change_password")).content.decode()
    assert not CalendarFeed.objects.exists()
    client.logout()
    assert client.get(PAGE).status_code == 302  # to the sign-in
    client.force_login(staff["nina"])
    assert f'href="{PAGE}"' in client.get(reverse("account_change_password")).content.decode()
    assert f'href="{PAGE}"' in client.get(reverse("console:ward")).content.decode()


def test_the_feed_costs_the_same_for_one_case_or_many(client: Client, staff: dict[str, Any], case_at: Any) -> None:
    case_at(Stage.ARRIVED)
    client.force_login(staff["nina"])
    url = make_feed(client)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = queries()
    for _ in range(3):
        case_at(Stage.ARRIVED)
    assert queries() == one
