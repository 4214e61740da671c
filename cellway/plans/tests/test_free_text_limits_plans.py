"""Screening markers, verdict reasons and the plan's schedule are bounded; over-long text writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cellway import limits
from cellway.audit.signatures import Signature
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import Refusal
from cellway.plans import services as plans
from cellway.plans.models import ScreeningResult, TherapyPlan


def written(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    screenings = tuple(ScreeningResult.objects.filter(case=case).values_list("verdict", "markers"))
    plan_rows = tuple(TherapyPlan.objects.filter(case=case).values_list("version", "status", "schedule", "notes"))
    return fresh.stage, fresh.version, fresh.events.count(), screenings, plan_rows, Signature.objects.count()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"markers": "m" * (limits.MARKERS + 1)}, "The list of markers is too long: 4,001 characters, at most 4,000."),
        ({"laboratory": "L" * (limits.NAME + 1)}, "The laboratory's name is too long: 201 characters, at most 200."),
    ],
)
def test_screening_text_that_does_not_fit_is_refused_and_no_result_is_written(case_at, staff, changes, message):
    case = case_at(Stage.ACCEPTED)
    before = written(case)

    with pytest.raises(Refusal) as refused:
        plans.record_screening(case=case, by=staff["carla"], sample_date=clinic_today(), **({"markers": "CEA 1.1"} | changes))

    assert refused.value.message == message
    assert written(case) == before


def test_an_over_long_verdict_reason_is_refused_and_nothing_is_signed(case_at, staff, password):
    case = case_at(Stage.ACCEPTED)
    result = plans.record_screening(case=case, by=staff["carla"], sample_date=clinic_today(), markers="CEA 9.9 ng/mL")
    before = written(case)

    with pytest.raises(Refusal, match="The reason is too long: 2,001 characters, at most 2,000."):
        plans.judge_screening(
            result=result, by=staff["sofia"], verdict="unsatisfactory", reason="r" * (limits.REASON + 1), password=password
        )

    assert written(case) == before


def test_an_over_long_schedule_is_refused_and_the_draft_is_not_saved(case_at, staff):
    case = case_at(Stage.REVIEW)
    before = written(case)

    with pytest.raises(Refusal, match="The schedule is too long: 20,001 characters, at most 20,000."):
        plans.save_plan(case=case, by=staff["sofia"], iv_infusions=1, schedule="d" * (limits.DOCUMENT + 1))

    assert written(case) == before


@pytest.mark.parametrize("sample_date", [dt.date(1, 1, 1), dt.date(202, 11, 30)], ids=["year-1", "year-202"])
def test_a_sample_too_old_to_count_for_any_day_to_come_is_refused_and_the_case_page_still_opens(case_at, staff, client, sample_date):
    # A sample dated in year 1 used to be stored, and then every view of the case page failed (500).
    case = case_at(Stage.ACCEPTED)
    before = written(case)

    with pytest.raises(Refusal, match=f"A screening sampled on {sample_date:%d %b %Y} counts for no therapy day to come"):
        plans.record_screening(case=case, by=staff["carla"], sample_date=sample_date, markers="CEA 1.1")

    assert written(case) == before
    client.force_login(staff["carla"])
    response = client.post(
        reverse("console:act-screening", args=[case.uuid]), {"sample_date": sample_date.isoformat(), "markers": "CEA 1.1"}
    )
    assert response.status_code == 422 and "counts for no therapy day to come" in response.text
    assert client.get(reverse("console:case", args=[case.uuid])).status_code == 200
