"""Portal actions on a case: invite the patient (their grant and a mail in their language); set up or end a guardianship."""

from __future__ import annotations

from typing import Any

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.console.actions import View, case_action
from cellway.console.portal.forms import EndGuardianshipForm, GuardianForm
from cellway.portal import services


def _invite(case: Case, d: dict[str, Any], user: User) -> str:
    grant = services.invite_patient(case=case, by=user)
    return f"Invited to the portal: a mail in {grant.person.get_language_display()} went to {grant.person.email}."


def _guardian(case: Case, d: dict[str, Any], user: User) -> str:
    grant = services.set_guardian(case=case, by=user, **d)
    return f"{grant.person.email} is now the patient's guardian on the portal, acting on their behalf; a mail told them how to sign in."


def _end_guardianship(case: Case, d: dict[str, Any], user: User) -> str:
    grant = services.end_guardianship(case=case, by=user, reason=d["reason"])
    return f"The guardianship of {grant.person.email} has ended."


ACTIONS: dict[str, View] = {
    "portal-invite": case_action(None, "portal", _invite),
    "portal-guardian": case_action(GuardianForm, "portal_guardian", _guardian, anchor="portal"),
    "portal-guardian-end": case_action(EndGuardianshipForm, "portal_guardian_end", _end_guardianship, anchor="portal"),
}
