"""The rules for roles and passwords, tried through the services: each attack refused, nothing changed, one trail row."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import RequestFactory

from cellway.accounts import services
from cellway.accounts.models import GrantStatus, RoleGrant, User
from cellway.accounts.roles import CLINICAL_ROLES, MEDICAL_READS, ROLE_PERMISSIONS, TWO_PERSON_ROLES, Role
from cellway.audit.models import AuditEvent
from cellway.errors import NotAllowed, Refusal


def role(name: str) -> Group:
    return Group.objects.get(name=name)


@pytest.fixture
def second_admin(staff):
    """Another clinic administrator who also holds the specialist role (a medical director, say)."""
    person = User.objects.create_user("maria", password="maria-password-2026", first_name="Maria", last_name="Director")
    person.groups.add(role(Role.ADMIN), role(Role.SPECIALIST))
    return person


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.com", "root-password-2026")


@pytest.fixture
def newcomer(staff):
    return User.objects.create_user("newbie", email="newbie@example.com", password="newbie-password-2026")


def refusals(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=f"{action}.refused"))


def test_every_role_that_reads_medical_content_is_a_clinical_role_and_needs_two_people():
    reading = {name for name, perms in ROLE_PERMISSIONS.items() if MEDICAL_READS & set(perms)}
    assert reading == CLINICAL_ROLES
    assert Role.FINANCE_MANAGER in TWO_PERSON_ROLES and Role.ADMIN not in TWO_PERSON_ROLES


def test_an_administrator_cannot_grant_themselves_finance_manager_it_waits_and_they_cannot_approve_it(staff):
    adam = staff["adam"]
    grant = services.grant_role(user=adam, role=role(Role.FINANCE_MANAGER), by=adam, reason="month end")
    assert grant.status == GrantStatus.PENDING
    assert not adam.groups.filter(name=Role.FINANCE_MANAGER).exists()
    assert AuditEvent.objects.filter(action="role.grant_requested", actor=adam, target="adam").exists()

    with pytest.raises(Refusal, match="You asked for this grant"):
        services.approve_grant(grant=grant, by=adam)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PENDING and not adam.groups.filter(name=Role.FINANCE_MANAGER).exists()
    [row] = refusals("role.grant_approve")
    assert row.actor == adam and "second administrator" in row.data["refusal"]


def test_a_second_administrator_who_does_not_hold_the_role_cannot_approve_it(staff, second_admin):
    grant = services.grant_role(user=staff["fiona"], role=role(Role.FINANCE_MANAGER), by=staff["adam"], reason="covers Marcus")
    with pytest.raises(Refusal, match="You do not hold the role Finance manager"):
        services.approve_grant(grant=grant, by=second_admin)
    assert not staff["fiona"].groups.filter(name=Role.FINANCE_MANAGER).exists()
    assert len(refusals("role.grant_approve")) == 1


def test_a_second_administrator_who_holds_it_approves_and_the_person_holds_it(staff, second_admin):
    nina = staff["nina"]
    grant = services.grant_role(user=nina, role=role(Role.SPECIALIST), by=staff["adam"], reason="qualified as a physician")
    services.approve_grant(grant=grant, by=second_admin, reason="checked her licence")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.GRANTED and grant.decided_by == second_admin
    assert nina.groups.filter(name=Role.SPECIALIST).exists()
    row = AuditEvent.objects.get(action="role.grant_approved")
    assert (row.actor, row.target, row.reason, row.data["requested_by"]) == (second_admin, "nina", "checked her licence", "adam")


def test_nobody_approves_a_role_for_themselves(staff, second_admin, root):
    grant = services.grant_role(user=second_admin, role=role(Role.FINANCE_MANAGER), by=staff["adam"], reason="x")
    second_admin.groups.add(role(Role.FINANCE_MANAGER))  # even holding it
    with pytest.raises(Refusal, match="for yourself"):
        services.approve_grant(grant=grant, by=second_admin)
    services.approve_grant(grant=grant, by=root)
    assert RoleGrant.objects.get(pk=grant.pk).decided_by == root


def test_a_role_one_does_not_hold_is_refused_and_one_holds_is_granted_at_once(staff, newcomer):
    with pytest.raises(Refusal, match="You do not hold the role Finance"):
        services.grant_role(user=newcomer, role=role(Role.FINANCE), by=staff["adam"], reason="new hire")
    assert not newcomer.groups.exists() and not RoleGrant.objects.exists()
    assert len(refusals("role.grant")) == 1

    grant = services.grant_role(user=newcomer, role=role(Role.FINANCE), by=_finance_admin(staff), reason="new hire")
    assert grant.status == GrantStatus.GRANTED and newcomer.groups.filter(name=Role.FINANCE).exists()
    assert AuditEvent.objects.filter(action="role.granted", target="newbie", reason="new hire").exists()


def _finance_admin(staff):
    adam = staff["adam"]
    adam.groups.add(role(Role.FINANCE))
    return User.objects.get(pk=adam.pk)  # permissions cache fresh


def test_a_superuser_grants_a_clinical_role_at_once(root, newcomer):
    grant = services.grant_role(user=newcomer, role=role(Role.NURSE), by=root, reason="ward nurse")
    assert grant.status == GrantStatus.GRANTED and newcomer.groups.filter(name=Role.NURSE).exists()


def test_a_grant_needs_a_reason_and_a_role_without_managing_staff_is_not_allowed(staff, newcomer, root):
    with pytest.raises(Refusal, match="Say why"):
        services.grant_role(user=newcomer, role=role(Role.NURSE), by=root, reason="  ")
    with pytest.raises(NotAllowed):
        services.grant_role(user=newcomer, role=role(Role.NURSE), by=staff["sofia"], reason="x")
    assert not newcomer.groups.exists()


def test_refusing_and_withdrawing_a_waiting_grant(staff, second_admin):
    fiona = staff["fiona"]
    grant = services.grant_role(user=fiona, role=role(Role.FINANCE_MANAGER), by=staff["adam"], reason="x")
    with pytest.raises(Refusal, match="Say why"):
        services.refuse_grant(grant=grant, by=second_admin, reason="")
    services.refuse_grant(grant=grant, by=second_admin, reason="not needed")
    assert RoleGrant.objects.get(pk=grant.pk).status == GrantStatus.REFUSED
    again = services.grant_role(user=fiona, role=role(Role.FINANCE_MANAGER), by=staff["adam"], reason="y")
    services.refuse_grant(grant=again, by=staff["adam"], reason="asked by mistake")
    assert RoleGrant.objects.get(pk=again.pk).status == GrantStatus.WITHDRAWN
    assert not fiona.groups.filter(name=Role.FINANCE_MANAGER).exists()


def test_only_a_superuser_touches_a_superusers_account(staff, root):
    adam = staff["adam"]
    with pytest.raises(NotAllowed, match="Only a superuser"):
        services.set_one_time_password(user=root, by=adam, reason="locked out")
    with pytest.raises(NotAllowed, match="Only a superuser"):
        services.grant_role(user=root, role=role(Role.ADMIN), by=adam, reason="x")
    assert root.check_password("root-password-2026")


def test_only_a_superuser_makes_a_superuser_or_changes_someone_elses_email(staff, root):
    adam, fiona = staff["adam"], staff["fiona"]
    with pytest.raises(NotAllowed, match="is_superuser"):
        services.change_user(user=adam, by=adam, reason="me", changes={"is_superuser": True})
    with pytest.raises(NotAllowed, match="email"):
        services.change_user(user=fiona, by=adam, reason="typo", changes={"email": "adam@evil.example"})
    fiona.refresh_from_db()
    assert fiona.email != "adam@evil.example" and not User.objects.get(pk=adam.pk).is_superuser
    assert len(refusals("user.change")) == 2
    services.change_user(user=fiona, by=root, reason="new address", changes={"email": "fiona@clinic.example"})
    assert User.objects.get(pk=fiona.pk).email == "fiona@clinic.example"


def test_account_changes_and_single_permissions_are_on_the_trail(staff, root):
    perm = Permission.objects.get(codename="record_payment")
    services.change_user(user=staff["lena"], by=root, reason="covers finance", changes={"user_permissions": [perm], "is_active": False})
    row = AuditEvent.objects.get(action="user.changed", target="lena")
    assert row.data["changes"]["user_permissions"] == {"from": [], "to": ["billing.record_payment"]}
    assert row.data["changes"]["is_active"] == {"from": True, "to": False} and row.reason == "covers finance"


def test_a_one_time_password_is_generated_flagged_and_on_the_trail(staff):
    sofia = staff["sofia"]
    password = services.set_one_time_password(user=sofia, by=staff["adam"], reason="forgot it, phoned in")
    sofia.refresh_from_db()
    assert sofia.must_change_password and sofia.check_password(password) and len(password) == 19 and password.count("-") == 3
    row = AuditEvent.objects.get(action="password.one_time_set")
    assert (row.actor, row.target, row.reason) == (staff["adam"], "sofia", "forgot it, phoned in")
    assert password not in str(row.data)

    sofia.set_password("her-own-choice-2026")
    sofia.save()
    assert not User.objects.get(pk=sofia.pk).must_change_password


def test_nobody_sets_their_own_password_through_the_administrators_way(staff):
    with pytest.raises(Refusal, match="your own password page"):
        services.set_one_time_password(user=staff["adam"], by=staff["adam"], reason="x")


def test_a_reset_is_emailed_with_allauths_reset_link_and_the_password_is_unchanged(staff, django_capture_on_commit_callbacks):
    liam = staff["liam"]
    liam.email = "liam@clinic.example"
    liam.save()
    request = RequestFactory().get("/admin/")
    with django_capture_on_commit_callbacks(execute=True):
        services.send_password_reset(user=liam, by=staff["adam"], reason="forgot it", request=request)
    [message] = mail.outbox
    assert message.to == ["liam@clinic.example"] and "/accounts/password/reset/key/" in message.body
    assert User.objects.get(pk=liam.pk).password == liam.password
    assert AuditEvent.objects.filter(action="password.reset_sent", target="liam", reason="forgot it").exists()


def test_a_reset_without_an_email_address_is_refused(staff):
    User.objects.filter(pk=staff["liam"].pk).update(email="")
    staff["liam"].refresh_from_db()
    request = RequestFactory().get("/admin/")
    with pytest.raises(Refusal, match="no email address"):
        services.send_password_reset(user=staff["liam"], by=staff["adam"], reason="forgot it", request=request)
    assert len(refusals("password.reset_send")) == 1 and not mail.outbox
