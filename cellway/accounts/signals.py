"""Sign-ins, sign-outs, failed sign-ins and every change of a password or a second factor go on the clinic-wide trail.

Never a password or a code: only the name that was tried, the address, and what changed.
"""

from __future__ import annotations

import time
from typing import Any

from cellway.accounts.sessions import LAST_SEEN, SIGNED_IN_AT
from cellway.audit.services import audit_record


def _ip(request: Any) -> str:
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""


def username_tried(request: Any, credentials: dict[str, Any] | None) -> str:
    """The username of a sign-in attempt, for django-axes: allauth's form calls the field `login`,
    its authenticate() passes it on as `username`."""
    if credentials:
        return str(credentials.get("username") or credentials.get("login") or "")
    post = getattr(request, "POST", None) or {}
    return str(post.get("login") or post.get("username") or "")


def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        # The session's absolute lifetime and idle time count from here (accounts/middleware.py).
        session[SIGNED_IN_AT] = session[LAST_SEEN] = time.time()
    audit_record(actor=user, action="auth.signed_in", target=str(user), data={"ip": _ip(request)})


def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action="auth.signed_out", target=str(user), data={"ip": _ip(request)})


def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    audit_record(actor=None, action="auth.sign_in_failed", target=username_tried(request, credentials)[:200], data={"ip": _ip(request)})


def on_password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.password_changed", target=str(user), data={"ip": _ip(request)})


def on_password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # By the emailed link: the person proved they read the account's mailbox, nobody else chose the password.
    audit_record(actor=user, action="auth.password_reset", target=str(user), data={"ip": _ip(request), "by": "emailed link"})


def on_authenticator_added(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.second_factor_added", target=str(user), data={"ip": _ip(request), "type": authenticator.type})


def on_authenticator_removed(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.second_factor_removed", target=str(user), data={"ip": _ip(request), "type": authenticator.type})


def on_authenticator_reset(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    # allauth sends this when new recovery codes replace the old ones.
    audit_record(actor=user, action="auth.recovery_codes_renewed", target=str(user), data={"ip": _ip(request), "type": authenticator.type})


def on_second_factor_failed(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    # The password was right (or the person is signed in and re-authenticating); the code was not.
    audit_record(
        actor=None,
        action="auth.second_factor_failed",
        target=str(user.get_username())[:200],
        data={"ip": _ip(request), "type": authenticator.type, "reauthentication": bool(kwargs.get("reauthentication"))},
    )
