"""A person's roles and permissions are read in one query and answer exactly what Django's ModelBackend would."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cellway.accounts.models import User


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_every_role_has_the_permissions_the_model_backend_gives_it(staff):
    every = [f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")]
    for who, user in staff.items():
        mine = fresh(user)
        theirs = ModelBackend().get_all_permissions(fresh(user))
        assert mine.access.permissions == theirs, who
        assert [p for p in every if mine.has_perm(p)] == [p for p in every if p in theirs], who
        assert mine.role_names == sorted(user.groups.values_list("name", flat=True)), who


def test_roles_and_permissions_cost_one_query_however_often_they_are_asked(staff):
    user = fresh(staff["liam"])
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(5):
            user.has_perm("cases.view_contact")
            user.has_perm("billing.view_account")
            assert user.role_names
    assert len(ctx.captured_queries) == 1


def test_a_permission_granted_to_the_person_alone_counts(staff):
    perm = Permission.objects.get(codename="view_account", content_type__app_label="billing")
    user = staff["liam"]
    assert not fresh(user).has_perm("billing.view_account")
    user.user_permissions.add(perm)
    assert fresh(user).has_perm("billing.view_account")


def test_an_inactive_person_has_no_permission(staff):
    user = fresh(staff["liam"])
    user.is_active = False
    assert not user.has_perm("cases.view_contact")
    assert not user.get_all_permissions()
