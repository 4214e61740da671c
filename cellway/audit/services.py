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


def audit_record(*, actor: Any, action: str, target: str = "", reason: str = "", data: dict[str, Any] | None = None) -> AuditEvent:
    """Append one entry to the clinic-wide trail (call inside the writing transaction)."""
    return AuditEvent.objects.create(actor=actor, action=action, target=target, reason=reason, data=data or {})


@dataclass(frozen=True)
class VerifiedSigner:
    """Proof that `signer` has just given their own password to sign `meaning`. Only `verify_signer` makes one."""

    signer: Any
    meaning: str


def verify_signer(*, signer: Any, password: str, meaning: str, request: HttpRequest | None) -> VerifiedSigner:
    """Ask the signer's password again. Call before the writing transaction: a failure stays on the trail.

    With the request, the password goes through the sign-in door (Django's
    `authenticate`, so django-axes counts a wrong one towards the same
    lockout as a failed sign-in, per username and address, and refuses
    while it lasts); without one (the demo's walker, tests of the rules)
    there is no address to count against, and the failure is still on the
    trail. A one-time password an administrator set is refused: the person
    chooses their own first.
    """
    from django.conf import settings
    from django.contrib.auth import authenticate

    from cellway.errors import Refusal

    if request is not None:
        person = authenticate(request, username=signer.get_username(), password=password, **{SIGNING: meaning})
        if getattr(request, "axes_locked_out", False):
            minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
            raise Refusal(f"Too many wrong passwords: signing and signing in are paused for {minutes} minutes. Nothing was signed.")
        correct = person is not None and person.pk == signer.pk
    else:
        correct = bool(password) and signer.check_password(password)
        if not correct:
            audit_record(actor=signer, action="signature.failed", target=signer.get_username(), data={"meaning": meaning})
    if not correct:
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
    return VerifiedSigner(signer=signer, meaning=meaning)


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

    return Signature.objects.create(signer=verified.signer, meaning=verified.meaning, subject=subject, digest=digest_of(content))
