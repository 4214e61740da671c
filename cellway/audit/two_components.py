"""Signing with two components (21 CFR Part 11 §11.200(a)(1)): the password and, for a person who has one,
the second factor, unless their session showed that factor within CELLWAY_SIGNING_FRESH_MINUTES.

"Fresh" is the time of the last sign-in or re-authentication with the second factor in this session
(django-allauth's records); `cellway.accounts.middleware.StaffSessionMiddleware` hands it to the
signer object of each request as `second_factor_at` (seconds since the epoch). Outside a request
(commands, the demo walker) there is none, so a person with a second factor gives the code.
"""

from __future__ import annotations

import time
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings

from cellway.errors import Refusal

_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def _has_second_factor(signer: Any) -> bool:
    return bool(Authenticator.objects.filter(user=signer, type__in=_FACTORS).exists())


def signing_needs_code(signer: Any) -> bool:
    """Whether signing now asks for a code as well as the password (the signing forms ask this too)."""
    if not _has_second_factor(signer):
        return False
    shown_at = getattr(signer, "second_factor_at", None)
    return shown_at is None or time.time() - float(shown_at) >= settings.SIGNING_FRESH_SECONDS


class WrongCode(Refusal):
    """A code was given and is not good: a failed signing attempt (on the trail, counted towards the lockout)."""


def check_second_component(signer: Any, code: str) -> str:
    """Refuse unless the second component is there when needed: a current code from the authenticator
    app, or an unused recovery code. A code is good once (allauth remembers used ones).

    Returns what stood beside the password, for the signature's record (`Signature.components`)."""
    if settings.STAFF_MFA == "required" and not _has_second_factor(signer):
        raise Refusal("Set up a second factor (your name at the top, then Two-Factor Authentication) before signing; nothing was signed.")
    if not signing_needs_code(signer):
        return "password, second factor shown in this session" if _has_second_factor(signer) else "password"
    code = code.strip().replace(" ", "")
    minutes = settings.SIGNING_FRESH_SECONDS // 60
    if not code:
        raise Refusal(
            f"You signed in more than {minutes} minutes ago: enter the code from your authenticator app as well as your password "
            "(or confirm with your passkey first); nothing was signed."
        )
    for authenticator in Authenticator.objects.filter(user=signer).exclude(type=Authenticator.Type.WEBAUTHN):
        if authenticator.wrap().validate_code(code):
            authenticator.record_usage()
            return "password, recovery code" if authenticator.type == Authenticator.Type.RECOVERY_CODES else "password, authenticator code"
    raise WrongCode("The code is not correct, or was already used; nothing was signed.")
