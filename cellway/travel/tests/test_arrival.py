"""Arrival as it happens: the real date and time, an early arrival moves the dates with a reason, a mistake is undone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today, clinic_zone
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.travel import services as travel
from cellway.travel.models import Arrival, ArrivalUndone, TaskStatus


def written(case):
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.stage,
        fresh.version,
        fresh.arrival_date,
        fresh.first_therapy_day,
        fresh.events.count(),
        Arrival.objects.count(),
        ArrivalUndone.objects.count(),
        sorted(fresh.logistics_tasks.values_list("status", flat=True)),
    )


@pytest.fixture
def expected(case_at):
    """Paid in full and booked; planned to arrive in 21 days, first therapy day the day after."""
    return case_at(Stage.PAID)


def clinic_time(day, hour=9):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)), clinic_zone())


def test_an_arrival_on_the_planned_day_is_recorded_with_its_time(case_at, staff):
    case = case_at(Stage.PAID, arrival=clinic_today())
    now = timezone.now().replace(microsecond=0)

    travel.mark_arrived(case=case, by=staff["lena"], arrived_at=now)

    arrival = Arrival.objects.get(case=case)
    assert (arrival.arrived_at, arrival.planned_on, arrival.recorded_by) == (now, clinic_today(), staff["lena"])
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.stage, fresh.arrival_date) == (Stage.ARRIVED, clinic_today())
    assert fresh.events.first().summary == f"Patient arrived {timezone.localtime(now, clinic_zone()):%d %b %Y %H:%M}"


def test_an_early_arrival_needs_the_reason_then_moves_the_arrival_date_and_reopens_the_bookings(expected, staff):
    planned = expected.arrival_date
    first_day = expected.first_therapy_day
    assert TaskStatus.CONFIRMED in expected.logistics_tasks.values_list("status", flat=True)
    before = written(expected)
    with pytest.raises(Refusal) as refused:
        travel.mark_arrived(case=expected, by=staff["lena"])
    assert (
        refused.value.message
        == f"{clinic_today():%d %b %Y} is before the planned arrival ({planned:%d %b %Y}): say why, and the dates move."
    )
    assert written(expected) == before

    travel.mark_arrived(case=expected, by=staff["lena"], reason="Came early to rest before treatment")

    fresh = Case.objects.get(pk=expected.pk)
    assert (fresh.stage, fresh.arrival_date, fresh.first_therapy_day) == (Stage.ARRIVED, clinic_today(), first_day)
    assert set(fresh.logistics_tasks.values_list("status", flat=True)) == {TaskStatus.PENDING}
    stage_event = fresh.events.filter(to_stage=Stage.ARRIVED).get()
    assert f"(early: arrival {planned:%d %b %Y} → {clinic_today():%d %b %Y})" in stage_event.summary
    assert stage_event.reason == "Came early to rest before treatment"


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (dt.timedelta(hours=2), "An arrival is recorded as it happens: "),
        (dt.timedelta(days=-15), "is more than 14 days ago: check the date."),
    ],
)
def test_an_arrival_still_to_come_or_long_ago_is_refused_and_nothing_written(case_at, staff, when, message):
    case = case_at(Stage.PAID, arrival=clinic_today())
    before = written(case)

    with pytest.raises(Refusal) as refused:
        travel.mark_arrived(case=case, by=staff["lena"], arrived_at=timezone.now() + when, reason="Typed")

    assert message in refused.value.message
    assert written(case) == before


def test_a_mistaken_arrival_is_undone_with_the_reason_and_the_planned_dates_come_back(expected, staff):
    planned = expected.arrival_date
    travel.mark_arrived(case=expected, by=staff["lena"], reason="Clicked the wrong patient")
    before = written(expected)
    with pytest.raises(Refusal) as refused:
        travel.undo_arrival(case=expected, by=staff["lena"], reason="  ")
    assert refused.value.message == "Say why the arrival is undone."
    assert written(expected) == before

    travel.undo_arrival(case=expected, by=staff["lena"], reason="Wrong patient: Ana is still at home")

    fresh = Case.objects.get(pk=expected.pk)
    assert (fresh.stage, fresh.arrival_date) == (Stage.PAID, planned)
    event = fresh.events.first()
    assert (event.summary, event.reason) == (f"Arrival undone (planned arrival {planned:%d %b %Y})", "Wrong patient: Ana is still at home")
    assert ArrivalUndone.objects.get().arrival.case == expected
    with pytest.raises(StageConflict):
        travel.undo_arrival(case=expected, by=staff["lena"], reason="Again")


def test_an_arrival_is_not_undone_once_a_session_was_given(case_at, staff):
    case = case_at(Stage.IN_TREATMENT)
    with pytest.raises(StageConflict):
        travel.undo_arrival(case=case, by=staff["lena"], reason="Oops")
    with pytest.raises(NotAllowed):
        travel.undo_arrival(case=case_at(Stage.ARRIVED), by=staff["nina"], reason="Oops")


def test_a_late_arrival_moves_a_first_therapy_day_it_passed(case_at, staff):
    case = case_at(Stage.PAID, arrival=clinic_today())
    Case.objects.filter(pk=case.pk).update(
        arrival_date=clinic_today() - dt.timedelta(days=3), first_therapy_day=clinic_today() - dt.timedelta(days=2)
    )

    travel.mark_arrived(case=case, by=staff["lena"], arrived_at=clinic_time(clinic_today() - dt.timedelta(days=1)))

    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.arrival_date, fresh.first_therapy_day) == (clinic_today() - dt.timedelta(days=1),) * 2


def test_logistics_records_the_arrival_time_in_clinic_time_and_undoes_it_on_the_case_page(as_user, case_at, staff):
    case = case_at(Stage.PAID, arrival=clinic_today())
    client = as_user("lena")
    typed = timezone.localtime(timezone.now(), clinic_zone()).replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    url = reverse("console:act-arrived", kwargs={"uuid": case.uuid})

    future = client.post(url, {"arrived_at": (typed + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")})
    assert future.status_code == 422 and "An arrival is recorded as it happens" in future.content.decode()

    assert client.post(url, {"arrived_at": typed.strftime("%Y-%m-%dT%H:%M")}).status_code == 302
    assert Arrival.objects.get(case=case).arrived_at == typed

    undo = reverse("console:act-arrival-undo", kwargs={"uuid": case.uuid})
    assert client.post(undo, {"reason": "Wrong patient"}).status_code == 302
    assert Case.objects.get(pk=case.pk).stage == Stage.PAID
