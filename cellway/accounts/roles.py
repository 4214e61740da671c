"""The clinic's roles (DESIGN.md, "Who uses it") and what each may do.

A role is a Django group; a user may hold several. The permissions are
declared on the models of each app; this table is the one place that says
which role gets which, and it is applied after every migrate so a fresh
database and an old one end up the same.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.conf import settings


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

# Read permissions of the parts of a case (the minimum-necessary table in
# docs; cellway.cases.parts). Identity comes with the case itself (scope).
CONTACT = "cases.view_contact"
INQUIRY = "cases.view_inquiry"  # Inquiry's own view permission
RECORDS = "records.view_records"
SCREENING = "plans.view_screening"
PLAN = "plans.view_plan"
MONEY = "billing.view_account"
TRAVEL = "travel.view_logistics"
TREATMENT = "treatment.view_treatment"
OUTCOMES = "outcomes.view_outcomes"
REGISTRY = "outcomes.view_registry"
COHORT = "outcomes.view_cohort_report"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Intake, records acceptance, and answers about money and travel; no plan, treatment or measures.
    Role.CARE: [
        SEE_ALL,
        CONTACT,
        INQUIRY,
        RECORDS,
        SCREENING,
        MONEY,
        TRAVEL,
        REGISTRY,  # care books the overdue visits
        "cases.open_case",
        "records.manage_records",
        "cases.end_case",
        "plans.record_screening",
        "billing.record_acceptance",
        "travel.schedule_case",
        "conversations.answer_chat",  # live chat from the public site
        "conversations.log_contact",
        "conversations.write_to_contact",  # portal replies and mail from the case's thread
        "conversations.review_mail",
    ],
    # Checks records, triages, coordinates dates and travel, follows up: everything clinical but money.
    Role.LIAISON: [
        SEE_ALL,
        CONTACT,
        INQUIRY,
        RECORDS,
        SCREENING,
        PLAN,
        TRAVEL,
        TREATMENT,
        OUTCOMES,
        REGISTRY,
        COHORT,
        "cases.open_case",
        "records.manage_records",
        "cases.assign_case",
        "cases.end_case",
        "plans.record_screening",
        "travel.schedule_case",
        "conversations.log_contact",
        "conversations.write_to_contact",  # portal replies and mail from the case's thread
        "conversations.review_mail",
    ],
    # Scope: only the cases assigned to them. All clinical parts and the quote that follows from their plan.
    Role.SPECIALIST: [
        CONTACT,
        INQUIRY,
        RECORDS,
        SCREENING,
        PLAN,
        MONEY,
        TREATMENT,
        OUTCOMES,
        REGISTRY,
        COHORT,
        "plans.write_plan",
        "plans.sign_plan",
        "plans.judge_screening",
        "treatment.complete_treatment",
        "treatment.issue_protocol",
        # Informed consent is taken by the physician or the nurse (rule 10).
        "treatment.record_consent",
        "treatment.record_adverse_event",
        "cases.end_case",
        "outcomes.record_assessment",
        "conversations.log_contact",
        "conversations.write_to_contact",  # portal replies and mail from the case's thread
    ],
    Role.FINANCE: [
        SEE_ALL,
        CONTACT,
        MONEY,
        "billing.issue_quote",
        "billing.record_acceptance",
        "billing.record_payment",
        "billing.issue_credit_note",
        "billing.keep_exchange_rates",
    ],
    Role.FINANCE_MANAGER: [
        SEE_ALL,
        CONTACT,
        MONEY,
        "billing.issue_quote",
        "billing.record_acceptance",
        "billing.record_payment",
        "billing.override_balance",
        "billing.issue_credit_note",
        "billing.keep_exchange_rates",
    ],
    Role.LOGISTICS: [SEE_ALL, CONTACT, TRAVEL, "travel.schedule_case", "travel.confirm_logistics", "travel.mark_arrived"],
    # Identity and dates: what its lots need; the cell lots themselves, their release and custody.
    Role.LABORATORY: [
        SEE_ALL,
        "cells.view_lots",
        "cells.record_lot",
        "cells.release_lot",
        "cells.keep_specification",
        "cells.allocate_vials",
        "cells.hand_over",
    ],
    # Everything clinical plus travel (arrival, hospital room); no money.
    Role.NURSE: [
        SEE_ALL,
        CONTACT,
        INQUIRY,
        RECORDS,
        SCREENING,
        PLAN,
        TRAVEL,
        TREATMENT,
        OUTCOMES,
        REGISTRY,
        "treatment.log_session",
        "treatment.record_consent",
        "conversations.log_contact",
        "conversations.write_to_contact",  # portal replies and mail from the case's thread
        "treatment.record_adverse_event",
        "outcomes.record_assessment",
        # The bedside: vials handed over, checked against the wristband, given.
        "cells.view_lots",
        "cells.hand_over",
        "treatment.administer_product",
    ],
    # No patient data (no scope): users, roles, the price list, the clinic's measures, the cohort's aggregates.
    Role.ADMIN: [
        "billing.edit_price_list",
        "accounts.manage_staff",
        # Staff and roles are managed in the Django admin (see accounts/admin.py).
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auth.view_group",
        "accounts.view_rolegrant",
        "cases.view_specialistprofile",
        "cases.add_specialistprofile",
        "cases.change_specialistprofile",
        "cases.view_condition",
        COHORT,
        # The patient-reported measures the clinic collects.
        "outcomes.view_reportedmeasure",
        "outcomes.add_reportedmeasure",
        "outcomes.change_reportedmeasure",
        # The consent forms the patients sign, versioned per therapy and language.
        "treatment.view_consentdocument",
        "treatment.add_consentdocument",
        "treatment.change_consentdocument",
        # Live chat's canned replies, per language (conversations/admin.py).
        "conversations.view_cannedreply",
        "conversations.add_cannedreply",
        "conversations.change_cannedreply",
        "conversations.delete_cannedreply",
        # The hospital rooms and how many each holds.
        "travel.view_room",
        "travel.add_room",
        "travel.change_room",
        # The public site's condition pages and the evidence library they cite (cellway/evidence).
        "evidence.view_reference",
        "evidence.add_reference",
        "evidence.change_reference",
        "evidence.view_conditionpage",
        "evidence.add_conditionpage",
        "evidence.change_conditionpage",
        "evidence.publish_page",
        "evidence.view_section",
        "evidence.add_section",
        "evidence.change_section",
        "evidence.delete_section",
        "evidence.view_claim",
        "evidence.add_claim",
        "evidence.change_claim",
        "evidence.delete_claim",
        "evidence.view_citation",
        "evidence.add_citation",
        "evidence.change_citation",
        "evidence.delete_citation",
        "evidence.view_publishedpage",
        # The weekly newsletter: issues written, previewed and scheduled here; the list read, never edited.
        "newsletter.view_issue",
        "newsletter.add_issue",
        "newsletter.change_issue",
        "newsletter.send_issue",
        "newsletter.view_subscriber",
    ],
}


# Roles that read medical content (docs/design.md, the minimum-necessary table): giving one to a person
# opens patients' records to them. With finance manager (who signs balance overrides), a grant needs a
# second administrator who holds the role, or a superuser (accounts.services.grant_role).
CLINICAL_ROLES = frozenset({Role.CARE, Role.LIAISON, Role.SPECIALIST, Role.NURSE})
MEDICAL_READS = frozenset({INQUIRY, RECORDS, SCREENING, PLAN, TREATMENT, OUTCOMES})
TWO_PERSON_ROLES = CLINICAL_ROLES | {Role.FINANCE_MANAGER}
# Roles whose work follows the ward calendar, offered its iCalendar feed: nurses and logistics the ward's
# (every case), a specialist their own cases' (accounts.services.check_calendar_feed).
CALENDAR_FEED_ROLES = frozenset({Role.NURSE, Role.LOGISTICS, Role.SPECIALIST})


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


def move_permission(apps: Any, *, old: str, new: str, model: str, name: str) -> None:
    """In a data migration: hand what holds permission `old` ("app.codename") to `new`, declared on `model`, and drop `old`.

    Roles are set again by `sync_roles` after the migrate; this keeps any
    permission given to a person directly. On a fresh database `old` does not
    exist yet and there is nothing to do: the new one comes from the model's Meta.
    """
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    old_app, old_codename = old.split(".")
    stale = Permission.objects.filter(content_type__app_label=old_app, codename=old_codename).first()
    if stale is None:
        return
    app_label, model_name = model.split(".")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model_name)
    fresh, _ = Permission.objects.get_or_create(content_type=content_type, codename=new.split(".")[1], defaults={"name": name})
    for group in Group.objects.filter(permissions=stale):
        group.permissions.add(fresh)
    for user in User.objects.filter(user_permissions=stale):
        user.user_permissions.add(fresh)
    stale.delete()


def sync_roles_after_migrate(sender: Any, app_config: Any = None, **kwargs: Any) -> None:
    # post_migrate is sent once per app; permissions of every app exist only
    # once the last one has been handled.
    with_models = [config for config in global_apps.get_app_configs() if config.models_module is not None]
    if app_config is not with_models[-1]:
        return
    sync_roles(kwargs.get("apps") or global_apps)
