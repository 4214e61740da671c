"""Sign-ins, sign-outs and failed sign-ins go on the clinic-wide trail."""

from __future__ import annotations

from typing import Any

from cellway.audit.services import SIGNING, audit_record


def _ip(request: Any) -> str:
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""


def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.signed_in", target=str(user), data={"ip": _ip(request)})


def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action="auth.signed_out", target=str(user), data={"ip": _ip(request)})


def _locked_out(request: Any) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # Never the password: only the name that was tried.
    if credentials.get(SIGNING):
        # The password asked again at signing (audit.services.verify_signer): the person is signed in.
        actor = getattr(request, "user", None)
        audit_record(
            actor=actor if actor is not None and actor.is_authenticated else None,
            action="signature.failed",
            target=str(credentials.get("username", ""))[:200],
            data={"ip": _ip(request), "meaning": str(credentials[SIGNING])[:120], "locked_out": _locked_out(request)},
        )
        return
    audit_record(actor=None, action="auth.sign_in_failed", target=str(credentials.get("username", ""))[:200], data={"ip": _ip(request)})
