"""Hospital rooms as resources with a capacity: a booking past it is refused, with the day and who holds the room."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.travel import services as travel
from cellway.travel.models import Room, RoomBooking


def days(n):
    return clinic_today() + dt.timedelta(days=n)


def written(case):
    fresh = Case.objects.get(pk=case.pk)
    return fresh.version, fresh.events.count(), RoomBooking.objects.count()


@pytest.fixture
def single(db):
    return Room.objects.create(name="Room 3", capacity=1)


def test_a_room_is_booked_for_the_days_given_and_the_booking_is_on_the_trail(case_at, staff, single):
    case = case_at(Stage.DEPOSIT_PAID)

    booking = travel.book_room(case=case, by=staff["lena"], room=single, first_day=days(22), last_day=days(23))

    assert (booking.room, booking.booked_by) == (single, staff["lena"])
    assert case.events.first().summary == f"Room 3 booked from {days(22):%d %b %Y} to {days(23):%d %b %Y}"


def test_a_double_booking_is_refused_with_the_full_day_and_nothing_written(case_at, staff, single):
    first, second = case_at(Stage.DEPOSIT_PAID), case_at(Stage.DEPOSIT_PAID)
    travel.book_room(case=first, by=staff["lena"], room=single, first_day=days(22), last_day=days(24))
    before = written(second)

    with pytest.raises(Refusal) as refused:
        travel.book_room(case=second, by=staff["lena"], room=single, first_day=days(24), last_day=days(26))

    assert refused.value.message == f"Room 3 is full on {days(24):%d %b %Y} (it holds 1: {first.code})."
    assert written(second) == before
    # The day after is free.
    travel.book_room(case=second, by=staff["lena"], room=single, first_day=days(25), last_day=days(26))


def test_a_room_for_two_takes_two_and_refuses_the_third(case_at, staff):
    double = Room.objects.create(name="Room 5", capacity=2)
    a, b, c = (case_at(Stage.DEPOSIT_PAID) for _ in range(3))
    for case in (a, b):
        travel.book_room(case=case, by=staff["lena"], room=double, first_day=days(22), last_day=days(22))
    with pytest.raises(Refusal) as refused:
        travel.book_room(case=c, by=staff["lena"], room=double, first_day=days(22), last_day=days(22))
    assert f"it holds 2: {a.code}, {b.code}" in refused.value.message or f"it holds 2: {b.code}, {a.code}" in refused.value.message


@pytest.mark.parametrize(("first", "last", "message"), [
    (3, 2, "The last day is before the first."),
    (-1, 2, "A room is not booked for days gone by."),
    (1, 70, "A booking longer than 60 days: check the dates."),
])
def test_bad_dates_are_refused(case_at, staff, single, first, last, message):
    case = case_at(Stage.DEPOSIT_PAID)
    before = written(case)
    with pytest.raises(Refusal) as refused:
        travel.book_room(case=case, by=staff["lena"], room=single, first_day=days(first), last_day=days(last))
    assert refused.value.message == message
    assert written(case) == before


def test_a_case_holds_one_room_at_a_time_and_only_logistics_books_after_the_deposit(case_at, staff, single):
    other = Room.objects.create(name="Room 4", capacity=1)
    case = case_at(Stage.DEPOSIT_PAID)
    travel.book_room(case=case, by=staff["lena"], room=single, first_day=days(22), last_day=days(23))
    with pytest.raises(StageConflict):
        travel.book_room(case=case, by=staff["lena"], room=other, first_day=days(23), last_day=days(24))
    with pytest.raises(NotAllowed):
        travel.book_room(case=case, by=staff["nina"], room=other, first_day=days(25), last_day=days(25))
    with pytest.raises(StageConflict):
        travel.book_room(case=case_at(Stage.SCHEDULED), by=staff["lena"], room=other, first_day=days(22), last_day=days(22))


def test_logistics_books_on_the_case_page_and_a_full_room_comes_back_with_the_reason(as_user, case_at, staff, single):
    first, second = case_at(Stage.DEPOSIT_PAID), case_at(Stage.DEPOSIT_PAID)
    travel.book_room(case=first, by=staff["lena"], room=single, first_day=days(22), last_day=days(22))
    client = as_user("lena")
    url = reverse("console:act-room-book", kwargs={"uuid": second.uuid})
    data = {"room": single.pk, "first_day": days(22).isoformat(), "last_day": days(22).isoformat()}

    refused = client.post(url, data)
    assert refused.status_code == 422 and "Room 3 is full on" in refused.content.decode()
    assert client.post(url, {**data, "first_day": days(23).isoformat(), "last_day": days(23).isoformat()}).status_code == 302
    page = client.get(reverse("console:case", args=[second.uuid])).content.decode()
    assert "Room 3" in page and f"{days(23):%d %b %Y}" in page
