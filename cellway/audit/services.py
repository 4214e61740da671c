from __future__ import annotations

from typing import Any

from cellway.audit.models import AuditEvent


def audit_record(*, actor: Any, action: str, target: str = "", reason: str = "", data: dict[str, Any] | None = None) -> AuditEvent:
    """Append one entry to the clinic-wide trail (call inside the writing transaction)."""
    return AuditEvent.objects.create(actor=actor, action=action, target=target, reason=reason, data=data or {})


def sign(*, signer: Any, password: str, meaning: str, subject: str, content: dict[str, Any], second_factor: str = "") -> Any:
    """Sign `content` as `signer`, after checking the password again, and the code of the second factor
    when the session has not shown it lately (audit/two_components.py). Call inside the writing transaction."""
    from cellway.audit.signatures import Signature, digest_of
    from cellway.audit.two_components import check_second_component
    from cellway.errors import Refusal

    if not password or not signer.check_password(password):
        raise Refusal("The password is not correct; nothing was signed.")
    check_second_component(signer, second_factor)
    return Signature.objects.create(signer=signer, meaning=meaning, subject=subject, digest=digest_of(content))
