"""Reads of therapy plans and screening results."""

from __future__ import annotations

from cellway.cases.models import Case
from cellway.plans.models import ScreeningResult, TherapyPlan


def plan_versions(case: Case) -> list[TherapyPlan]:
    """Every version of the case's plan, newest first, with who wrote and signed it."""
    return list(case.plans.select_related("signature__signer", "written_by").order_by("-version"))


def screenings(case: Case) -> list[ScreeningResult]:
    """The case's screening results, newest sample first."""
    return list(case.screenings.select_related("recorded_by", "judged_by", "signature", "report").order_by("-sample_date", "-recorded_at"))
