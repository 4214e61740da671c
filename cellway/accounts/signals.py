"""Sign-ins, sign-outs, failed sign-ins and every change of a password or a second factor go on the clinic-wide trail.

Never a password or a code: only the name that was tried, the address, and what changed.
"""

from __future__ import annotations

import time
from typing import Any

from cellway.accounts import services
from cellway.accounts.sessions import LAST_SEEN, SIGNED_IN_AT
from cellway.audit.services import SIGNING, SIGNING_FAILED, audit_record


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


def _locked_out(request: Any) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # Never the password: only the name that was tried.
    if credentials.get(SIGNING):
        # The password (or, after it, the second factor's code) asked again at signing (audit.services.verify_signer):
        # the person is signed in.
        actor = getattr(request, "user", None)
        data = {"ip": _ip(request), "meaning": str(credentials[SIGNING])[:120], "locked_out": _locked_out(request)}
        audit_record(
            actor=actor if actor is not None and actor.is_authenticated else None,
            action="signature.failed",
            target=username_tried(request, credentials)[:200],
            data={**data, "failed": str(credentials.get(SIGNING_FAILED) or "password")},
        )
        return
    audit_record(actor=None, action="auth.sign_in_failed", target=username_tried(request, credentials)[:200], data={"ip": _ip(request)})


def on_password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # allauth's own change page (a one-time password is replaced there too); the flag went with the new password.
    services.password_changed(user=user, how="changed", was_one_time=services.was_one_time(user), ip=_ip(request))


def on_password_set(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.password_changed(user=user, how="set", was_one_time=services.was_one_time(user), ip=_ip(request))


def on_password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # By the emailed link (asked for on the sign-in page, or sent by an administrator): the person proved they
    # read the account's mailbox, nobody else chose the password.
    services.password_changed(user=user, how="reset", was_one_time=services.was_one_time(user), ip=_ip(request))


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

