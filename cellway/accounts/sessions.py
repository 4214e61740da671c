"""What a staff session knows about its own sign-in: when it began, when it was last used, when the second factor was shown.

Times are seconds since the epoch in the session (JSON), as allauth keeps its own records.
"""

from __future__ import annotations

import time

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.http import HttpRequest

SIGNED_IN_AT = "cellway_signed_in_at"
LAST_SEEN = "cellway_last_seen"
# The last-seen time is written at most this often (a session write per request would cost a query each).
LAST_SEEN_RESOLUTION = 60


def expiry_reason(request: HttpRequest, now: float | None = None) -> str:
    """"idle" or "lifetime" when this signed-in session must end now, else ""."""
    now = time.time() if now is None else now
    session = request.session
    signed_in_at = session.setdefault(SIGNED_IN_AT, now)
    last_seen = session.get(LAST_SEEN, now)
    if now - float(last_seen) > settings.SESSION_IDLE_SECONDS:
        return "idle"
    if now - float(signed_in_at) > settings.SESSION_COOKIE_AGE:
        return "lifetime"
    if now - float(last_seen) >= LAST_SEEN_RESOLUTION or LAST_SEEN not in session:
        session[LAST_SEEN] = now
    return ""


def second_factor_proved_at(request: HttpRequest) -> float | None:
    """When this session last showed the second factor (at sign-in or re-authentication), from allauth's records."""
    records = get_authentication_records(request, request.user)
    times = [float(record["at"]) for record in records if record.get("method") == "mfa"]
    return max(times) if times else None
