"""Writes about accounts that are not django-allauth's own flows: the lost-device procedure."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.db import transaction

from cellway import limits
from cellway.audit.services import audit_record
from cellway.errors import NotAllowed, Refusal


def check_reset_second_factor(*, person: Any, by: Any) -> None:
    """Who may clear another person's second factor: a clinic administrator (or a superuser), never for themselves,
    and only a superuser for a superuser."""
    if by.pk == person.pk:
        raise NotAllowed("Nobody clears their own second factor: sign in with a recovery code, or ask another administrator.")
    if not (by.is_active and (by.is_superuser or by.has_perm("accounts.manage_staff"))):
        raise NotAllowed("Only a clinic administrator clears a second factor.")
    if person.is_superuser and not by.is_superuser:
        raise NotAllowed("Only a superuser clears a superuser's second factor.")


def reset_second_factor(*, person: Any, by: Any, reason: str) -> list[str]:
    """A lost or broken device: remove every authenticator of `person` (app, passkeys, recovery codes), with the
    reason on the trail. At their next page the person is sent to set up a new one (CELLWAY_STAFF_MFA=required).
    Returns the kinds removed."""
    with transaction.atomic():
        check_reset_second_factor(person=person, by=by)
        limits.check_length(reason, limits.REASON, "The reason")
        if not reason.strip():
            raise Refusal("Say why, and how the person's identity was checked (e.g. 'phone lost; seen in person by A. Admin').")
        factors = Authenticator.objects.select_for_update().filter(user=person)
        kinds = sorted(str(kind) for kind in factors.values_list("type", flat=True))
        if not kinds:
            raise Refusal(f"{person.get_username()} has no second factor to clear.")
        factors.delete()
        audit_record(actor=by, action="auth.second_factor_reset", target=person.get_username(), reason=reason, data={"removed": kinds})
    return kinds
