"""Reads of the conversations: a case's one thread, who is waiting on whom, the mail waiting for review.

The thread is gathered from sources (``THREAD_SOURCES``), each a function from a case to its entries: today
the ``Message`` rows (mail in and out, contacts logged by hand, and whatever else is stored as a message:
chat, portal messages). Another kind of row joins the thread by adding a source that turns its rows into
``ThreadEntry``; the page shows entries, never rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from cellway.cases.models import Case
from cellway.conversations.models import LOGGED_CHANNELS, Channel, Direction, Message, Review


@dataclass(frozen=True)
class ThreadEntry:
    """One thing on a case's thread, whatever its source."""

    occurred_at: dt.datetime
    channel: str
    channel_label: str
    direction: str
    # Who spoke: the contact's name or address for what came in, the staff member or the clinic for what went out.
    speaker: str
    # The person on the contact's side (who was written to, or spoken with).
    contact: str
    subject: str
    body: str
    # Logged by hand after the fact (a phone call), and by whom.
    logged: bool = False
    logged_by: str = ""
    # An auto-reply or a bounce: shown, never counted as the contact's answer.
    automatic: bool = False
    files: list[Any] = field(default_factory=list)
    note: str = ""
    # A portal message a helper wrote for the patient: the patient's name (the speaker says who wrote it).
    on_behalf_of: str = ""

    @property
    def inbound(self) -> bool:
        return self.direction == Direction.INBOUND


ThreadSource = Callable[[Case], Iterable[ThreadEntry]]


def _messages(case: Case) -> Iterable[ThreadEntry]:
    rows = Message.objects.filter(case=case).select_related("author").prefetch_related("records").order_by("-occurred_at", "-id")
    for m in rows:
        logged = m.channel in LOGGED_CHANNELS
        # A logged contact is spoken by whoever reached out; a mail by its sender.
        speaker = (m.contact if m.direction == Direction.INBOUND else m.author_label) if logged else (m.author_label or m.email_address)
        if m.channel == Channel.PORTAL and m.direction == Direction.INBOUND and m.author_role:
            # Who wrote in the portal, as what: "Layla Haddad (family)", "Omar Haddad (patient)".
            speaker = f"{m.author_label} ({m.author_role})"
        yield ThreadEntry(
            occurred_at=m.occurred_at,
            channel=m.channel,
            channel_label=m.get_channel_display(),
            direction=m.direction,
            speaker=speaker,
            contact=m.contact or m.email_address,
            subject=m.subject,
            body=m.body,
            logged=logged,
            logged_by=m.author_label if logged else "",
            automatic=m.automatic,
            files=list(m.records.all()),
            note=m.attachments_note,
            on_behalf_of=m.on_behalf_of,
        )


THREAD_SOURCES: list[ThreadSource] = [_messages]


def thread(case: Case) -> list[ThreadEntry]:
    """Everything said with the case's people, on every channel, newest first."""
    entries = [entry for source in THREAD_SOURCES for entry in source(case)]
    entries.sort(key=lambda e: e.occurred_at, reverse=True)
    return entries


CARE_TEAM = "care team"
CONTACT = "contact"


def waiting_on(entries: list[ThreadEntry]) -> str | None:
    """Whom the thread waits on: the care team when the last word (a machine's aside) came from the contact,
    the contact when it came from the clinic; None on an empty thread."""
    for entry in entries:  # newest first
        if entry.automatic:
            continue
        return CARE_TEAM if entry.inbound else CONTACT
    return None


def review_queue() -> QuerySet[Message]:
    """Mail in waiting for the care team to put it on a case or set it aside, oldest first."""
    return (
        Message.objects.filter(review=Review.WAITING, channel=Channel.EMAIL)
        .select_related("claimed_case")
        .prefetch_related("held_attachments")
        .order_by("occurred_at", "id")
    )


def waiting_for_review(pk: int) -> Message | None:
    return Message.objects.filter(pk=pk, review=Review.WAITING).first()
