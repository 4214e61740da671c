"""Mail in, by django-anymail's inbound webhook (Mailgun's format): ``/anymail/mailgun/inbound/``.

A thin adapter: anymail checks the signature (``ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY``: HMAC-SHA256 of the
timestamp and token), this view refuses a stale timestamp as well, anymail parses the mail, and
``on_inbound`` hands it to ``services.receive_mail`` as an ``InboundMail``. A refused or unsigned post writes
nothing. A mail refused for what it is (no sender) answers 406, which tells Mailgun not to send it again.

The view itself (``mailgun.InboundMailView``) is built on anymail's, which imports ``requests``: it is loaded
on the first post, not at start-up, where this module is loaded (the URLs, and the signal in ``apps.py``).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from cellway.conversations import mailrules, services

if TYPE_CHECKING:
    from anymail.inbound import AnymailInboundMessage
    from anymail.signals import AnymailInboundEvent


@functools.cache
def _inbound_view() -> Callable[[HttpRequest], HttpResponse]:
    from cellway.conversations.mailgun import InboundMailView

    view: Callable[[HttpRequest], HttpResponse] = InboundMailView.as_view()
    return view


@csrf_exempt
def mailgun_inbound(request: HttpRequest) -> HttpResponse:
    """The webhook, answering 404 where no signing key is configured (nothing could be verified)."""
    if not settings.ANYMAIL.get("MAILGUN_WEBHOOK_SIGNING_KEY"):
        return HttpResponse("Inbound mail is not set up here.", status=404, content_type="text/plain")
    response: HttpResponse = _inbound_view()(request)
    return response


def inbound_mail(message: AnymailInboundMessage) -> services.InboundMail:
    """The service's view of anymail's parsed message."""
    sender = message.from_email
    if isinstance(sender, list):  # several From addresses: the first speaks
        sender = sender[0] if sender else None
    recipients = [message.envelope_recipient or ""] + [a.addr_spec for a in (message.to + message.cc)]
    answers = mailrules.message_ids(message["In-Reply-To"]) + mailrules.message_ids(message["References"])
    attachments = []
    for part in message.attachments:
        content = part.get_content_bytes() or b""
        attachments.append(
            services.Attachment(
                name=part.get_filename() or "attachment", content_type=part.get_content_type(), size=len(content), data=io.BytesIO(content)
            )
        )
    from_address = sender.addr_spec if sender is not None else ""
    return services.InboundMail(
        message_id=message["Message-ID"] or "",
        from_address=from_address,
        from_name=sender.display_name if sender is not None else "",
        recipients=tuple(r.strip().lower() for r in recipients if r and r.strip()),
        subject=str(message.subject or ""),
        text=message.stripped_text or message.text or "",
        automatic=mailrules.is_automatic(
            lambda name: None if message[name] is None else str(message[name]),
            envelope_sender=message.envelope_sender,
            from_address=from_address,
        ),
        sent_at=message.date,
        answers=tuple(dict.fromkeys(answers)),
        attachments=tuple(attachments),
    )


def on_inbound(sender: Any, *, event: AnymailInboundEvent, esp_name: str, **kwargs: Any) -> None:
    """Receiver of anymail's ``inbound`` signal."""
    services.receive_mail(mail=inbound_mail(event.message))
