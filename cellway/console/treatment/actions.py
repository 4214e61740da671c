"""Ward actions on a case: log a session, complete treatment, issue the protocol, record an assessment."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.console.actions import View, case_action, signing_action
from cellway.console.treatment import forms
from cellway.errors import Refusal
from cellway.outcomes.models import FollowUpAssessment
from cellway.treatment import services
from cellway.treatment.models import BedsideCheck


def _session(case: Case, d: dict[str, Any], user: User) -> str:
    session = services.log_session(case=case, by=user, **d)
    return f"{session.get_kind_display()} logged."


def _complete(case: Case, d: dict[str, Any], user: User) -> str:
    services.complete_treatment(case=case, by=user)
    return "Treatment complete. Issue the post-treatment protocol next."


def _protocol(case: Case, d: dict[str, Any], user: User, request: HttpRequest) -> str:
    services.issue_protocol(
        case=case, by=user, instructions=d["instructions"], password=d["password"], second_factor=d.get("code", ""), request=request
    )
    return "Protocol issued and signed; follow-up assessments are scheduled."


def _assessment(case: Case, d: dict[str, Any], user: User) -> str:
    try:
        assessment = case.follow_ups.get(pk=d["assessment"])
    except FollowUpAssessment.DoesNotExist:
        raise Refusal("That assessment is not part of this case.") from None
    services.complete_assessment(assessment=assessment, by=user, notes=d["notes"])
    return f"{assessment.months_after}-month assessment recorded."


def _weight(case: Case, d: dict[str, Any], user: User) -> str:
    weight = services.record_weight(case=case, by=user, kg=d["kg"])
    return f"Weight recorded: {weight.kg} kg."


def _bedside(case: Case, d: dict[str, Any], user: User) -> str:
    route, _, number = d["infusion"].partition("-")
    if not number.isdigit():
        raise Refusal("Choose the planned infusion.")
    check = services.bedside_check(case=case, by=user, wristband=d["wristband"], label=d["label"], route=route, infusion=int(number))
    if not check.passed:
        # Recorded, and shown in red on the panel: a refusal, though the check itself was written.
        raise Refusal("RED STOP: " + check.message)
    return "GREEN: " + check.message


def _administer(case: Case, d: dict[str, Any], user: User) -> str:
    check = BedsideCheck.objects.filter(case=case, pk=d["check"]).first()
    if check is None:
        raise Refusal("That bedside check is not part of this case.")
    given = services.administer(check=check, by=user)
    return f"Given: vial {given.vial.number} of lot {given.vial.lot.din}, {given.session.infusion_label}."


ACTIONS: dict[str, View] = {
    "session": case_action(forms.SessionForm, "session", _session, anchor="sessions"),
    "complete": case_action(None, "sessions", _complete),
    "protocol-issue": signing_action(forms.ProtocolForm, "protocol", _protocol),
    "assessment": case_action(forms.AssessmentForm, "follow_up", _assessment),
    "weight": case_action(forms.WeightForm, "weight", _weight, anchor="bedside"),
    "bedside-check": case_action(forms.BedsideForm, "bedside", _bedside),
    "administer": case_action(forms.AdministerForm, "administer", _administer, anchor="bedside"),
}
