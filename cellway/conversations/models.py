"""Every contact with a person, on one thread per case: live chat, email in and out, portal messages and
contacts staff log by hand (a phone call, a WhatsApp conversation).

A ``Conversation`` is one exchange with one person on one channel: a live chat from the public site, an email
exchange, a portal conversation. It may start before anyone knows who the person is (a visitor chatting), and
later become an inquiry or join a case. A ``Message`` is one thing said, stored before anyone is notified
(the database is the truth; sockets and mail only tell). The case's thread is its messages, newest first.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from cellway import limits
from cellway.cases.models import Case, Inquiry
from cellway.records.models import RecordFile


class Channel(models.TextChoices):
    CHAT = "chat", "Live chat"
    EMAIL = "email", "Email"
    PORTAL = "portal", "Portal"
    PHONE = "phone", "Phone call"
    WHATSAPP = "whatsapp", "WhatsApp"
    IN_PERSON = "in_person", "In person"
    OTHER = "other", "Other"


# Channels staff log by hand after the fact (the others are recorded as they happen).
LOGGED_CHANNELS = (Channel.PHONE, Channel.WHATSAPP, Channel.IN_PERSON, Channel.OTHER)


class Direction(models.TextChoices):
    # From the patient, the family or a visitor to the clinic.
    INBOUND = "in", "From the contact"
    # From the clinic's staff to the contact.
    OUTBOUND = "out", "To the contact"


class Review(models.TextChoices):
    """An inbound mail that could not be put on a case by itself waits for the care team."""

    # Not for review: on a case (or an inquiry) already.
    NONE = "", "Not for review"
    WAITING = "waiting", "Waiting for review"
    ATTACHED = "attached", "Attached to a case"
    DISCARDED = "discarded", "Discarded"


class Conversation(models.Model):
    """One exchange with one person on one channel, attached to an inquiry or a case once known."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for a representative"
        OPEN = "open", "Open"
        # Nobody was available (or out of hours): the visitor left an address and it continues by email.
        BY_EMAIL = "by_email", "Continues by email"
        CLOSED = "closed", "Closed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="conversations")
    inquiry = models.ForeignKey(Inquiry, null=True, blank=True, on_delete=models.PROTECT, related_name="conversations")
    # Who the contact is, as far as known (a visitor may give only a name, or nothing yet).
    contact_name = models.CharField(max_length=limits.NAME, blank=True)
    contact_email = models.EmailField(max_length=limits.EMAIL, blank=True)
    # A site language code (en, zh-hans, ar): replies, transcripts and canned texts are in it.
    language = models.CharField(max_length=16, default="en")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_conversations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.uuid}"


class Message(models.Model):
    """One thing said to or by a contact, or a contact logged by staff. Stored first, then notified.

    ``client_id`` is chosen by the sender's client (a UUID per message): a retried send with the same id is the
    same message, stored once. ``email_message_id`` is the RFC 5322 Message-ID of a mail in or out: a mail
    delivered twice is stored once, and replies are matched by it (In-Reply-To, References).
    """

    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    # The case whose thread shows this message (set when the conversation joins the case, or at once for a
    # mail or a logged contact about a known case).
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    direction = models.CharField(max_length=4, choices=Direction.choices)
    # Staff who wrote or logged it; for a portal message in, the person who wrote it in the portal (the patient
    # or a helper the patient let in); empty for what a contact wrote by mail or chat.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The name shown for the sender ("Layla (daughter)", a visitor's name, the representative's first name).
    author_label = models.CharField(max_length=limits.NAME, blank=True)
    # A portal message in: what the writer is to the patient (the portal's relation: patient, family, guardian,
    # interpreter, doctor), and whose behalf a helper wrote on (the patient's name; empty for the patient).
    author_role = models.CharField(max_length=16, blank=True)
    on_behalf_of = models.CharField(max_length=limits.NAME, blank=True)
    subject = models.CharField(max_length=limits.SHORT, blank=True)
    body = models.TextField(max_length=limits.MESSAGE)
    client_id = models.UUIDField(null=True, blank=True)
    email_message_id = models.CharField(max_length=limits.SHORT, null=True, blank=True, unique=True)
    # The person on the contact's side: who wrote, was written to, or was spoken with ("Layla, his daughter").
    contact = models.CharField(max_length=limits.NAME, blank=True)
    # A mail's other end: the sender of a mail in, the one addressee of a mail out.
    email_address = models.EmailField(max_length=limits.EMAIL, blank=True)
    # An auto-reply or a bounce (RFC 3834 Auto-Submitted, Precedence, an empty return path): shown, never answered.
    automatic = models.BooleanField(default=False)
    # What became of the mail's attachments that were kept out (too large, a type not accepted), as the sender was told.
    attachments_note = models.TextField(blank=True, max_length=limits.NOTE)
    # The files a mail brought, through the records intake (typed, size-limited, virus-scanned).
    records = models.ManyToManyField(RecordFile, blank=True, related_name="+")
    review = models.CharField(max_length=16, choices=Review.choices, blank=True, default=Review.NONE)
    # A mail waiting for review that named a case (its reply address, a Message-ID, a [#CODE] tag) from an
    # address that is not one of the case's contacts: the reviewer sees which case it claims.
    claimed_case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # When it happened: for a logged phone call, when the call was, not when it was typed in.
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        permissions = [
            ("log_contact", "Can log a contact with a patient or family by hand"),
            ("review_mail", "Can attach inbound mail waiting for review to a case, or discard it"),
            ("write_to_contact", "Can write to a patient or family from the case's thread (portal reply, mail)"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "client_id"], name="message_client_id_once_per_conversation"),
        ]
        indexes = [
            models.Index(fields=["conversation", "id"]),
            models.Index(fields=["case", "-occurred_at"]),
            models.Index(fields=["review", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_direction_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class HeldAttachment(models.Model):
    """A file a mail in the review queue brought: kept aside (never served) until the mail is attached to a case,
    when it goes through the records intake, or discarded with the mail."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="held_attachments")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField()
    file = models.FileField(upload_to="mail-held/%Y/%m/", max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


# Live chat's rows (the visitor's side, presence, canned replies) live in their own module.
from cellway.conversations.chat_models import CannedReply, ChatVisit, Presence  # noqa: E402

__all__ = ["CannedReply", "Channel", "ChatVisit", "Conversation", "Direction", "HeldAttachment", "Message", "Presence"]
