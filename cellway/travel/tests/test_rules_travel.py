"""Scheduling (rule 5 re-checked when dates move), logistics gated by the deposit (rule 6), arrival."""

from __future__ import annotations

import datetime as dt

import pytest

from cellway.billing import selectors as billing_selectors
from cellway.billing import services as billing
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.journey import bank_proof
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.plans import services as plans
from cellway.plans.screening_rule import months_before
from cellway.travel import services as travel
from cellway.travel.models import LogisticsTask, TaskKind, TaskStatus


def written(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    tasks = tuple(LogisticsTask.objects.filter(case=case).order_by("kind").values_list("kind", "status"))
    return fresh.stage, fresh.version, fresh.events.count(), fresh.arrival_date, fresh.first_therapy_day, tasks


def in_days(n: int) -> dt.date:
    return clinic_today() + dt.timedelta(days=n)


def schedule(case, staff, arrival, first_day, reason="", who="lena"):
    return travel.schedule_case(case=case, by=staff[who], arrival_date=arrival, first_therapy_day=first_day, reason=reason)


@pytest.fixture
def cleared(case_at):
    return case_at(Stage.CLEARED)


# --- Scheduling -----------------------------------------------------------------------------------


def test_scheduling_sets_the_dates_and_opens_the_inclusive_logistics_tasks(cleared, staff):
    schedule(cleared, staff, in_days(20), in_days(21))

    case = Case.objects.get(pk=cleared.pk)
    assert (case.stage, case.arrival_date, case.first_therapy_day) == (Stage.SCHEDULED, in_days(20), in_days(21))
    assert sorted(LogisticsTask.objects.filter(case=case).values_list("kind", "status")) == sorted(
        (kind.value, TaskStatus.PENDING) for kind in TaskKind
    )
    assert f"deposit due {in_days(13):%d %b %Y}, balance due {in_days(20):%d %b %Y}" in case.events.first().summary


def test_an_essential_case_gets_no_airport_transfer_or_accommodation_task(case_at, staff, password):
    case = case_at(Stage.QUOTED)
    plans.revise_plan(case=case, by=staff["sofia"], reason="Patient has family nearby")
    from cellway.demo.journey import PLAN, walk

    plan = plans.save_plan(case=case, by=staff["sofia"], **{**PLAN, "package_tier": "essential"})
    plans.sign_plan(plan=plan, by=staff["sofia"], password=password)
    case = walk(case, Stage.SCHEDULED, staff)

    assert sorted(LogisticsTask.objects.filter(case=case).values_list("kind", flat=True)) == ["hospital_room", "session_transport"]


@pytest.mark.parametrize(
    ("arrival", "first_day", "message"),
    [
        (-1, 1, "The arrival date is in the past."),
        (10, 9, "The first therapy day cannot be before arrival."),
        (10, 25, "The first therapy day is more than 14 days after arrival; check the dates."),
    ],
)
def test_dates_that_do_not_make_sense_are_refused(cleared, staff, arrival, first_day, message):
    before = written(cleared)

    with pytest.raises(Refusal) as refused:
        schedule(cleared, staff, in_days(arrival), in_days(first_day))

    assert refused.value.message == message
    assert written(cleared) == before


def test_finance_cannot_schedule_a_case(cleared, staff):
    before = written(cleared)

    with pytest.raises(NotAllowed) as refused:
        schedule(cleared, staff, in_days(20), in_days(21), who="fiona")

    assert refused.value.message == "Your role does not allow you to schedule cases."
    assert written(cleared) == before


def test_a_case_awaiting_its_screening_verdict_cannot_be_scheduled(case_at, staff):
    case = case_at(Stage.ACCEPTED)
    before = written(case)

    with pytest.raises(StageConflict) as refused:
        schedule(case, staff, in_days(20), in_days(21))

    assert refused.value.message.startswith(f"Cannot schedule this case: {case.code} is now 'Awaiting screening'")
    assert written(case) == before


# --- Moving the dates (rule 5 again) --------------------------------------------------------------


@pytest.fixture
def scheduled(case_at):
    """Scheduled in 21 days, on a screening sampled 10 days ago."""
    return case_at(Stage.SCHEDULED)


def test_moving_the_dates_needs_a_reason(scheduled, staff):
    before = written(scheduled)

    with pytest.raises(Refusal) as refused:
        schedule(scheduled, staff, in_days(30), in_days(31))

    assert refused.value.message == "Say why the dates move."
    assert written(scheduled) == before


def test_moved_dates_the_screening_still_covers_keep_the_case_scheduled(scheduled, staff):
    schedule(scheduled, staff, in_days(30), in_days(31), reason="Flight changed")

    case = Case.objects.get(pk=scheduled.pk)
    assert (case.stage, case.first_therapy_day) == (Stage.SCHEDULED, in_days(31))
    event = case.events.first()
    assert (event.kind, event.reason, event.data["previous"]) == ("scheduled", "Flight changed", [str(in_days(21)), str(in_days(22))])


def test_moved_dates_the_screening_no_longer_covers_send_the_case_back_to_screening(scheduled, staff):
    first_day = months_before(clinic_today(), -3)

    schedule(scheduled, staff, first_day, first_day, reason="Patient's surgery")

    case = Case.objects.get(pk=scheduled.pk)
    assert (case.stage, case.first_therapy_day) == (Stage.ACCEPTED, first_day)
    event = case.events.first()
    assert (event.from_stage, event.to_stage, event.reason) == ("scheduled", "accepted", "Patient's surgery")
    assert "the screening no longer counts: back to screening" in event.summary


def test_a_case_sent_back_to_screening_after_its_deposit_can_be_scheduled_again_and_keeps_what_was_paid(case_at, staff, password):
    case = case_at(Stage.DEPOSIT_PAID)
    first_day = months_before(clinic_today(), -3)
    schedule(case, staff, first_day, first_day, reason="Patient's surgery")
    result = plans.record_screening(case=case, by=staff["carla"], sample_date=clinic_today(), markers="CEA 1.0 ng/mL")
    plans.judge_screening(result=result, by=staff["sofia"], verdict="satisfactory", reason="Within range", password=password)

    schedule(case, staff, first_day, first_day)

    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.DEPOSIT_PAID
    assert billing_selectors.account(case).deposit_paid
    assert LogisticsTask.objects.filter(case=case).count() == len(TaskKind)


def test_a_case_paid_in_full_and_sent_back_to_screening_is_paid_again_once_rescheduled_and_can_arrive(case_at, staff, password):
    case = case_at(Stage.PAID)
    first_day = months_before(clinic_today(), -3)
    schedule(case, staff, first_day, first_day, reason="Patient's surgery")
    result = plans.record_screening(case=case, by=staff["carla"], sample_date=clinic_today(), markers="CEA 1.0 ng/mL")
    plans.judge_screening(result=result, by=staff["sofia"], verdict="satisfactory", reason="Within range", password=password)

    schedule(case, staff, first_day, first_day)
    travel.mark_arrived(case=case, by=staff["lena"], reason="Came early")

    assert Case.objects.get(pk=case.pk).stage == Stage.ARRIVED


# --- Logistics (rule 6) ----------------------------------------------------------------------------


def test_logistics_cannot_be_confirmed_before_the_deposit_is_paid(scheduled, staff):
    task = LogisticsTask.objects.get(case=scheduled, kind=TaskKind.ACCOMMODATION)
    before = written(scheduled)

    with pytest.raises(Refusal) as refused:
        travel.confirm_task(task=task, by=staff["lena"], details="Hotel Moskva, 8 nights")

    assert refused.value.message == "Accommodation can be confirmed only once the deposit is paid."
    assert written(scheduled) == before


def test_once_the_deposit_is_paid_logistics_confirms_each_task_once(case_at, staff):
    case = case_at(Stage.SCHEDULED)
    quote = billing_selectors.accepted_quote(case)
    billing.record_payment(
        case=case, by=staff["fiona"], amount=quote.deposit, method="transfer", reference="D-1", received_on=clinic_today(),
        proof=bank_proof("D-1"),
    )
    task = LogisticsTask.objects.get(case=case, kind=TaskKind.AIRPORT_TRANSFER)

    travel.confirm_task(task=task, by=staff["lena"], details="Driver Marko, flight JU 351")

    task.refresh_from_db()
    assert (task.status, task.confirmed_by, task.details) == (TaskStatus.CONFIRMED, staff["lena"], "Driver Marko, flight JU 351")
    assert case.events.first().kind == "logistics"
    before = written(case)
    with pytest.raises(StageConflict) as refused:
        travel.confirm_task(task=task, by=staff["lena"], details="Again")
    assert refused.value.message == f"Airport transfer was already confirmed by {staff['lena']}."
    assert written(case) == before


def test_confirming_logistics_needs_the_role_and_what_was_arranged(case_at, staff):
    case = case_at(Stage.DEPOSIT_PAID)
    task = LogisticsTask.objects.filter(case=case).first()
    before = written(case)

    with pytest.raises(NotAllowed) as refused:
        travel.confirm_task(task=task, by=staff["carla"], details="Booked")
    assert refused.value.message == "Your role does not allow you to confirm logistics."
    with pytest.raises(Refusal) as refused:
        travel.confirm_task(task=task, by=staff["lena"], details=" ")
    assert refused.value.message == "Write what was arranged (driver, hotel, room...)."
    assert written(case) == before


# --- Arrival ---------------------------------------------------------------------------------------


def test_a_patient_whose_deposit_is_paid_can_arrive_with_the_balance_still_open(case_at, staff):
    case = case_at(Stage.DEPOSIT_PAID)

    travel.mark_arrived(case=case, by=staff["lena"], reason="Came early")

    assert Case.objects.get(pk=case.pk).stage == Stage.ARRIVED


def test_arrival_is_refused_before_the_deposit_and_to_other_roles(scheduled, staff):
    before = written(scheduled)

    with pytest.raises(StageConflict) as refused:
        travel.mark_arrived(case=scheduled, by=staff["lena"], reason="Came early")
    assert refused.value.message.startswith(f"Cannot record the arrival: {scheduled.code} is now 'Scheduled'")
    with pytest.raises(NotAllowed) as refused:
        travel.mark_arrived(case=scheduled, by=staff["nina"])
    assert refused.value.message == "Your role does not allow you to record arrivals."
    assert written(scheduled) == before


def test_moving_the_dates_reopens_bookings_made_for_the_old_ones(case_at, staff):
    case = case_at(Stage.DEPOSIT_PAID, arrival=clinic_today() + dt.timedelta(days=20))
    assert not case.logistics_tasks.exclude(status=TaskStatus.CONFIRMED).exists()
    new_arrival = clinic_today() + dt.timedelta(days=25)
    travel.schedule_case(
        case=case, by=staff["lena"], arrival_date=new_arrival, first_therapy_day=new_arrival + dt.timedelta(days=1), reason="Flight changed"
    )
    assert not case.logistics_tasks.filter(status=TaskStatus.CONFIRMED).exists()
    assert case.events.filter(kind="logistics", summary__startswith="Dates moved: to confirm again").exists()
