"""Visits, relapses and MRI written through the services: the EDSS computed, overrides only with a reason, nothing half-written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cellway.cases.models import CaseEvent
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal
from cellway.outcomes import services
from cellway.outcomes.models import FollowUpAssessment, ReportedMeasure, Visit

SCORES = {"visual": 1, "brainstem": 1, "pyramidal": 2, "cerebellar": 2, "sensory": 2, "bowel_bladder": 1, "cerebral": 0, "ambulation": 0}


@pytest.fixture
def followed(case_at):
    return case_at(Stage.FOLLOW_UP)


def test_the_edss_is_computed_from_the_scores(followed, staff):
    visit = services.record_visit(case=followed, by=staff["nina"], seen_on=clinic_today(), scores=SCORES)
    assert visit.edss == visit.edss_computed == Decimal("3.0")
    assert followed.events.filter(kind="outcome_visit", summary__contains="EDSS 3.0").exists()


def test_a_different_edss_needs_a_reason(followed, staff):
    with pytest.raises(Refusal, match="differs from the computed EDSS 3.0: say why"):
        services.record_visit(case=followed, by=staff["nina"], seen_on=clinic_today(), scores=SCORES, edss=Decimal("3.5"))
    assert not Visit.objects.exists()
    visit = services.record_visit(
        case=followed, by=staff["sofia"], seen_on=clinic_today(), scores=SCORES, edss=Decimal("3.5"), edss_reason="Gait worse on the day"
    )
    assert visit.edss == Decimal("3.5") and visit.edss_computed == Decimal("3.0") and visit.edss_overridden
    assert followed.events.get(kind="outcome_visit").reason == "Gait worse on the day"


def test_an_edss_off_the_scale_is_refused(followed, staff):
    with pytest.raises(Refusal, match="not a step"):
        services.record_visit(case=followed, by=staff["nina"], seen_on=clinic_today(), scores=SCORES, edss=Decimal("3.2"), edss_reason="x")


def test_scores_out_of_range_or_missing_are_refused_by_name(followed, staff):
    with pytest.raises(Refusal, match="Sensory must be a whole number from 0 to 6"):
        services.record_visit(case=followed, by=staff["nina"], seen_on=clinic_today(), scores={**SCORES, "sensory": 7})
    with pytest.raises(Refusal, match="missing: ambulation"):
        services.record_visit(case=followed, by=staff["nina"], seen_on=clinic_today(), scores={**SCORES, "ambulation": None})
    assert not Visit.objects.exists()


def test_a_visit_completes_its_assessment(followed, staff):
    followed.follow_ups.filter(months_after=1).update(due_on=clinic_today() + dt.timedelta(days=10))  # within the window
    assessment = followed.follow_ups.get(months_after=1)
    services.record_visit(case=followed, by=staff["nina"], seen_on=clinic_today(), scores=SCORES, assessment=assessment)
    assessment.refresh_from_db()
    assert assessment.completed_at is not None and assessment.completed_by == staff["nina"]
    with pytest.raises(Refusal, match="already recorded"):
        services.record_visit(
            case=followed, by=staff["nina"], seen_on=clinic_today() - dt.timedelta(days=1), scores=SCORES, assessment=assessment
        )


def test_the_future_and_a_second_visit_on_one_day_are_refused(followed, staff):
    with pytest.raises(Refusal, match="has not come"):
        services.record_visit(case=followed, by=staff["nina"], seen_on=clinic_today() + dt.timedelta(days=1), scores=SCORES)
    services.record_visit(case=followed, by=staff["nina"], seen_on=clinic_today(), t25fw_seconds=Decimal("6.1"))
    with pytest.raises(Refusal, match="already recorded"):
        services.record_visit(case=followed, by=staff["nina"], seen_on=clinic_today(), t25fw_seconds=Decimal("6.0"))


def test_the_peg_test_needs_both_hands(followed, staff):
    with pytest.raises(Refusal, match="both hands"):
        services.record_visit(case=followed, by=staff["nina"], seen_on=clinic_today(), nhpt_right_seconds=Decimal("22.0"))


def test_patient_reported_measures_are_checked_against_the_clinics_list(followed, staff):
    ReportedMeasure.objects.create(code="mfis5", name="Fatigue", low=0, high=20)
    visit = services.record_visit(case=followed, by=staff["nina"], seen_on=clinic_today(), reported={"mfis5": Decimal(12)})
    assert visit.reported.get().value == 12
    with pytest.raises(Refusal, match="outside"):
        services.record_visit(
            case=followed, by=staff["nina"], seen_on=clinic_today() - dt.timedelta(days=3), reported={"mfis5": Decimal(30)}
        )
    with pytest.raises(Refusal, match="not a patient-reported measure"):
        services.record_visit(case=followed, by=staff["nina"], seen_on=clinic_today() - dt.timedelta(days=3), reported={"sf36": Decimal(3)})


def test_roles_without_the_permission_are_refused(followed, staff):
    for who in ("fiona", "carla", "outsider"):
        with pytest.raises(NotAllowed):
            services.record_visit(case=followed, by=staff[who], seen_on=clinic_today(), scores=SCORES)
        with pytest.raises(NotAllowed):
            services.record_relapse(case=followed, by=staff[who], onset_on=clinic_today(), severity="mild", treated=False)
        with pytest.raises(NotAllowed):
            services.record_mri(case=followed, by=staff[who], scanned_on=clinic_today(), new_t2_lesions=0, gad_lesions=0)


def test_a_case_not_yet_at_the_clinic_takes_no_measures(case_at, staff):
    case = case_at(Stage.PAID)
    with pytest.raises(Refusal, match="Cannot record a visit"):
        services.record_visit(case=case, by=staff["nina"], seen_on=clinic_today(), scores=SCORES)


def test_relapses_and_mri_are_recorded_on_the_trail(followed, staff):
    services.record_relapse(case=followed, by=staff["nina"], onset_on=clinic_today(), severity="moderate", treated=True)
    services.record_mri(case=followed, by=staff["sofia"], scanned_on=clinic_today(), new_t2_lesions=2, gad_lesions=1)
    kinds = set(CaseEvent.objects.filter(case=followed).values_list("kind", flat=True))
    assert {"relapse", "mri"} <= kinds
    with pytest.raises(Refusal, match="already recorded"):
        services.record_relapse(case=followed, by=staff["nina"], onset_on=clinic_today(), severity="mild", treated=False)
    with pytest.raises(Refusal, match="Severity"):
        services.record_relapse(
            case=followed, by=staff["nina"], onset_on=clinic_today() - dt.timedelta(days=1), severity="awful", treated=False
        )
    with pytest.raises(Refusal, match="count from 0 to 500"):
        services.record_mri(
            case=followed, by=staff["sofia"], scanned_on=clinic_today() - dt.timedelta(days=1), new_t2_lesions=-1, gad_lesions=0
        )


def test_after_twelve_months_follow_up_becomes_yearly(followed, staff):
    twelve = followed.follow_ups.get(months_after=12)
    FollowUpAssessment.objects.filter(pk=twelve.pk).update(due_on=clinic_today() - dt.timedelta(days=2))
    assert services.top_up_yearly_follow_ups(today=clinic_today()) == 1
    assert followed.follow_ups.filter(months_after=24).exists()
    assert services.top_up_yearly_follow_ups(today=clinic_today()) == 0  # the 24-month one is not due yet


def test_a_visit_too_early_does_not_count_for_a_later_assessment(followed, staff):
    twelve = followed.follow_ups.get(months_after=12)
    with pytest.raises(Refusal, match="too early to count"):
        services.record_visit(case=followed, by=staff["nina"], seen_on=clinic_today(), scores=SCORES, assessment=twelve)
    assert not Visit.objects.exists()
    twelve.refresh_from_db()
    assert twelve.completed_at is None
