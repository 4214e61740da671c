"""Conversation actions on a case: log a contact made by phone, WhatsApp, in person..."""

from __future__ import annotations

from typing import Any

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.console.actions import View, case_action
from cellway.console.conversations import forms
from cellway.conversations import services


def _log_contact(case: Case, d: dict[str, Any], user: User) -> str:
    message = services.log_contact(
        case=case,
        by=user,
        channel=d["channel"],
        direction=d["direction"],
        contact=d["contact"],
        occurred_at=d["occurred_at"],
        summary=d["summary"],
    )
    return f"{message.get_channel_display()} with {message.contact} logged on the thread."


ACTIONS: dict[str, View] = {
    "log-contact": case_action(forms.LoggedContactForm, "log-contact", _log_contact, anchor="thread"),
}
