"""Signed Mailgun-format inbound webhook posts, as Mailgun's routes forward them (fully parsed)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

SIGNING_KEY = "test-mailgun-signing-key"
URL = "/anymail/mailgun/inbound/"
# A one-page PDF's start: the records intake types files by their content.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def signed(fields: dict[str, Any], *, key: str = SIGNING_KEY, timestamp: int | None = None) -> dict[str, Any]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    token = secrets.token_hex(25)
    signature = hmac.new(key.encode(), f"{stamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {**fields, "timestamp": stamp, "token": token, "signature": signature}


def mail(
    *,
    sender: str = "Layla Hassan <layla@example.com>",
    to: str = "inquiries@cellway.example",
    subject: str = "My father has MS",
    text: str = "Hello, my father was diagnosed in 2019. Can you help?",
    message_id: str | None = None,
    headers: list[tuple[str, str]] = (),  # type: ignore[assignment]
    envelope_sender: str | None = "layla@example.com",
    files: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """The fields Mailgun posts for one mail (``files``: name, content, type)."""
    message_id = message_id or f"<{secrets.token_hex(8)}@mail.example.com>"
    all_headers = [["From", sender], ["To", to], ["Subject", subject], ["Message-Id", message_id], *[list(h) for h in headers]]
    if not sender:
        all_headers = [h for h in all_headers if h[0] != "From"]
    fields: dict[str, Any] = {
        "recipient": to.split("<")[-1].rstrip(">"),
        "from": sender,
        "subject": subject,
        "body-plain": text,
        "stripped-text": text,
        "message-headers": json.dumps(all_headers),
        "Message-Id": message_id,
    }
    if envelope_sender is not None:
        fields["sender"] = envelope_sender
    if files:
        fields["attachment-count"] = str(len(files))
        for n, (name, content, content_type) in enumerate(files, start=1):
            fields[f"attachment-{n}"] = SimpleUploadedFile(name, content, content_type)
    return fields


def post(client: Any, fields: dict[str, Any], **sign: Any) -> Any:
    return client.post(URL, signed(fields, **sign))
