"""What a mail's headers say about it: whether a machine sent it, the Message-IDs it answers, a case tag.

Pure: no Django. RFC 3834 asks that nothing automatic answers an automatic mail (an out-of-office reply, a
bounce); the clinic's own acknowledgements and notices follow it, or two robots write to each other forever.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

_MSGID = re.compile(r"<[^<>\s]+>")
_CASE_TAG = re.compile(r"\[#\s*(CW-\d{4}-\d{4,})\s*\]", re.IGNORECASE)
# Precedence values that mark mail from a machine or a list (RFC 3834 §3.1.8 and common practice).
_AUTOMATIC_PRECEDENCE = {"bulk", "auto_reply", "junk", "list"}
# Headers auto-responders set (Microsoft Exchange, many vacation programs).
_AUTORESPONDER_HEADERS = ("X-Autoreply", "X-Autorespond")
_BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")


def is_automatic(header: Callable[[str], str | None], *, envelope_sender: str | None, from_address: str) -> bool:
    """Whether a machine sent the mail: ``Auto-Submitted`` other than ``no``, ``Precedence: bulk/auto_reply/
    junk/list``, an ``X-Autoreply``-like header, an empty return path (``<>``: a bounce), a delivery report, or a
    mailer daemon's address. ``header(name)`` is the header's value or None."""
    auto_submitted = (header("Auto-Submitted") or "").strip().lower()
    signs = (
        bool(auto_submitted) and not auto_submitted.startswith("no"),
        (header("Precedence") or "").strip().lower() in _AUTOMATIC_PRECEDENCE,
        any(header(name) is not None for name in _AUTORESPONDER_HEADERS),
        envelope_sender is not None and envelope_sender.strip() in ("", "<>"),
        (header("Return-Path") or "").strip() == "<>",
        "multipart/report" in (header("Content-Type") or "").lower(),
        from_address.strip().lower().startswith(_BOUNCE_SENDERS),
    )
    return any(signs)


def message_ids(value: str | None) -> list[str]:
    """The Message-IDs in an In-Reply-To or References header, in order."""
    return _MSGID.findall(value or "")


def normal_message_id(value: str | None) -> str:
    """A Message-ID as stored: one ``<...>``, or empty."""
    found = message_ids(value)
    if found:
        return found[0]
    value = (value or "").strip().strip("<>").strip()
    return f"<{value}>" if value and not any(c.isspace() for c in value) else ""


def stand_in_message_id(*parts: str, domain: str) -> str:
    """A Message-ID for a mail that came without one, the same for the same mail delivered twice."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"<no-id.{digest}@{domain}>"


def case_tag(subject: str) -> str | None:
    """The case code a subject's ``[#CW-2026-0001]`` tag names, if any."""
    found = _CASE_TAG.search(subject or "")
    return found.group(1).upper() if found else None


def guess_language(text: str) -> str:
    """A site language for answering someone whose language is not known yet, from the script they wrote in."""
    han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    arabic = sum(1 for c in text if "\u0600" <= c <= "\u06ff")
    if han >= 2 and han >= arabic:
        return "zh-hans"
    if arabic >= 2:
        return "ar"
    return "en"
