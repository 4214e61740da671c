"""The administrator's attacks of issue 8 through the admin's real pages (client posts): refused, nothing changed, on the trail."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from cellway.accounts.models import GrantStatus, RoleGrant, User
from cellway.accounts.roles import Role
from cellway.audit.models import AuditEvent


@pytest.fixture
def admin_client(as_user):
    return as_user("adam")


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.com", "root-password-2026")


@pytest.fixture
def client_factory():
    """Another browser: `client_factory()` is a new test client, signed in as nobody."""
    from django.test import Client

    return Client


def password_url(user: User) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def roles_url(user: User) -> str:
    return reverse("admin:accounts_user_roles", args=[user.pk])


def role_pk(name: str) -> int:
    return Group.objects.get(name=name).pk


def test_the_password_page_offers_a_reset_or_a_one_time_password_and_no_password_field(admin_client, staff):
    page = admin_client.get(password_url(staff["sofia"]))
    assert page.status_code == 200
    assert "Email the link" in page.text and "Set a one-time password" in page.text
    assert 'name="password1"' not in page.text and 'type="password"' not in page.text


def test_posting_djangos_old_set_password_form_sets_nothing(admin_client, staff, password):
    response = admin_client.post(password_url(staff["sofia"]), {"password1": "adam-knows-this-1", "password2": "adam-knows-this-1"})
    assert response.status_code == 422 and "Say why" in response.text
    sofia = User.objects.get(username="sofia")
    assert sofia.check_password(password) and not sofia.check_password("adam-knows-this-1")
    assert AuditEvent.objects.filter(action="password.reset_send.refused", actor=staff["adam"], target="sofia").exists()


def test_a_one_time_password_is_shown_once_and_the_person_must_change_it_first(admin_client, staff, client_factory):
    page = admin_client.post(password_url(staff["sofia"]), {"action": "one-time", "reason": "phoned in, forgot it"})
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    one_time = re.search(r'id="one-time-password"[^>]*>([^<]+)<', page.text).group(1)
    assert AuditEvent.objects.filter(action="password.one_time_set", actor=staff["adam"], target="sofia").exists()

    sofia = client_factory()
    assert sofia.post(reverse("account_login"), {"login": "sofia", "password": one_time}).status_code == 302
    home = sofia.get(reverse("console:home"))
    assert home.status_code == 302 and home["Location"] == reverse("account_change_password")
    assert sofia.get(reverse("account_change_password")).status_code == 200
    changed = sofia.post(
        reverse("account_change_password"),
        {"oldpassword": one_time, "password1": "sofias-own-choice-77", "password2": "sofias-own-choice-77"},
    )
    assert changed.status_code == 302
    assert not User.objects.get(username="sofia").must_change_password
    assert sofia.get(reverse("console:home")).status_code == 200
    assert AuditEvent.objects.filter(action="password.one_time_replaced", actor__username="sofia").count() == 1
    assert not AuditEvent.objects.filter(action="password.changed").exists()


def test_a_reset_link_is_emailed_and_lands_on_a_working_page(admin_client, staff, client_factory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(password_url(staff["liam"]), {"action": "reset", "reason": "forgot it"})
    assert response.status_code == 302
    # allauth's reset-by-key page, the one "Forgot your password?" mails too.
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    liam = client_factory()
    form = liam.get(link, follow=True)
    assert form.status_code == 200 and 'name="password1"' in form.text
    done = liam.post(form.redirect_chain[-1][0], {"password1": "liams-new-pass-88", "password2": "liams-new-pass-88"})
    assert done.status_code == 302 and User.objects.get(username="liam").check_password("liams-new-pass-88")
    assert AuditEvent.objects.filter(action="password.reset", actor__username="liam").exists()


def test_a_superusers_password_page_is_refused_to_an_administrator(admin_client, root):
    assert admin_client.get(password_url(root)).status_code == 403
    assert admin_client.post(password_url(root), {"action": "one-time", "reason": "x"}).status_code == 403
    assert not User.objects.get(pk=root.pk).must_change_password


def test_an_administrator_granting_themselves_finance_manager_gets_a_waiting_grant_they_cannot_approve(admin_client, staff):
    adam = staff["adam"]
    response = admin_client.post(roles_url(adam), {"action": "grant", "role": role_pk(Role.FINANCE_MANAGER), "reason": "month end"})
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=adam)
    assert grant.status == GrantStatus.PENDING

    refused = admin_client.post(roles_url(adam), {"action": "approve", "grant": grant.pk})
    assert refused.status_code == 422 and "You asked for this grant" in refused.text
    assert not adam.groups.filter(name=Role.FINANCE_MANAGER).exists()
    assert AuditEvent.objects.filter(action="role.grant_approve.refused", actor=adam, target="adam").exists()


def test_an_administrator_cannot_grant_a_role_they_do_not_hold(admin_client, staff):
    response = admin_client.post(roles_url(staff["lena"]), {"action": "grant", "role": role_pk(Role.FINANCE), "reason": "cover"})
    assert response.status_code == 422 and "You do not hold the role Finance" in response.text
    assert not staff["lena"].groups.filter(name=Role.FINANCE).exists()
    assert AuditEvent.objects.filter(action="role.grant.refused", actor=staff["adam"], target="lena").exists()


def test_a_nonsense_role_choice_is_a_clear_refusal(admin_client, staff):
    response = admin_client.post(roles_url(staff["lena"]), {"action": "grant", "role": "abc", "reason": "cover"})
    assert response.status_code == 422 and "not one of those offered" in response.text


def test_a_second_administrator_approves_on_the_roles_page(admin_client, staff, client_factory):
    maria = User.objects.create_user("maria", password="maria-password-2026", is_staff=True)
    maria.groups.add(Group.objects.get(name=Role.ADMIN), Group.objects.get(name=Role.SPECIALIST))
    admin_client.post(roles_url(staff["nina"]), {"action": "grant", "role": role_pk(Role.SPECIALIST), "reason": "now a physician"})
    grant = RoleGrant.objects.get(user=staff["nina"])
    second = client_factory()
    second.force_login(maria)
    page = second.get(roles_url(staff["nina"]))
    assert "Approve" in page.text
    assert second.post(roles_url(staff["nina"]), {"action": "approve", "grant": grant.pk, "reason": "licence seen"}).status_code == 302
    assert staff["nina"].groups.filter(name=Role.SPECIALIST).exists()


def test_the_change_form_cannot_grant_roles_superuser_or_move_someones_email(admin_client, staff):
    fiona = staff["fiona"]
    data = {
        "username": "fiona",
        "first_name": "Fiona",
        "last_name": "Brennan",
        "email": "adam@evil.example",
        "is_active": "on",
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [role_pk(Role.FINANCE_MANAGER), role_pk(Role.SPECIALIST)],
        "time_zone": fiona.time_zone,
        "reason": "tidy up",
    }
    response = admin_client.post(reverse("admin:accounts_user_change", args=[fiona.pk]), data)
    assert response.status_code == 302
    fiona = User.objects.get(pk=fiona.pk)
    assert fiona.email == "fiona@cellway.example" and not fiona.is_superuser and not fiona.is_staff
    assert fiona.role_names == [Role.FINANCE]


def test_a_change_without_a_reason_is_refused_and_with_one_is_on_the_trail(admin_client, staff):
    lena = staff["lena"]
    base = {"username": "lena", "first_name": "Lena", "last_name": "Novak-Kos", "time_zone": lena.time_zone}
    url = reverse("admin:accounts_user_change", args=[lena.pk])
    response = admin_client.post(url, {**base, "is_active": "on", "reason": ""})
    assert response.status_code == 200 and "Say why the account changes" in response.text
    assert User.objects.get(pk=lena.pk).last_name == "Novak"
    assert admin_client.post(url, {**base, "reason": "married; left the clinic"}).status_code == 302
    lena = User.objects.get(pk=lena.pk)
    assert lena.last_name == "Novak-Kos" and not lena.is_active
    row = AuditEvent.objects.get(action="user.changed", target="lena")
    assert row.data["changes"]["is_active"] == {"from": True, "to": False}


def test_a_new_account_has_no_password_and_is_emailed_a_link(admin_client, staff, client_factory, django_capture_on_commit_callbacks):
    data = {"username": "petra", "first_name": "Petra", "last_name": "Nurse", "email": "petra@clinic.example", "reason": "new nurse"}
    with django_capture_on_commit_callbacks(execute=True):
        chosen = {"password1": "adam-knows-1x", "password2": "adam-knows-1x"}
        response = admin_client.post(reverse("admin:accounts_user_add"), {**data, **chosen})
    assert response.status_code == 302
    petra = User.objects.get(username="petra")
    assert not petra.has_usable_password() and not petra.check_password("adam-knows-1x")
    assert mail.outbox[0].to == ["petra@clinic.example"]
    assert AuditEvent.objects.filter(action="user.created", actor=staff["adam"], target="petra", reason="new nurse").exists()
    # The link lands on allauth's reset-by-key page, which takes an account that never had a password.
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    petras = client_factory()
    page = petras.get(link, follow=True)
    assert page.status_code == 200 and 'name="password1"' in page.text
    done = petras.post(page.redirect_chain[-1][0], {"password1": "petras-own-pass-5", "password2": "petras-own-pass-5"})
    assert done.status_code == 302 and User.objects.get(username="petra").check_password("petras-own-pass-5")
    assert AuditEvent.objects.filter(action="password.reset", actor__username="petra").count() == 1


def test_role_definitions_are_read_only_even_for_a_superuser(client, root):
    client.force_login(root)
    group = Group.objects.get(name=Role.ADMIN)
    client.post(reverse("admin:auth_group_change", args=[group.pk]), {"name": "Clinic administrator", "permissions": []})
    assert group.permissions.exists()


def test_accounts_are_deactivated_never_deleted(client, root, staff):
    client.force_login(root)
    response = client.post(reverse("admin:accounts_user_delete", args=[staff["lena"].pk]), {"post": "yes"})
    assert response.status_code == 403 and User.objects.filter(username="lena").exists()


def test_the_admins_own_change_password_link_is_the_one_page_that_records_it(admin_client):
    response = admin_client.get("/admin/password_change/")
    assert response.status_code == 302 and response["Location"] == reverse("account_change_password")
