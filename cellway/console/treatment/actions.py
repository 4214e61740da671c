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


ACTIONS: dict[str, View] = {
    "session": case_action(forms.SessionForm, "session", _session, anchor="sessions"),
    "complete": case_action(None, "sessions", _complete),
    "protocol-issue": signing_action(forms.ProtocolForm, "protocol", _protocol),
    "assessment": case_action(forms.AssessmentForm, "follow_up", _assessment),
}
