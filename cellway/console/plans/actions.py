"""Plan and screening actions on a case."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.console.actions import View, case_action, signing_action
from cellway.console.cases.forms import ReasonForm
from cellway.console.plans import forms
from cellway.errors import Refusal
from cellway.plans import services
from cellway.plans.models import PlanStatus, ScreeningResult, Verdict


def _save_plan(case: Case, d: dict[str, Any], user: User) -> str:
    plan = services.save_plan(case=case, by=user, **d)
    return f"Plan v{plan.version} saved as a draft. Sign it to issue the quote."


def _sign_plan(case: Case, d: dict[str, Any], user: User, request: HttpRequest) -> str:
    draft = case.plans.filter(status=PlanStatus.DRAFT).first()
    if draft is None:
        raise Refusal("There is no draft plan to sign.")
    plan = services.sign_plan(plan=draft, by=user, password=d["password"], second_factor=d.get("code", ""), request=request)
    return f"Plan v{plan.version} signed; the quote has been issued."


def _revise_plan(case: Case, d: dict[str, Any], user: User) -> str:
    services.revise_plan(case=case, by=user, reason=d["reason"])
    return "The case is back in review for a new plan version."


def _record_screening(case: Case, d: dict[str, Any], user: User) -> str:
    services.record_screening(
        case=case, by=user, sample_date=d["sample_date"], markers=d["markers"], laboratory=d["laboratory"], report=d.get("report")
    )
    return "Screening result recorded; it waits for the specialist's verdict."


def _judge(case: Case, d: dict[str, Any], user: User, request: HttpRequest) -> str:
    try:
        result = case.screenings.get(uuid=d["result"])
    except ScreeningResult.DoesNotExist:
        raise Refusal("That screening result is not part of this case.") from None
    services.judge_screening(
        result=result,
        by=user,
        verdict=d["verdict"],
        reason=d["reason"],
        password=d["password"],
        second_factor=d.get("code", ""),
        request=request,
    )
    if d["verdict"] == Verdict.SATISFACTORY:
        return "Screening judged satisfactory."
    return "Screening judged unsatisfactory: the case is refused."


ACTIONS: dict[str, View] = {
    "plan": case_action(forms.PlanForm, "plan", _save_plan),
    "plan-sign": signing_action(forms.SignForm, "sign", _sign_plan, anchor="plan"),
    "plan-revise": case_action(ReasonForm, "plan-revise", _revise_plan, anchor="plan"),
    "screening": case_action(forms.ScreeningForm, "screening", _record_screening),
    "screening-judge": signing_action(forms.JudgeForm, "judge", _judge, anchor="screening"),
}
