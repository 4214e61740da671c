"""Staff and patient accounts."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


class User(AbstractUser):
    """A person who signs in: a member of staff (with one or more roles) or a patient.

    Roles are groups (see `cellway.accounts.roles`). Times are shown in the
    user's own zone; dates that are clinic rules are computed in the clinic's.
    """

    time_zone = models.CharField(max_length=64, default=settings.CLINIC_TIME_ZONE, validators=[validate_time_zone])

    class Meta:
        ordering = ["last_name", "first_name"]
        permissions = [("manage_staff", "Can manage staff accounts and roles")]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def role_names(self) -> list[str]:
        """The user's roles, read once per request (the user object lives as long as the request)."""
        return sorted(self.groups.values_list("name", flat=True))
