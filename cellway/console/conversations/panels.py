"""The case's one thread: mail in and out, contacts logged by hand (and chat, portal messages as they come),
newest first, with whom it waits on. Read by those who read what the patient wrote (Part.INQUIRY)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db.models import OuterRef
from django.utils import timezone

from cellway.cases.parts import Part
from cellway.console.conversations import forms
from cellway.console.panels import CasePage, Panel
from cellway.conversations import selectors, services
from cellway.conversations.contacts import people_of
from cellway.conversations.models import Message
from cellway.conversations.services import Recipient, check_log_contact, check_reply_in_portal, check_write_to_contact, mail_recipients
from cellway.errors import allowed

LANGUAGE_NAMES = dict(settings.LANGUAGES)

HOLDS = {"messages": Message.objects.filter(case=OuterRef("pk"))}


def thread(page: CasePage) -> Panel | None:
    if not page.reads(Part.INQUIRY):
        return None
    case = page.case
    entries = selectors.thread(case) if page.holds("messages") else []
    can_log = allowed(check_log_contact, case=case, by=page.user)
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = page.form("log-contact", lambda: forms.LoggedContactForm(initial={"occurred_at": now, "contact": case.patient.full_name}))
    can_write = allowed(check_write_to_contact, case=case, by=page.user)
    # The case's people (the portal's, through conversations' registry): one query, for both forms. Only open
    # grants name people, so a case the portal panel's probe finds none for (read with the case) costs no query.
    people = people_of(case) if can_write and page.holds("portal_grants") else []
    readers = services.portal_readers(case, people)
    recipients = mail_recipients(case, people) if can_write else []
    context = {
        "entries": entries,
        "waiting_on": selectors.waiting_on(entries),
        "can_log": can_log,
        "form": form,
        "open": page.is_open("log-contact"),
        "can_reply": can_write and allowed(check_reply_in_portal, case=case, by=page.user, readers=readers),
        "readers": readers,
        "reply_form": page.form("portal-reply", lambda: forms.PortalReplyForm(initial={"client_id": uuid.uuid4()})),
        "reply_open": page.is_open("portal-reply"),
        "can_mail": bool(recipients),
        "mail_form": _mail_form(page, recipients),
        "mail_open": page.is_open("write-mail"),
    }
    return Panel("thread", "console/panels/thread.html", context, medical=bool(entries))


def _mail_form(page: CasePage, recipients: list[Recipient]) -> forms.StaffMailForm:
    """The mail form (the one refused, with what was typed, or a fresh one), offering the case's people."""
    choices = [(r.email, f"{r.name} ({r.relation}) <{r.email}>, in {LANGUAGE_NAMES.get(r.language, r.language)}") for r in recipients]
    form = page.form("write-mail", lambda: forms.StaffMailForm(recipients=choices))
    form.fields["to"].choices = choices  # type: ignore[attr-defined]
    return form  # type: ignore[return-value]
