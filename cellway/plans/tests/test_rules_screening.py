"""Rule 5 through the services: recording and judging cancer-marker screening, and what a verdict does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cellway.audit.signatures import Signature
from cellway.billing import services as billing
from cellway.billing.models import Payment
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.months import months_before
from cellway.plans import services as plans
from cellway.plans.models import ScreeningResult, Verdict
from cellway.plans.screening_rule import earliest_sample_date
from cellway.travel import services as travel
from cellway.travel.models import LogisticsTask

MARKERS = "CEA 1.1 ng/mL; CA 15-3 12 U/mL"


def written(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    results = tuple(ScreeningResult.objects.filter(case=case).order_by("pk").values_list("verdict", "signature"))
    return fresh.stage, fresh.version, fresh.events.count(), fresh.end_reason, results, Signature.objects.count()


def freeze_clinic_day(monkeypatch, day: dt.date) -> None:
    """Make it mid-morning of `day` in the clinic (Belgrade is UTC+1 or +2; 10:00 UTC is the same day)."""
    moment = dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=dt.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)


@pytest.fixture
def accepted(case_at):
    return case_at(Stage.ACCEPTED)


def record(case, staff, sample_date, **kw) -> ScreeningResult:
    return plans.record_screening(case=case, by=staff["carla"], sample_date=sample_date, markers=MARKERS, **kw)


def judge(result, staff, password, verdict=Verdict.SATISFACTORY, reason="All markers within range", who="sofia"):
    return plans.judge_screening(result=result, by=staff[who], verdict=verdict, reason=reason, password=password)


# --- Recording ----------------------------------------------------------------------------------


def test_a_recorded_result_waits_for_a_specialists_verdict(accepted, staff):
    result = record(accepted, staff, clinic_today() - dt.timedelta(days=5), laboratory="Lab Lisboa")

    assert (result.verdict, result.recorded_by, result.laboratory) == (Verdict.PENDING, staff["carla"], "Lab Lisboa")
    assert Case.objects.get(pk=accepted.pk).stage == Stage.ACCEPTED
    assert accepted.events.first().kind == "screening"


@pytest.mark.parametrize(("days", "markers", "message"), [
    (-1, MARKERS, "The sample date is in the future."),
    (5, "  ", "Write the markers and values as the laboratory reported them."),
])
def test_a_result_sampled_in_the_future_or_without_markers_is_refused(accepted, staff, days, markers, message):
    before = written(accepted)

    with pytest.raises(Refusal) as refused:
        plans.record_screening(case=accepted, by=staff["carla"], sample_date=clinic_today() - dt.timedelta(days=days),
                               markers=markers)

    assert refused.value.message == message
    assert written(accepted) == before


def test_finance_cannot_record_a_screening_result(accepted, staff):
    before = written(accepted)

    with pytest.raises(NotAllowed) as refused:
        plans.record_screening(case=accepted, by=staff["fiona"], sample_date=clinic_today(), markers=MARKERS)

    assert refused.value.message == "Your role does not allow you to record screening results."
    assert written(accepted) == before


def test_a_result_cannot_be_recorded_before_the_quote_is_accepted(case_at, staff):
    case = case_at(Stage.QUOTED)
    before = written(case)

    with pytest.raises(StageConflict) as refused:
        record(case, staff, clinic_today())

    assert refused.value.message.startswith(f"Cannot record a screening result: {case.code} is now 'Quote proposed'")
    assert written(case) == before


def test_a_new_result_for_a_cleared_case_sends_it_back_to_await_a_verdict(case_at, staff):
    case = case_at(Stage.CLEARED)

    record(case, staff, clinic_today())

    assert Case.objects.get(pk=case.pk).stage == Stage.ACCEPTED


# --- Judging --------------------------------------------------------------------------------------


def test_a_satisfactory_verdict_is_signed_and_clears_the_case(accepted, staff, password):
    result = record(accepted, staff, clinic_today() - dt.timedelta(days=5))

    judged = judge(result, staff, password)

    assert (judged.verdict, judged.judged_by, judged.verdict_reason) == (Verdict.SATISFACTORY, staff["sofia"], "All markers within range")
    assert (judged.signature.signer, judged.signature.meaning) == (staff["sofia"], "screening judged satisfactory")
    assert Case.objects.get(pk=accepted.pk).stage == Stage.CLEARED


def test_an_unsatisfactory_verdict_refuses_the_case_with_its_reason_and_nothing_can_be_arranged_or_charged(
    accepted, staff, password
):
    result = record(accepted, staff, clinic_today() - dt.timedelta(days=5))

    judge(result, staff, password, verdict=Verdict.UNSATISFACTORY, reason="CEA 14 ng/mL, well above range")

    case = Case.objects.get(pk=accepted.pk)
    assert (case.stage, case.end_reason) == (Stage.REFUSED, "CEA 14 ng/mL, well above range")
    event = case.events.first()
    assert (event.to_stage, event.reason) == ("refused", "CEA 14 ng/mL, well above range")
    day = clinic_today() + dt.timedelta(days=14)
    with pytest.raises(StageConflict):
        travel.schedule_case(case=case, by=staff["lena"], arrival_date=day, first_therapy_day=day)
    with pytest.raises(StageConflict):
        billing.record_payment(case=case, by=staff["fiona"], amount=Decimal("100.00"), method="transfer",
                               reference="DEP-1", received_on=clinic_today())
    assert not LogisticsTask.objects.filter(case=case).exists()
    assert not Payment.objects.filter(case=case).exists()


def test_an_unsatisfactory_verdict_without_a_reason_is_refused(accepted, staff, password):
    result = record(accepted, staff, clinic_today())
    before = written(accepted)

    with pytest.raises(Refusal) as refused:
        judge(result, staff, password, verdict=Verdict.UNSATISFACTORY, reason=" ")

    assert refused.value.message == "An unsatisfactory verdict refuses the case: give the reason."
    assert written(accepted) == before


def test_a_verdict_is_satisfactory_or_unsatisfactory(accepted, staff, password):
    result = record(accepted, staff, clinic_today())
    before = written(accepted)

    with pytest.raises(Refusal) as refused:
        judge(result, staff, password, verdict=Verdict.PENDING)

    assert refused.value.message == "The verdict is satisfactory or unsatisfactory."
    assert written(accepted) == before


def test_only_the_assigned_specialist_judges_the_screening(accepted, staff, password):
    result = record(accepted, staff, clinic_today())
    before = written(accepted)

    with pytest.raises(NotAllowed) as refused:
        judge(result, staff, password, who="daniel")
    assert refused.value.message == f"Only the specialist assigned to {accepted.code} may judge its screening."
    with pytest.raises(NotAllowed) as refused:
        judge(result, staff, password, who="liam")
    assert refused.value.message == "Your role does not allow you to judge screening results."
    assert written(accepted) == before


def test_a_wrong_password_judges_and_signs_nothing(accepted, staff):
    result = record(accepted, staff, clinic_today())
    before = written(accepted)

    with pytest.raises(Refusal) as refused:
        judge(result, staff, "wrong", verdict=Verdict.UNSATISFACTORY, reason="CEA high")

    assert refused.value.message == "The password is not correct; nothing was signed."
    assert written(accepted) == before


def test_a_result_cannot_be_judged_twice(accepted, staff, password):
    result = record(accepted, staff, clinic_today())
    judge(result, staff, password)
    before = written(accepted)

    with pytest.raises(StageConflict) as refused:
        judge(result, staff, password, verdict=Verdict.UNSATISFACTORY, reason="Changed my mind")

    assert refused.value.message.startswith(f"Cannot judge the screening: {accepted.code} is now 'Screening cleared'")
    assert written(accepted) == before


# --- The 3-month window, at its edges --------------------------------------------------------


def cleared_with_sample(accepted, staff, password, sample_date) -> Case:
    judge(record(accepted, staff, sample_date), staff, password)
    return Case.objects.get(pk=accepted.pk)


def test_a_sample_exactly_three_months_before_the_first_therapy_day_lets_the_case_be_scheduled(accepted, staff, password):
    first_day = clinic_today() + dt.timedelta(days=14)
    case = cleared_with_sample(accepted, staff, password, earliest_sample_date(first_day, 3))

    travel.schedule_case(case=case, by=staff["lena"], arrival_date=first_day, first_therapy_day=first_day)

    assert Case.objects.get(pk=case.pk).stage == Stage.SCHEDULED


def test_a_sample_one_day_older_does_not_count_and_the_case_cannot_be_scheduled(accepted, staff, password):
    first_day = clinic_today() + dt.timedelta(days=14)
    case = cleared_with_sample(accepted, staff, password, earliest_sample_date(first_day, 3) - dt.timedelta(days=1))
    before = written(case)

    with pytest.raises(Refusal) as refused:
        travel.schedule_case(case=case, by=staff["lena"], arrival_date=first_day, first_therapy_day=first_day)

    assert refused.value.message == (f"No satisfactory screening counts for a first therapy day of {first_day:%d %b %Y}; "
                                     "record a newer screening first.")
    assert written(case) == before
    assert Case.objects.get(pk=case.pk).first_therapy_day is None


@pytest.mark.parametrize(("sample", "counts"), [(dt.date(2027, 2, 28), True), (dt.date(2027, 2, 27), False)])
def test_three_months_before_the_31st_of_may_is_the_28th_of_february(accepted, staff, password, monkeypatch, sample, counts):
    freeze_clinic_day(monkeypatch, dt.date(2027, 5, 20))
    case = cleared_with_sample(accepted, staff, password, sample)

    if counts:
        travel.schedule_case(case=case, by=staff["lena"], arrival_date=dt.date(2027, 5, 30), first_therapy_day=dt.date(2027, 5, 31))
        assert Case.objects.get(pk=case.pk).stage == Stage.SCHEDULED
    else:
        with pytest.raises(Refusal, match="No satisfactory screening counts for a first therapy day of 31 May 2027"):
            travel.schedule_case(case=case, by=staff["lena"], arrival_date=dt.date(2027, 5, 30), first_therapy_day=dt.date(2027, 5, 31))
        assert Case.objects.get(pk=case.pk).stage == Stage.CLEARED


def test_once_the_first_therapy_day_is_known_a_result_too_old_for_it_is_refused_when_recorded(case_at, staff):
    case = case_at(Stage.SCHEDULED)
    # Three months from today: the walker's sample of 10 days ago no longer counts, a sample of today would.
    first_day = months_before(clinic_today(), -3)
    travel.schedule_case(case=case, by=staff["lena"], arrival_date=first_day, first_therapy_day=first_day, reason="Patient's job")
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.ACCEPTED
    too_old = earliest_sample_date(first_day, 3) - dt.timedelta(days=1)
    before = written(case)

    with pytest.raises(Refusal) as refused:
        record(case, staff, too_old)

    earliest = earliest_sample_date(first_day, 3)
    assert refused.value.message == (
        f"A screening sampled on {too_old:%d %b %Y} does not count for a first therapy day of {first_day:%d %b %Y}: "
        f"the sample must be taken on or after {earliest:%d %b %Y} (at most 3 months before).")
    assert written(case) == before


@pytest.mark.parametrize("stage", [Stage.ACCEPTED, Stage.CLEARED, Stage.SCHEDULED, Stage.ARRIVED])
def test_the_case_pages_screening_status_is_the_queues(case_at, stage):
    """`documents_of` (from the results the page already read) says what `documents_for` (the queue's) says."""
    from cellway.plans import selectors

    case = case_at(stage)
    assert selectors.documents_of(case, selectors.screenings(case)) == selectors.documents_for([case])[case.pk]
