from __future__ import annotations

from typing import Any

from cellway.audit.models import AuditEvent


def audit_record(*, actor: Any, action: str, target: str = "", reason: str = "", data: dict[str, Any] | None = None) -> AuditEvent:
    """Append one entry to the clinic-wide trail (call inside the writing transaction)."""
    return AuditEvent.objects.create(actor=actor, action=action, target=target, reason=reason, data=data or {})


def sign(*, signer: Any, password: str, meaning: str, subject: str, content: dict[str, Any]) -> Any:
    """Sign `content` as `signer`, after checking the password again. Call inside the writing transaction."""
    from cellway.audit.signatures import Signature, digest_of
    from cellway.errors import Refusal

    if not password or not signer.check_password(password):
        raise Refusal("The password is not correct; nothing was signed.")
    return Signature.objects.create(signer=signer, meaning=meaning, subject=subject, digest=digest_of(content))
