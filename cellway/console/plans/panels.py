"""The plan and screening panels of the case page."""

from __future__ import annotations

from django.db.models import OuterRef

from cellway.audit.services import check_signed
from cellway.cases.parts import Part
from cellway.console.cases.forms import ReasonForm
from cellway.console.panels import CasePage, Panel
from cellway.console.plans import forms
from cellway.errors import allowed
from cellway.plans import selectors
from cellway.plans.models import PLAN_FIELDS, PlanStatus, ScreeningResult, TherapyPlan, Verdict
from cellway.plans.services import (
    check_judge_screening,
    check_record_screening,
    check_revise_plan,
    check_sign_plan,
    check_write_plan,
)

HOLDS = {
    "plans": TherapyPlan.objects.filter(case=OuterRef("pk")),
    "screenings": ScreeningResult.objects.filter(case=OuterRef("pk")),
}


def plan(page: CasePage) -> Panel | None:
    if not page.reads(Part.PLAN):
        return None
    case, user = page.case, page.user
    versions = selectors.plans(case) if page.holds("plans") else []
    signed = next((p for p in versions if p.status == PlanStatus.SIGNED), None)
    draft = next((p for p in versions if p.status == PlanStatus.DRAFT), None)
    shown = signed or draft
    can_write = allowed(check_write_plan, case=case, by=user)
    initial = {f: getattr(draft or signed, f) for f in PLAN_FIELDS} if shown else {}
    return Panel(
        "plan",
        "console/panels/plan.html",
        {
            "shown": shown,
            # The digest of what was signed, checked each time it is shown (a warning, and the trail, if it differs).
            "intact": shown is None or check_signed(signature=shown.signature, content=shown.as_signed_content(), seen_by=user),
            "draft": draft,
            "can_write": can_write,
            "can_sign": draft is not None and allowed(check_sign_plan, case=case, by=user),
            "can_revise": allowed(check_revise_plan, case=case, by=user),
            "plan_form": page.form("plan", lambda: forms.PlanForm(initial=initial)),
            "plan_open": draft is None or page.is_open("plan"),
            "revise_form": page.form("plan-revise", ReasonForm),
            "revise_open": page.is_open("plan-revise"),
        },
        medical=shown is not None,
    )


def screening(page: CasePage) -> Panel | None:
    if not page.reads(Part.SCREENING):
        return None
    case, user = page.case, page.user
    results = selectors.screenings(case) if page.holds("screenings") else []
    can_record = allowed(check_record_screening, case=case, by=user)
    if not results and not can_record:
        return None
    pending = next((s for s in results if s.verdict == Verdict.PENDING), None)
    can_judge = pending is not None and allowed(check_judge_screening, case=case, by=user)
    return Panel(
        "screening",
        "console/panels/screening.html",
        {
            "results": results,
            "checked": [(s, check_signed(signature=s.signature, content=s.as_signed_content(), seen_by=user)) for s in results],
            "documents": selectors.documents_of(case, results),
            "pending": pending,
            "can_judge": can_judge,
            "judge_form": page.form("judge", lambda: forms.JudgeForm(initial={"result": pending.uuid if pending else None})),
            "can_record": can_record,
            "record_form": page.form("screening", forms.ScreeningForm),
            "record_open": not results or page.is_open("screening"),
        },
        medical=bool(results),
    )
