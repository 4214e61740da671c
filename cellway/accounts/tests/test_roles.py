"""Roles get exactly the permissions of the minimum-necessary table, declared by the apps that own them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from cellway.accounts.models import User
from cellway.accounts.roles import ROLE_PERMISSIONS, Role
from cellway.tests.data_migration import run_data_migration

# The read permission of each part, and who holds it (the table in the design document).
TABLE = {
    "cases.view_contact": {"care", "liaison", "specialist", "finance", "finance mgr", "logistics", "nurse"},
    "cases.view_inquiry": {"care", "liaison", "specialist", "nurse"},
    "records.view_records": {"care", "liaison", "specialist", "nurse"},
    "plans.view_screening": {"care", "liaison", "specialist", "nurse"},
    "plans.view_plan": {"liaison", "specialist", "nurse"},
    "billing.view_account": {"care", "specialist", "finance", "finance mgr"},
    "travel.view_logistics": {"care", "liaison", "logistics", "nurse"},
    "treatment.view_treatment": {"liaison", "specialist", "nurse"},
    "outcomes.view_outcomes": {"liaison", "specialist", "nurse"},
    "outcomes.view_registry": {"care", "liaison", "specialist", "nurse"},
    "outcomes.view_cohort_report": {"liaison", "specialist", "admin"},
    "cases.view_all_cases": {"care", "liaison", "finance", "finance mgr", "logistics", "laboratory", "nurse"},
}
COLUMNS = {
    "care": Role.CARE, "liaison": Role.LIAISON, "specialist": Role.SPECIALIST, "finance": Role.FINANCE,
    "finance mgr": Role.FINANCE_MANAGER, "logistics": Role.LOGISTICS, "laboratory": Role.LABORATORY, "nurse": Role.NURSE,
    "admin": Role.ADMIN,
}


@pytest.mark.parametrize("perm", TABLE)
def test_each_read_permission_goes_to_the_roles_of_the_table(perm, staff):
    holders = {column for column, role in COLUMNS.items() if perm in ROLE_PERMISSIONS[role]}
    granted = {column for column, role in COLUMNS.items()
               if Group.objects.filter(name=role, permissions__content_type__app_label=perm.split(".")[0],
                                       permissions__codename=perm.split(".")[1]).exists()}

    assert holders == TABLE[perm]
    assert granted == TABLE[perm]


def test_actions_are_declared_by_the_app_that_owns_them(staff):
    assert staff["liam"].has_perm("records.manage_records") and staff["nina"].has_perm("treatment.log_session")
    assert staff["sofia"].has_perm("treatment.complete_treatment") and staff["sofia"].has_perm("treatment.issue_protocol")
    stale = [("cases", "manage_records"), ("plans", "log_session"), ("plans", "complete_treatment"), ("plans", "issue_protocol")]
    for app_label, codename in stale:
        assert not Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_hands_old_permissions_over_to_the_owning_app(staff):
    from django.contrib.contenttypes.models import ContentType

    # The database as the release before had it: the nurse's permission declared by plans, a helper given
    # cases.manage_records directly, neither held under its new name.
    nurses = Group.objects.get(name=Role.NURSE)
    nurses.permissions.remove(Permission.objects.get(content_type__app_label="treatment", codename="log_session"))
    plans = ContentType.objects.get_by_natural_key("plans", "therapyplan")
    old = Permission.objects.create(content_type=plans, codename="log_session", name="Can log treatment sessions")
    nurses.permissions.add(old)
    helper = User.objects.create_user("helper")
    cases = ContentType.objects.get_by_natural_key("cases", "case")
    records = Permission.objects.create(content_type=cases, codename="manage_records", name="Can keep the records checklist")
    helper.user_permissions.add(records)
    assert not User.objects.get(pk=helper.pk).has_perm("records.manage_records")

    run_data_migration("treatment", "0002_permissions_by_owning_app")
    run_data_migration("records", "0003_permissions_by_owning_app")

    new = Permission.objects.get(content_type__app_label="treatment", codename="log_session")
    assert Group.objects.get(name=Role.NURSE).permissions.filter(pk=new.pk).exists()
    assert User.objects.get(pk=helper.pk).has_perm("records.manage_records")
    assert not Permission.objects.filter(content_type__app_label="plans", codename="log_session").exists()
    assert not Permission.objects.filter(content_type__app_label="cases", codename="manage_records").exists()
