"""Writes to the clinic-wide trail, and electronic signatures (21 CFR Part 11 §11.50, §11.200 as the reference)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cellway.audit.models import AuditEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

    from cellway.audit.signatures import Signature

# The credential Django's authenticate() passes on to `user_login_failed` when the password is asked at
# signing: accounts.signals writes such a failure as `signature.failed`, not as a failed sign-in.
SIGNING = "signing"
# Beside it, when the password was right and the second factor's code was not (verify_signer reports that itself).
SIGNING_FAILED = "signing_failed"


def audit_record(*, actor: Any, action: str, target: str = "", reason: str = "", data: dict[str, Any] | None = None) -> AuditEvent:
    """Append one entry to the clinic-wide trail (call inside the writing transaction)."""
    return AuditEvent.objects.create(actor=actor, action=action, target=target, reason=reason, data=data or {})


@dataclass(frozen=True)
class VerifiedSigner:
    """Proof that `signer` has just given their own password (and, when asked, their second factor) to sign `meaning`.

    Only `verify_signer` makes one; `components` says what was verified, and the signature records it.
    """

    signer: Any
    meaning: str
    components: str = "password"


def verify_signer(
    *, signer: Any, password: str, meaning: str, request: HttpRequest | None, second_factor: str = ""
) -> VerifiedSigner:
    """Ask the signer's password again, and the second factor's code when the session has not shown the factor
    lately (`audit.two_components`). Call before the writing transaction: a failure stays on the trail.

    With the request, the password goes through the sign-in door (Django's
    `authenticate`, so django-axes counts a wrong one towards the same
    lockout as a failed sign-in, per username and address, and refuses
    while it lasts); a wrong code is reported through the same door
    (`user_login_failed`), so it is a `signature.failed` row and counts
    towards the same lockout. Without a request (the demo's walker, tests of
    the rules) there is no address to count against, and the failure is
    still on the trail. A one-time password an administrator set is refused:
    the person chooses their own first.
    """
    from cellway.audit.two_components import WrongCode, check_second_component
    from cellway.errors import Refusal

    if not _password_correct(signer=signer, password=password, meaning=meaning, request=request):
        raise Refusal("The password is not correct; nothing was signed.")
    if signer.must_change_password:
        audit_record(
            actor=signer,
            action="signature.refused",
            target=signer.get_username(),
            reason="a one-time password set by an administrator, not yet changed",
            data={"meaning": meaning},
        )
        raise Refusal("Your password was set by an administrator for one sign-in: choose your own before you sign. Nothing was signed.")
    try:
        components = check_second_component(signer, second_factor)
    except WrongCode:
        _failed(signer=signer, meaning=meaning, request=request, component="second factor")
        raise
    return VerifiedSigner(signer=signer, meaning=meaning, components=components)


def _password_correct(*, signer: Any, password: str, meaning: str, request: HttpRequest | None) -> bool:
    from django.contrib.auth import authenticate

    if request is None:
        correct = bool(password) and signer.check_password(password)
        if not correct:
            _failed(signer=signer, meaning=meaning, request=None, component="password")
        return correct
    person = authenticate(request, username=signer.get_username(), password=password, **{SIGNING: meaning})
    _refuse_if_locked_out(request)
    return person is not None and person.pk == signer.pk


def _failed(*, signer: Any, meaning: str, request: HttpRequest | None, component: str) -> None:
    """A failed signing attempt: with a request, through the sign-in door's `user_login_failed` (django-axes counts it,
    accounts.signals writes the `signature.failed` row); without one, the row alone."""
    from django.contrib.auth.signals import user_login_failed

    if request is None:
        audit_record(actor=signer, action="signature.failed", target=signer.get_username(), data={"meaning": meaning, "failed": component})
        return
    credentials = {"username": signer.get_username(), SIGNING: meaning, SIGNING_FAILED: component}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    _refuse_if_locked_out(request)


def _refuse_if_locked_out(request: HttpRequest) -> None:
    from django.conf import settings

    from cellway.errors import Refusal

    if getattr(request, "axes_locked_out", False):
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        raise Refusal(f"Too many wrong passwords or codes: signing and signing in are paused for {minutes} minutes. Nothing was signed.")


def check_signed(*, signature: Signature | None, content: dict[str, Any], seen_by: Any) -> bool:
    """Whether signed content about to be shown is still what was signed. Call wherever it is shown; warn if False.

    A mismatch means the row was changed around the services and the
    database's freeze (`audit.frozen`): a restored backup, a database
    owner's hand. It goes on the trail (one row per signature an hour, with
    both digests) and the log, so the clinic looks into it.
    """
    import datetime as dt
    import logging

    from django.utils import timezone

    from cellway.audit.signatures import digest_of, matches

    if signature is None or matches(signature, content):
        return True
    logging.getLogger(__name__).error("Signed content does not match its signature %s (%s)", signature.pk, signature.subject)
    since = timezone.now() - dt.timedelta(hours=1)
    if not AuditEvent.objects.filter(action="signature.mismatch", target=signature.subject, at__gte=since).exists():
        data = {"signature": signature.pk, "signed": signature.digest, "shown": digest_of(content)}
        audit_record(actor=seen_by, action="signature.mismatch", target=signature.subject, data=data)
    return False


def sign(*, verified: VerifiedSigner, subject: str, content: dict[str, Any]) -> Signature:
    """Sign `content` as the verified signer, with the meaning they gave their password for. Call inside the writing transaction."""
    from cellway.audit.signatures import Signature, digest_of

    return Signature.objects.create(
        signer=verified.signer, meaning=verified.meaning, components=verified.components, subject=subject, digest=digest_of(content)
    )
