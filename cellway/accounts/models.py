"""Staff and patient accounts."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Permission
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Value
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
    def access(self) -> Access:
        """The user's roles and permissions (their own and their roles'), read in one query once per request
        (the user object lives as long as the request)."""
        label = Value("", output_field=models.CharField())
        by_role = self.groups.order_by().values_list("name", "permissions__content_type__app_label", "permissions__codename")
        own = Permission.objects.filter(user=self).order_by().values_list(label, "content_type__app_label", "codename")
        roles: set[str] = set()
        permissions: set[str] = set()
        for role, app_label, codename in by_role.union(own, all=True):
            if role:
                roles.add(role)
            if codename:
                permissions.add(f"{app_label}.{codename}")
        return Access(roles=sorted(roles), permissions=frozenset(permissions))

    @property
    def role_names(self) -> list[str]:
        return self.access.roles

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        """`access.permissions` answers directly what the backends would (`RoleBackend` reads the same set).

        A case page asks dozens of times, and Django asks each backend anew
        each time, importing and instantiating it; a superuser, an inactive
        user or a per-object question still goes to the backends.
        """
        if obj is None and self.is_active and not self.is_superuser:
            return perm in self.access.permissions
        return super().has_perm(perm, obj)


@dataclass(frozen=True)
class Access:
    roles: list[str]
    permissions: frozenset[str]
