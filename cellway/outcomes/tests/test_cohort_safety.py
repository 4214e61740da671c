"""The cohort report's safety figures: treated patients with any adverse event, grade 3 or higher, serious, related;
each a share of the cohort with its Wilson interval, withheld below the minimum cohort, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cellway.cases.models import Condition
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.outcomes import cohort
from cellway.treatment import services as treatment

pytestmark = pytest.mark.django_db

SAFETY = (
    "Any adverse event",
    "Adverse event of grade 3 or higher (CTCAE)",
    "Serious adverse event (ICH E2A)",
    "Adverse event related to the cells or the procedure",
)
UNRELATED = {"related_to_cells": "unrelated", "related_to_procedure": "unlikely"}


def adverse_event(case: Any, staff: dict[str, Any], **values: Any) -> None:
    event = {
        "term": "Headache",
        "description": "Headache after the session.",
        "grade": 1,
        "serious_criteria": [],
        "action": "none",
        "outcome": "recovering",
        "onset_on": clinic_today(),
        **UNRELATED,
        **values,
    }
    treatment.record_adverse_event(case=case, by=staff["nina"], **event)


def safety(**kw: Any) -> dict[str, cohort.Figure]:
    report = cohort.report(condition=Condition.objects.get(code="ms"), start=dt.date(2000, 1, 1), end=clinic_today(), today=clinic_today())
    return {f.label: f for f in report.figures if f.label in SAFETY}


@pytest.fixture
def four_treated(case_at: Any, staff: dict[str, Any]) -> list[Any]:
    """Four treated patients: related (grade 2), severe (grade 3, not serious), serious and related (with a second,
    mild event: still one patient), and none; plus a patient still in treatment, not in the cohort, with a grade 4."""
    cases = [case_at(Stage.FOLLOW_UP) for _ in range(4)]
    adverse_event(cases[0], staff, grade=2, related_to_procedure="probable")
    adverse_event(cases[1], staff, grade=3, term="Fever")
    adverse_event(cases[2], staff, grade=2, serious_criteria=["medically_important"], related_to_cells="possible")
    adverse_event(cases[2], staff, grade=1, term="Nausea")
    in_treatment = case_at(Stage.IN_TREATMENT)
    adverse_event(in_treatment, staff, grade=4, serious_criteria=["life_threatening"], related_to_cells="definite")
    return cases


def test_each_safety_figure_counts_patients_once_with_its_wilson_interval(four_treated: list[Any], settings: Any) -> None:
    settings.OUTCOMES_MIN_COHORT = 4
    figures = safety()
    got = {label: (f.shown, f.n, f.proportion.k, round(f.proportion.low, 4), round(f.proportion.high, 4)) for label, f in figures.items()}  # type: ignore[union-attr]
    # Wilson 95 % for k of 4 (Newcombe 1998, table I method 3): 1/4 0.0456-0.6994, 2/4 0.1500-0.8500, 3/4 0.3006-0.9544.
    assert got == {
        "Any adverse event": (True, 4, 3, 0.3006, 0.9544),
        "Adverse event of grade 3 or higher (CTCAE)": (True, 4, 1, 0.0456, 0.6994),
        "Serious adverse event (ICH E2A)": (True, 4, 1, 0.0456, 0.6994),
        "Adverse event related to the cells or the procedure": (True, 4, 2, 0.15, 0.85),
    }


def test_below_the_minimum_cohort_the_safety_figures_are_withheld(four_treated: list[Any], settings: Any) -> None:
    settings.OUTCOMES_MIN_COHORT = 5
    figures = safety()
    assert [(f.shown, f.n, f.proportion) for f in figures.values()] == [(False, 4, None)] * 4


def test_no_event_is_zero_with_its_interval_not_withheld(case_at: Any, settings: Any) -> None:
    settings.OUTCOMES_MIN_COHORT = 2
    case_at(Stage.FOLLOW_UP)
    case_at(Stage.FOLLOW_UP)
    for f in safety().values():
        assert f.shown and f.proportion is not None
        assert (f.proportion.k, f.proportion.n, f.proportion.low, round(f.proportion.high, 4)) == (0, 2, 0.0, 0.6576)


def test_the_report_costs_the_same_for_one_patient_with_events_or_many(case_at: Any, staff: dict[str, Any]) -> None:
    first = case_at(Stage.FOLLOW_UP)
    adverse_event(first, staff, grade=3)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            safety()
        return len(ctx.captured_queries)

    one = queries()
    for _ in range(2):
        case = case_at(Stage.FOLLOW_UP)
        adverse_event(case, staff, grade=2, related_to_cells="probable")
        adverse_event(case, staff, grade=1)
    assert queries() == one


def test_the_report_page_shows_the_safety_figures_and_their_definition(
    case_at: Any, staff: dict[str, Any], client: Any, settings: Any
) -> None:
    settings.OUTCOMES_MIN_COHORT = 2
    cases = [case_at(Stage.FOLLOW_UP) for _ in range(2)]
    adverse_event(cases[0], staff, grade=4, serious_criteria=["life_threatening"])
    client.force_login(staff["sofia"])
    html = client.get(reverse("outcomes:cohort")).content.decode()
    rows = {label: html[html.index(f'<td data-label="Figure">{label}') :].split("</tr>")[0] for label in SAFETY}
    assert all('data-label="Count">1 of 2</td>' in rows[label] for label in SAFETY[:3])
    assert 'data-label="Count">0 of 2</td>' in rows[SAFETY[3]]
    assert "<dt>Safety</dt>" in html
