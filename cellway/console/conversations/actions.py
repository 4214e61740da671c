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


def _portal_reply(case: Case, d: dict[str, Any], user: User) -> str:
    _message, new = services.reply_in_portal(case=case, by=user, client_id=d["client_id"], body=d["body"])
    if not new:
        return "That reply was posted already (sent twice); it is on the thread once."
    return "Reply posted in the portal; the patient (and the helpers who read messages) are told by a short mail."


class _MailForm(forms.StaffMailForm):
    """The mail form as posted: any address; whether it is one of the case's people is the service's question."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        posted = args[0].get("to", "") if args else ""
        super().__init__(*args, recipients=[(posted, posted)], **kwargs)


def _write_mail(case: Case, d: dict[str, Any], user: User) -> str:
    message = services.write_mail(case=case, by=user, to=d["to"], subject=d["subject"], body=d["body"])
    return f"Mail to {message.contact or message.email_address} sent; it is on the thread."


ACTIONS: dict[str, View] = {
    "log-contact": case_action(forms.LoggedContactForm, "log-contact", _log_contact, anchor="thread"),
    "portal-reply": case_action(forms.PortalReplyForm, "portal-reply", _portal_reply, anchor="thread"),
    "write-mail": case_action(_MailForm, "write-mail", _write_mail, anchor="thread"),
}
