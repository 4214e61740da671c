"""Live chat's mails to the visitor: the acknowledgement when a chat continues by email, and the transcript.

Addressed to the visitor alone, in the chat's language, sent by a background task once the writing transaction
commits (the same pattern as cases.notify). Each mail carries a Message-ID stored as an outbound message of the
conversation, so a reply that quotes it (In-Reply-To, References) can be matched to the conversation.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cellway.conversations.models import Channel, Conversation, Direction, Message

KINDS = ("by_email", "transcript")


def send_later(conversation: Conversation, kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"Unknown chat mail {kind!r}.")
    conversation_id = conversation.pk
    transaction.on_commit(lambda: send_chat_email.enqueue(conversation_id=conversation_id, kind=kind))


@task
def send_chat_email(*, conversation_id: int, kind: str) -> int:
    """Render and send one chat mail to the visitor; returns how many were sent (0 without an address)."""
    conversation = Conversation.objects.get(pk=conversation_id)
    if not conversation.contact_email:
        return 0
    messages = list(Message.objects.filter(conversation=conversation).exclude(channel=Channel.EMAIL).order_by("id"))
    language = conversation.language if conversation.language in ("en", "zh-hans", "ar") else "en"
    with translation.override(language):
        text = render_to_string(
            f"email/chat/{kind}.txt",
            {"conversation": conversation, "messages": messages, "clinic": settings.CLINIC_NAME},
        )
    subject, _, body = text.strip().partition("\n")
    domain = urlsplit(settings.PUBLIC_URL).hostname or "localhost"
    message_id = make_msgid(f"chat-{conversation.uuid.hex}", domain=domain)
    mail = EmailMessage(subject.strip(), body.strip() + "\n", None, [conversation.contact_email], headers={"Message-ID": message_id})
    sent = mail.send()
    Message.objects.create(
        conversation=conversation,
        case=conversation.case,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        author_label=settings.CLINIC_NAME,
        subject=subject.strip()[:300],
        body=body.strip()[:20000],
        email_message_id=message_id,
        occurred_at=timezone.now(),
    )
    return sent
