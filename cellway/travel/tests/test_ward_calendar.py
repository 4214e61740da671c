"""The ward calendar: the week's arrivals, first therapy days and rooms; who is on the ward today; each role its part."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.travel import services as travel
from cellway.travel.models import Room

URL = reverse("console:ward")


def test_the_week_shows_arrivals_first_therapy_days_and_rooms_and_today_who_is_on_the_ward(as_user, case_at, staff):
    here = case_at(Stage.ARRIVED)  # arrived today, first therapy day tomorrow
    coming = case_at(Stage.DEPOSIT_PAID)  # arrives in 21 days
    room = Room.objects.create(name="Room 3", capacity=1)
    travel.book_room(case=coming, by=staff["lena"], room=room, first_day=coming.arrival_date, last_day=coming.arrival_date)

    page = as_user("nina").get(URL).content.decode()
    today = page[page.index('id="today"'):page.index('id="week"')]
    assert here.code in today and coming.code not in today
    week = page[page.index('id="week"'):]
    assert here.code in week and "Rooms" in week

    later = as_user("nina").get(URL, {"week": coming.arrival_date.isoformat()}).content.decode()
    assert f'Room 3: <a href="/cases/{coming.uuid}/">{coming.code}</a>' in later


def test_finance_sees_the_dates_but_not_the_rooms_and_an_outsider_nothing(as_user, case_at, staff):
    case_at(Stage.ARRIVED)
    page = as_user("fiona").get(URL).content.decode()
    assert "Week of" in page and "<th>Rooms</th>" not in page
    assert as_user("outsider").get(URL).status_code == 403


def test_a_malformed_week_shows_this_week_and_the_page_costs_the_same_for_more_patients(as_user, case_at, staff):
    client = as_user("nina")
    case_at(Stage.ARRIVED)
    assert client.get(URL, {"week": "2026-13-45"}).status_code == 200
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for _ in range(3):
        case_at(Stage.ARRIVED)
    with CaptureQueriesContext(connection) as four:
        assert f"{clinic_today() - dt.timedelta(days=clinic_today().weekday()):%d %b %Y}" in client.get(URL).content.decode()
    assert len(four.captured_queries) == len(one.captured_queries)
