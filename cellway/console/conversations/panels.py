"""The case's one thread: mail in and out, contacts logged by hand (and chat, portal messages as they come),
newest first, with whom it waits on. Read by those who read what the patient wrote (Part.INQUIRY)."""

from __future__ import annotations

from django.db.models import OuterRef
from django.utils import timezone

from cellway.cases.parts import Part
from cellway.console.conversations import forms
from cellway.console.panels import CasePage, Panel
from cellway.conversations import selectors
from cellway.conversations.models import Message
from cellway.conversations.services import check_log_contact
from cellway.errors import allowed

HOLDS = {"messages": Message.objects.filter(case=OuterRef("pk"))}


def thread(page: CasePage) -> Panel | None:
    if not page.reads(Part.INQUIRY):
        return None
    case = page.case
    entries = selectors.thread(case) if page.holds("messages") else []
    can_log = allowed(check_log_contact, case=case, by=page.user)
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = page.form("log-contact", lambda: forms.LoggedContactForm(initial={"occurred_at": now, "contact": case.patient.full_name}))
    context = {
        "entries": entries,
        "waiting_on": selectors.waiting_on(entries),
        "can_log": can_log,
        "form": form,
        "open": page.is_open("log-contact"),
    }
    return Panel("thread", "console/panels/thread.html", context, medical=bool(entries))
