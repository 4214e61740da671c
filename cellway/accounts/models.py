"""Staff and patient accounts, and the role grants that wait for a second administrator."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Value
from django.utils.functional import cached_property

from cellway import limits


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


class User(AbstractUser):
    """A person who signs in: a member of staff (with one or more roles) or a patient.

    Roles are groups (see `cellway.accounts.roles`). Times are shown in the
    user's own zone; dates that are clinic rules are computed in the clinic's.
    """

    time_zone = models.CharField(max_length=64, default=settings.CLINIC_TIME_ZONE, validators=[validate_time_zone])
    # Set with a one-time password an administrator gave (accounts.services.set_one_time_password): until the
    # person chooses their own, every page sends them to change it and nothing can be signed with it.
    must_change_password = models.BooleanField(
        "must change password", default=False, editable=False, help_text="A one-time password was set; it must be changed at sign-in."
    )
    # The language the portal and every mail to this person are in (a site language code), chosen by them.
    language = models.CharField(max_length=16, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)

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

    def set_password(self, raw_password: str | None) -> None:
        """A password the person sets (change, reset) is their own: the one-time flag goes with it.

        `accounts.services.set_one_time_password` sets the flag again after calling this.
        """
        super().set_password(raw_password)
        self.must_change_password = False

    def check_password(self, raw_password: str | None) -> bool:
        # Django re-hashes an outdated hash here through set_password (saving only the password):
        # that is not the person choosing a password, so the one-time flag stays as it was.
        flag = self.must_change_password
        try:
            return super().check_password(raw_password)
        finally:
            self.must_change_password = flag


@dataclass(frozen=True)
class Access:
    roles: list[str]
    permissions: frozenset[str]


class GrantStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a second administrator"
    GRANTED = "granted", "Granted"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn by who asked"


class RoleGrant(models.Model):
    """Every role given to a person: who asked, why, and who granted it.

    A clinical or finance-manager role asked for by someone who is not a
    superuser waits here (pending) until a second administrator who holds the
    role approves it (`accounts.services`). Each step is also on the audit trail.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_grants")
    role = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=limits.REASON)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=GrantStatus.choices, default=GrantStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, max_length=limits.REASON)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"], condition=models.Q(status="pending"), name="one_pending_grant_per_user_and_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role.name} for {self.user} ({self.get_status_display().lower()})"


class CalendarFeed(models.Model):
    """A staff member's secret address for the ward calendar in their calendar app (`/ward/feed/<token>.ics`).

    Whoever holds the address reads the feed without signing in (calendar apps cannot), so the token is the
    only key: 256 random bits, one live token per person. Renewing it replaces the token (the old address
    answers 404 at once); stopping deletes it. Written only by `accounts.services` (renew_calendar_feed,
    stop_calendar_feed), each on the trail.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
