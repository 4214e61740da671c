"""Portal actions on a case: invite the patient (their grant and a mail in their language)."""

from __future__ import annotations

from typing import Any

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.console.actions import View, case_action
from cellway.portal import services


def _invite(case: Case, d: dict[str, Any], user: User) -> str:
    grant = services.invite_patient(case=case, by=user)
    return f"Invited to the portal: a mail in {grant.person.get_language_display()} went to {grant.person.email}."


ACTIONS: dict[str, View] = {
    "portal-invite": case_action(None, "portal", _invite),
}
