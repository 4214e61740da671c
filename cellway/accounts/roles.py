"""The clinic's roles (DESIGN.md, "Who uses it") and what each may do.

A role is a Django group; a user may hold several. The permissions are
declared on the models of each app; this table is the one place that says
which role gets which, and it is applied after every migrate so a fresh
database and an old one end up the same.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps


class Role:
    CARE = "Customer care"
    LIAISON = "Liaison officer"
    SPECIALIST = "Specialist"
    FINANCE = "Finance"
    FINANCE_MANAGER = "Finance manager"
    LOGISTICS = "Logistics"
    LABORATORY = "Laboratory"
    NURSE = "Nurse"
    ADMIN = "Clinic administrator"


SEE_ALL = "cases.view_all_cases"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CARE: [
        "cases.view_contact",
        "cases.view_inquiry",
        "records.view_records",
        "plans.view_screening",
        "billing.view_account",
        "travel.view_logistics",
        # The follow-up registry (names and due dates), not the measures: care books the overdue visits.
        "outcomes.view_registry",
        SEE_ALL,
        "cases.open_case",
        "cases.manage_records",
        "cases.end_case",
        "plans.record_screening",
        "billing.record_acceptance",
        "travel.schedule_case",
    ],
    Role.LIAISON: [
        "cases.view_contact",
        "cases.view_inquiry",
        "records.view_records",
        "plans.view_screening",
        "plans.view_plan",
        "travel.view_logistics",
        "treatment.view_treatment",
        "outcomes.view_registry",
        SEE_ALL,
        "cases.open_case",
        "cases.manage_records",
        "cases.assign_case",
        "cases.end_case",
        "plans.record_screening",
        "travel.schedule_case",
        "outcomes.view_outcomes",
        "outcomes.view_cohort_report",
    ],
    Role.SPECIALIST: [
        "cases.view_contact",
        "cases.view_inquiry",
        "records.view_records",
        "plans.view_screening",
        "plans.view_plan",
        "billing.view_account",
        "treatment.view_treatment",
        "outcomes.view_registry",
        "plans.write_plan",
        "plans.sign_plan",
        "plans.judge_screening",
        "plans.complete_treatment",
        "plans.issue_protocol",
        "cases.end_case",
        "outcomes.record_assessment",
        "outcomes.view_outcomes",
        "outcomes.view_cohort_report",
    ],
    Role.FINANCE: [
        "cases.view_contact",
        "billing.view_account",
        SEE_ALL,
        "billing.issue_quote",
        "billing.record_acceptance",
        "billing.record_payment",
    ],
    Role.FINANCE_MANAGER: [
        "cases.view_contact",
        "billing.view_account",
        SEE_ALL,
        "billing.issue_quote",
        "billing.record_acceptance",
        "billing.record_payment",
        "billing.override_balance",
    ],
    Role.LOGISTICS: [
        "cases.view_contact",
        "travel.view_logistics",
        SEE_ALL,
        "travel.schedule_case",
        "travel.confirm_logistics",
        "travel.mark_arrived",
    ],
    Role.LABORATORY: [SEE_ALL],
    Role.NURSE: [
        "cases.view_contact",
        "cases.view_inquiry",
        "records.view_records",
        "plans.view_screening",
        "plans.view_plan",
        "travel.view_logistics",
        "treatment.view_treatment",
        "outcomes.view_registry",
        SEE_ALL,
        "plans.log_session",
        "outcomes.record_assessment",
        "outcomes.view_outcomes",
    ],
    # No patient data (no SEE_ALL): the clinic administrator runs users, roles,
    # prices and content; one who also treats holds a clinical role as well.
    Role.ADMIN: [
        "billing.edit_price_list",
        "accounts.manage_staff",
        # Staff and roles are managed in the Django admin (see accounts/admin.py).
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auth.view_group",
        "cases.view_specialistprofile",
        "cases.add_specialistprofile",
        "cases.change_specialistprofile",
        "cases.view_condition",
        "outcomes.view_cohort_report",
        # The patient-reported measures the clinic collects.
        "outcomes.view_reportedmeasure",
        "outcomes.add_reportedmeasure",
        "outcomes.change_reportedmeasure",
    ],
}


def sync_roles(apps: Any = global_apps) -> None:
    """Create the role groups and give each exactly its permissions."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender: Any, app_config: Any = None, **kwargs: Any) -> None:
    # post_migrate is sent once per app; permissions of every app exist only
    # once the last one has been handled.
    with_models = [config for config in global_apps.get_app_configs() if config.models_module is not None]
    if app_config is not with_models[-1]:
        return
    sync_roles(kwargs.get("apps") or global_apps)
