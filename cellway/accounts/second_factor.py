"""Who needs a second factor, and who has one (django-allauth's MFA keeps the authenticators)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings

# A factor one can sign in with; recovery codes alone are the fallback, not a factor to enrol.
ENROLLED_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def is_staff_member(user: Any) -> bool:
    """Staff: anyone with a clinic role, or with access to the admin site."""
    return bool(user.is_staff or user.is_superuser or user.role_names)


def has_second_factor(user: Any) -> bool:
    return bool(Authenticator.objects.filter(user=user, type__in=ENROLLED_TYPES).exists())


def had_second_factor_before(user: Any, moment: dt.datetime) -> bool:
    """Whether any authenticator (recovery codes included) of `user` is older than `moment`."""
    return bool(Authenticator.objects.filter(user=user, created_at__lt=moment).exists())


def must_enrol(user: Any) -> bool:
    """With CELLWAY_STAFF_MFA=required, a member of staff without a second factor may do nothing but set one up."""
    return settings.STAFF_MFA == "required" and is_staff_member(user) and not has_second_factor(user)
