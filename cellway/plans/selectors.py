"""Reads of therapy plans and cancer-marker screening, including the liaison queue's screening flags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings

from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.plans.models import PlanStatus, ScreeningResult, TherapyPlan, Verdict
from cellway.records.documents import DocumentStatus, screening_status

# From the accepted quote until the patient arrives, the screening report must hold.
SCREENING_NEEDED = {Stage.ACCEPTED, Stage.CLEARED, Stage.SCHEDULED, Stage.DEPOSIT_PAID, Stage.PAID}


def current_plan(case: Case) -> TherapyPlan | None:
    """The signed plan the quote follows from, if any."""
    return case.plans.filter(status=PlanStatus.SIGNED).first()


def draft_plan(case: Case) -> TherapyPlan | None:
    return case.plans.filter(status=PlanStatus.DRAFT).first()


def plans(case: Case) -> list[TherapyPlan]:
    """Every version of the case's plan, newest first."""
    return list(case.plans.select_related("signature__signer", "written_by").order_by("-version"))


def screenings(case: Case) -> list[ScreeningResult]:
    return list(case.screenings.select_related("recorded_by", "judged_by", "signature", "report").order_by("-sample_date", "-recorded_at"))


def pending_screening(case: Case) -> ScreeningResult | None:
    """The result waiting for a specialist's verdict, if any."""
    return case.screenings.filter(verdict=Verdict.PENDING).order_by("-sample_date").first()


def valid_screening(case: Case, first_therapy_day: dt.date | None = None) -> ScreeningResult | None:
    """The satisfactory screening that counts for the (given or scheduled) first therapy day, if any."""
    day = first_therapy_day or case.first_therapy_day
    for result in case.screenings.filter(verdict=Verdict.SATISFACTORY).order_by("-sample_date"):
        if day is None or result.counts_for(day):
            return result
    return None


def documents_for(cases: Iterable[Case]) -> dict[int, list[DocumentStatus]]:
    """The screening report's status per case, for the liaison queue and the case page (one query for any number of cases)."""
    cases = list(cases)
    latest: dict[int, Any] = {}
    for case_id, sample_date in (
        ScreeningResult.objects.filter(case__in=[c.pk for c in cases])
        .exclude(verdict=Verdict.UNSATISFACTORY)
        .order_by("case_id", "-sample_date")
        .values_list("case_id", "sample_date")
    ):
        latest.setdefault(case_id, sample_date)
    return _statuses(cases, latest)


def documents_of(case: Case, results: list[ScreeningResult]) -> list[DocumentStatus]:
    """`documents_for` one case whose screening results are already read (the case page): no query."""
    counted = [r.sample_date for r in results if r.verdict != Verdict.UNSATISFACTORY]
    return _statuses([case], {case.pk: max(counted)} if counted else {})[case.pk]


def _statuses(cases: list[Case], latest: dict[int, Any]) -> dict[int, list[DocumentStatus]]:
    today = clinic_today()
    out: dict[int, list[DocumentStatus]] = {}
    for case in cases:
        status = screening_status(
            sample_date=latest.get(case.pk),
            first_therapy_day=case.first_therapy_day,
            today=today,
            months=settings.SCREENING_MAX_AGE_MONTHS,
            required=case.stage in SCREENING_NEEDED,
        )
        out[case.pk] = [status] if status else []
    return out
