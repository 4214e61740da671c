"""Bounces and complaints from the mail provider suppress newsletter addresses (issue 12).

django-anymail's tracking webhook (Mailgun's format: ``/anymail/mailgun/tracking/``) checks the signature
(``ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY``, HMAC-SHA256 of the timestamp and token) and parses the event;
this receiver of its ``tracking`` signal hands a permanent failure (anymail's "bounced" and "rejected";
a temporary one is "deferred" and changes nothing) or a complaint to ``services.suppress``, which acts only
on an address on the newsletter's list. Mail about a case bouncing changes no subscription.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from cellway.newsletter import services

# anymail's normalized event types that mean "never mail this address again".
SUPPRESSING = {"bounced": "bounced", "rejected": "rejected by the provider", "complained": "marked as spam (complaint)"}


def on_tracking(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """Receiver of ``anymail.signals.tracking``."""
    why = SUPPRESSING.get(str(event.event_type))
    if why is None or not event.recipient:
        return
    detail = str(event.description or event.reject_reason or "").strip()
    services.suppress(email=str(event.recipient), because=f"{esp_name} {why}" + (f": {detail}" if detail else ""))


def mailgun_tracking(request: HttpRequest) -> HttpResponse:
    """anymail's Mailgun tracking webhook; 404 while no signing key is set (nothing could be verified)."""
    from anymail.utils import get_anymail_setting
    from anymail.webhooks.mailgun import MailgunTrackingWebhookView

    if not get_anymail_setting("webhook_signing_key", esp_name="Mailgun", default=""):
        raise Http404("No Mailgun webhook signing key is set.")
    response: HttpResponse = MailgunTrackingWebhookView.as_view()(request)
    return response
