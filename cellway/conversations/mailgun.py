"""Anymail's Mailgun inbound webhook view, made stricter: stale signatures refused, a refused mail answered 406.

Loaded by ``webhooks.mailgun_inbound`` on the first post: anymail's webhook views import ``requests``.
"""

from __future__ import annotations

import time
from typing import Any

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from django.http import HttpRequest, HttpResponse

from cellway.errors import Refusal

# A signed post older (or newer) than this is refused: a captured one cannot be replayed later.
FRESH_SECONDS = 15 * 60


class InboundMailView(MailgunInboundWebhookView):  # type: ignore[misc]  # anymail is untyped
    """Anymail's Mailgun inbound webhook, refusing stale signatures and answering a refused mail with 406."""

    def validate_request(self, request: HttpRequest) -> None:
        # Anymail runs every validate_request in the class chain: the signature is checked by its own.
        try:
            stamp = int(request.POST.get("timestamp", ""))
        except ValueError:
            raise AnymailWebhookValidationFailure("Mailgun webhook called without a timestamp") from None
        if abs(time.time() - stamp) > FRESH_SECONDS:
            raise AnymailWebhookValidationFailure("Mailgun webhook called with a stale timestamp")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().post(request, *args, **kwargs)  # type: ignore[no-any-return]
        except Refusal as refused:
            return HttpResponse(refused.message, status=406, content_type="text/plain; charset=utf-8")
        except (KeyError, ValueError) as broken:
            # Signed, but not a mail in Mailgun's format (no message-headers, headers that are not JSON).
            return HttpResponse(f"Not an inbound mail in Mailgun's format: {broken}", status=400, content_type="text/plain")

