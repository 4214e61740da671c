"""Spine actions on a case: assign it to a specialist, end it, link a website inquiry to a returning patient."""

from __future__ import annotations

from typing import Any

from cellway.accounts.models import User
from cellway.cases import services
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.console.actions import View, case_action
from cellway.console.cases import forms


def _assign(case: Case, d: dict[str, Any], user: User) -> str:
    services.assign_case(case=case, specialist=d["specialist"], by=user, reason=d["reason"], seen_specialist=d["seen"])
    return f"Assigned to {d['specialist']}."


def _end(case: Case, d: dict[str, Any], user: User) -> str:
    case = services.end_case(case=case, to=Stage(d["ending"]), by=user, reason=d["reason"], expected_version=d["version"])
    return f"Case ended: {case.get_stage_display()}."


def _link_patient(case: Case, d: dict[str, Any], user: User) -> str:
    case = services.link_patient(case=case, by=user)
    return f"Linked to the returning patient {case.patient.full_name}."


def _not_duplicate(case: Case, d: dict[str, Any], user: User) -> str:
    services.dismiss_duplicate(case=case, by=user, reason=d["reason"])
    return "Kept as a new patient: the returning-patient flag is cleared."


ACTIONS: dict[str, View] = {
    "link-patient": case_action(None, "link-patient", _link_patient),
    "not-duplicate": case_action(forms.ReasonForm, "link-patient", _not_duplicate),
    "assign": case_action(forms.AssignForm, "assign", _assign),
    "end": case_action(forms.EndCaseForm, "end", _end),
}
