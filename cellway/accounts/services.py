"""Writes about people: accounts, roles and passwords. Each is on the clinic-wide trail (who, whom, what, why).

The rules (issue 8, "an administrator who cannot forge"):
- nobody sets another person's password to a value of their choosing: an
  administrator sends a reset link, or sets a one-time password the person
  must change at their next sign-in and cannot sign with;
- nobody grants a role they do not hold; a clinical or finance-manager role
  needs a second administrator who holds it, or a superuser;
- only a superuser touches a superuser's account, superuser status, single
  permissions or another person's email address (where reset links go).

A refused attempt changes nothing and leaves one trail row saying who tried
what on whom, and why it was refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from allauth.account.forms import ResetPasswordForm
from allauth.core.context import request_context
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from cellway import limits
from cellway.accounts.models import CalendarFeed, GrantStatus, RoleGrant, User
from cellway.accounts.roles import CALENDAR_FEED_ROLES, TWO_PERSON_ROLES
from cellway.audit.services import audit_record
from cellway.errors import NotAllowed, Refusal

# What only a superuser changes on an account: who is a superuser, single permissions, who may enter the
# admin, and where a person's reset links go (changing someone's address, then sending a reset, would hand
# their account to whoever changed it).
SUPERUSER_FIELDS = frozenset({"is_superuser", "user_permissions", "is_staff", "email"})
# What the trail records of a change, by field (never the password).
ACCOUNT_FIELDS = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser", "time_zone")


@contextmanager
def _attempt(*, by: User, action: str, user: User | None, reason: str = "") -> Iterator[None]:
    """One transaction for the write; if a rule refuses it, nothing is written but one `<action>.refused` row.

    Call outside any transaction (the admin's own views do), or the refusal's row goes with the caller's rollback.
    """
    try:
        with transaction.atomic():
            yield
    except Refusal as refusal:
        refused(by=by, action=action, user=user, reason=reason, message=refusal.message)
        raise


def refused(*, by: User, action: str, user: User | None, reason: str, message: str) -> None:
    """The trail row of a refused attempt: who tried what on whom, and the refusal."""
    audit_record(
        actor=by,
        action=f"{action}.refused",
        target=user.username if user is not None else "",
        reason=reason[: limits.REASON],
        data={"refusal": message, **({"user": user.pk} if user is not None else {})},
    )


def _check_reason(reason: str, doing: str) -> None:
    limits.check_length(reason, limits.REASON, "The reason")
    if not reason.strip():
        raise Refusal(f"Say why you {doing}: the reason goes on the trail.")


def holds(person: User, role: Group) -> bool:
    return person.is_superuser or person.groups.filter(pk=role.pk).exists()


# --- Checks (the admin pages ask them to decide what to offer) -------------------------------------


def check_manage_staff(*, by: User) -> None:
    if not by.has_perm("accounts.manage_staff"):
        raise NotAllowed("Your role does not allow you to manage staff accounts.")


def check_manage_account(*, user: User, by: User) -> None:
    """Whether `by` may change `user`'s account at all."""
    check_manage_staff(by=by)
    if user.is_superuser and not by.is_superuser:
        raise NotAllowed(f"Only a superuser may change {user.username}'s account: {user.username} is a superuser.")


def check_set_password(*, user: User, by: User) -> None:
    """An administrator may send a reset or set a one-time password, never for their own account."""
    check_manage_account(user=user, by=by)
    if user.pk == by.pk:
        raise Refusal("Change your own password on your own password page, not here.")


def check_grant_role(*, user: User, role: Group, by: User) -> None:
    """Grant at once a role one holds; a clinical or finance-manager role is asked for and waits for a second administrator."""
    check_manage_account(user=user, by=by)
    if user.groups.filter(pk=role.pk).exists():
        raise Refusal(f"{user.username} already holds the role {role.name}.")
    if RoleGrant.objects.filter(user=user, role=role, status=GrantStatus.PENDING).exists():
        raise Refusal(f"A grant of {role.name} to {user.username} already waits for a second administrator.")
    if not needs_second_administrator(role=role, by=by) and not holds(by, role):
        raise Refusal(_not_held(role))


def needs_second_administrator(*, role: Group, by: User) -> bool:
    return role.name in TWO_PERSON_ROLES and not by.is_superuser


def check_decide_grant(*, grant: RoleGrant, by: User) -> None:
    check_manage_account(user=grant.user, by=by)
    if grant.status != GrantStatus.PENDING:
        raise Refusal(f"This grant is already {grant.get_status_display().lower()}.")


def check_approve_grant(*, grant: RoleGrant, by: User) -> None:
    """A second administrator, not the one who asked nor the person it is for, who holds the role (or a superuser)."""
    check_decide_grant(grant=grant, by=by)
    if grant.requested_by_id == by.pk:
        raise Refusal("You asked for this grant: a second administrator must approve it.")
    if grant.user_id == by.pk:
        raise Refusal("You cannot approve a role for yourself: a second administrator must approve it.")
    if not holds(by, grant.role):
        raise Refusal(_not_held(grant.role))


def _not_held(role: Group) -> str:
    return f"You do not hold the role {role.name}, so you cannot grant it. Ask a superuser or an administrator who holds it."


def check_withdraw_role(*, user: User, role: Group, by: User) -> None:
    check_manage_account(user=user, by=by)
    if not user.groups.filter(pk=role.pk).exists():
        raise Refusal(f"{user.username} does not hold the role {role.name}.")


def check_change_user(*, user: User, by: User, fields: set[str]) -> None:
    check_manage_account(user=user, by=by)
    superuser_only = sorted(fields & SUPERUSER_FIELDS)
    if superuser_only and not by.is_superuser and not (superuser_only == ["email"] and user.pk == by.pk):
        raise NotAllowed(f"Only a superuser may change {', '.join(superuser_only)} of an account.")


# --- Roles ---------------------------------------------------------------------------------------------


def grant_role(*, user: User, role: Group, by: User, reason: str) -> RoleGrant:
    """Give `user` the role, or, for a clinical or finance-manager role asked by a non-superuser, ask for it.

    The returned grant says which: `granted`, or `pending` until a second administrator approves.
    """
    with _attempt(by=by, action="role.grant", user=user, reason=reason):
        user = User.objects.select_for_update().get(pk=user.pk)
        check_grant_role(user=user, role=role, by=by)
        _check_reason(reason, f"give {user.username} the role {role.name}")
        grant = RoleGrant(user=user, role=role, reason=reason, requested_by=by)
        data = {"user": user.pk, "role": role.name}
        if needs_second_administrator(role=role, by=by):
            try:
                grant.save()
            except IntegrityError:  # asked at the same moment by someone else
                raise Refusal(f"A grant of {role.name} to {user.username} already waits for a second administrator.") from None
            audit_record(actor=by, action="role.grant_requested", target=user.username, reason=reason, data=data)
            return grant
        grant.status, grant.decided_by, grant.decided_at = GrantStatus.GRANTED, by, timezone.now()
        grant.save()
        user.groups.add(role)
        audit_record(actor=by, action="role.granted", target=user.username, reason=reason, data=data)
    return grant


def approve_grant(*, grant: RoleGrant, by: User, reason: str = "") -> RoleGrant:
    """A second administrator who holds the role (or a superuser) approves a waiting grant: the person now holds it."""
    with _attempt(by=by, action="role.grant_approve", user=grant.user, reason=reason):
        grant = RoleGrant.objects.select_for_update().select_related("user", "role", "requested_by").get(pk=grant.pk)
        check_approve_grant(grant=grant, by=by)
        limits.check_length(reason, limits.REASON, "The reason")
        grant.status, grant.decided_by, grant.decided_at, grant.decision_reason = GrantStatus.GRANTED, by, timezone.now(), reason
        grant.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        grant.user.groups.add(grant.role)
        data = {"user": grant.user_id, "role": grant.role.name, "grant": grant.pk, "requested_by": grant.requested_by.username}
        audit_record(actor=by, action="role.grant_approved", target=grant.user.username, reason=reason or grant.reason, data=data)
    return grant


def refuse_grant(*, grant: RoleGrant, by: User, reason: str) -> RoleGrant:
    """Refuse a waiting grant (withdraw it, if `by` asked for it). Nothing is given."""
    with _attempt(by=by, action="role.grant_refuse", user=grant.user, reason=reason):
        grant = RoleGrant.objects.select_for_update().select_related("user", "role").get(pk=grant.pk)
        check_decide_grant(grant=grant, by=by)
        _check_reason(reason, "refuse this grant")
        withdrawn = grant.requested_by_id == by.pk
        grant.status = GrantStatus.WITHDRAWN if withdrawn else GrantStatus.REFUSED
        grant.decided_by, grant.decided_at, grant.decision_reason = by, timezone.now(), reason
        grant.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        action = "role.grant_withdrawn" if withdrawn else "role.grant_refused"
        audit_record(actor=by, action=action, target=grant.user.username, reason=reason, data={"role": grant.role.name, "grant": grant.pk})
    return grant


def withdraw_role(*, user: User, role: Group, by: User, reason: str) -> None:
    """Take a role away (anyone who manages the account may: it only narrows what the person can do)."""
    with _attempt(by=by, action="role.withdraw", user=user, reason=reason):
        user = User.objects.select_for_update().get(pk=user.pk)
        check_withdraw_role(user=user, role=role, by=by)
        _check_reason(reason, f"take the role {role.name} from {user.username}")
        user.groups.remove(role)
        audit_record(actor=by, action="role.withdrawn", target=user.username, reason=reason, data={"user": user.pk, "role": role.name})


# --- Passwords -----------------------------------------------------------------------------------------


class _ResetFor(ResetPasswordForm):  # type: ignore[misc]  # allauth ships no type hints
    """allauth's reset mail (its signed, expiring link to the reset-by-key page, the page the sign-in's
    "forgot your password" uses too), to exactly this person: we know whom, not only an address."""

    def __init__(self, user: User) -> None:
        super().__init__(data={"email": user.email})
        self.person = user

    def clean_email(self) -> str:
        email = str(super().clean_email())
        self.users = [self.person]
        return email


def send_password_reset(*, user: User, by: User, reason: str, request: HttpRequest) -> None:
    """Email `user` a link to choose a new password (sent when the transaction commits). Their password is unchanged until they do."""
    with _attempt(by=by, action="password.reset_send", user=user, reason=reason):
        check_set_password(user=user, by=by)
        _check_reason(reason, f"send {user.username} a password reset")
        _queue_reset_mail(user, request)
        audit_record(actor=by, action="password.reset_sent", target=user.username, reason=reason, data={"user": user.pk, "to": user.email})


def _queue_reset_mail(user: User, request: HttpRequest) -> None:
    if not user.email:
        raise Refusal(f"{user.username} has no email address: set a one-time password instead.")
    form = _ResetFor(user)
    if not form.is_valid():
        raise Refusal(f"{user.username}'s email address {user.email} cannot receive mail: set a one-time password instead.")
    transaction.on_commit(lambda: _send_reset(form, request))


def _send_reset(form: _ResetFor, request: HttpRequest) -> None:
    # allauth finds the request (for the link's host and scheme) in its context, set by its middleware during a
    # request; a commit after the response (a test's captured callbacks) needs it set here.
    with request_context(request):
        form.save(request)


def set_one_time_password(*, user: User, by: User, reason: str) -> str:
    """Give `user` a generated password for one sign-in, and return it (shown once, to `by`).

    Until `user` chooses their own, every page sends them to change it and no
    signature accepts it; their other sessions end (the password hash changed).
    """
    with _attempt(by=by, action="password.one_time_set", user=user, reason=reason):
        user = User.objects.select_for_update().get(pk=user.pk)
        check_set_password(user=user, by=by)
        _check_reason(reason, f"set a one-time password for {user.username}")
        password = _one_time_password(user)
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        audit_record(actor=by, action="password.one_time_set", target=user.username, reason=reason, data={"user": user.pk})
    return password


# Read out over the telephone: no letters or digits that sound or look alike (l 1 i, o 0).
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _one_time_password(user: User) -> str:
    while True:  # four groups of four: about 79 random bits; a draw the validators refuse is drawn again
        password = "-".join("".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(4)) for _ in range(4))
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password


def password_changed(*, user: User, how: str, was_one_time: bool, ip: str = "") -> None:
    """The person chose a new password themselves (`how`: changed, reset, set): on the trail, never the password.

    Called on allauth's signals (accounts.signals) after its change, reset-by-key or set page saved the password;
    `User.set_password` has already cleared the one-time flag, which `was_one_time` says was set.
    """
    action = "password.one_time_replaced" if was_one_time else f"password.{how}"
    audit_record(actor=user, action=action, target=user.username, data={"user": user.pk, "how": how, "ip": ip})


# Set on the person object by AccountAdapter.set_password just before a password they chose replaces the old one.
WAS_ONE_TIME = "_cellway_was_one_time"


def was_one_time(user: User) -> bool:
    """Whether the password the person just replaced was a one-time password (see WAS_ONE_TIME)."""
    return bool(getattr(user, WAS_ONE_TIME, False))


# --- Accounts ------------------------------------------------------------------------------------------


def create_user(*, user: User, by: User, reason: str, request: HttpRequest) -> User:
    """Create a staff account with no password: the person is emailed a link to choose one. Roles are granted afterwards."""
    with _attempt(by=by, action="user.create", user=None, reason=reason):
        check_manage_staff(by=by)
        _check_reason(reason, f"create the account {user.username}")
        elevated = {name for name in ("is_superuser", "is_staff") if getattr(user, name)}
        if elevated and not by.is_superuser:
            raise NotAllowed(f"Only a superuser may create an account with {', '.join(sorted(elevated))}.")
        user.set_unusable_password()
        user.save()
        _queue_reset_mail(user, request)
        data = {"user": user.pk, **{name: getattr(user, name) for name in ACCOUNT_FIELDS}}
        audit_record(actor=by, action="user.created", target=user.username, reason=reason, data=data)
    return user


def change_user(*, user: User, by: User, reason: str, changes: Mapping[str, Any]) -> User:
    """Change account fields (`changes`: field name -> new value; `user_permissions` a list of permissions).

    Roles go through `grant_role` / `withdraw_role`, passwords through the password services.
    """
    unknown = set(changes) - {*ACCOUNT_FIELDS, "user_permissions"}
    if unknown:
        raise TypeError(f"Not changed here: {sorted(unknown)}")
    with _attempt(by=by, action="user.change", user=user, reason=reason):
        user = User.objects.select_for_update().get(pk=user.pk)
        changed = _changed(user, changes)
        if not changed:
            return user
        check_change_user(user=user, by=by, fields=set(changed))
        _check_reason(reason, f"change {user.username}'s account")
        for name, (_, new) in changed.items():
            if name != "user_permissions":
                setattr(user, name, new)
        user.save(update_fields=[name for name in changed if name != "user_permissions"] or None)
        if "user_permissions" in changed:
            user.user_permissions.set(changes["user_permissions"])
        data = {"user": user.pk, "changes": {name: {"from": old, "to": new} for name, (old, new) in changed.items()}}
        audit_record(actor=by, action="user.changed", target=user.username, reason=reason, data=data)
    return user


def _changed(user: User, changes: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    changed: dict[str, tuple[Any, Any]] = {}
    for name, value in changes.items():
        if name == "user_permissions":
            old = sorted(_perm_names(user.user_permissions.all()))
            new = sorted(_perm_names(value))
        else:
            old, new = getattr(user, name), value
        if old != new:
            changed[name] = (old, new)
    return changed


def _perm_names(permissions: Any) -> list[str]:
    chosen = Permission.objects.filter(pk__in=[p.pk for p in permissions]).select_related("content_type")
    return [f"{p.content_type.app_label}.{p.codename}" for p in chosen]


# --- Second factor ---------------------------------------------------------------------------------------


def check_reset_second_factor(*, person: User, by: User) -> None:
    """Who may clear another person's second factor: a clinic administrator (or a superuser), never for themselves,
    and only a superuser for a superuser."""
    if by.pk == person.pk:
        raise NotAllowed("Nobody clears their own second factor: sign in with a recovery code, or ask another administrator.")
    if not (by.is_active and (by.is_superuser or by.has_perm("accounts.manage_staff"))):
        raise NotAllowed("Only a clinic administrator clears a second factor.")
    if person.is_superuser and not by.is_superuser:
        raise NotAllowed("Only a superuser clears a superuser's second factor.")


def reset_second_factor(*, person: User, by: User, reason: str) -> list[str]:
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


# --- The ward calendar's feed (a secret address per person) ---------------------------------------------------


def check_calendar_feed(*, user: User) -> None:
    """Whether `user` has a ward calendar feed: active, with a role whose work follows the ward calendar.

    Asked by the account page (to offer it), by the services (to make it) and by the feed itself (to answer).
    """
    if not user.is_active:
        raise NotAllowed("This account is not active.")
    if not CALENDAR_FEED_ROLES.intersection(user.role_names):
        raise NotAllowed("The ward calendar feed is for nurses, logistics and specialists.")


def renew_calendar_feed(*, user: User) -> CalendarFeed:
    """Give `user` a new secret feed address; the one before, if any, stops answering at once. On the trail."""
    check_calendar_feed(user=user)
    with transaction.atomic():
        renewed = CalendarFeed.objects.filter(user=user).exists()
        feed, _ = CalendarFeed.objects.update_or_create(
            user=user, defaults={"token": secrets.token_urlsafe(32), "created_at": timezone.now()}
        )
        audit_record(actor=user, action="calendar_feed.renewed" if renewed else "calendar_feed.created", target=user.username)
    return feed


def stop_calendar_feed(*, user: User) -> None:
    """Remove `user`'s feed address (it answers 404 from now on). On the trail; nothing to stop is no error."""
    with transaction.atomic():
        deleted, _ = CalendarFeed.objects.filter(user=user).delete()
        if deleted:
            audit_record(actor=user, action="calendar_feed.stopped", target=user.username)
