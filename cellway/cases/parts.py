"""The parts of a case, and who may read each (minimum necessary; docs/design.md has the table).

Scope decides whether a case exists for a person at all (`selectors.visible_cases`,
404 outside it). Inside scope, each part is read only with its read
permission, declared by the app that owns the part: a direct URL to a part
one may not read is 403, and its panel is simply absent.
"""

from __future__ import annotations

from enum import StrEnum

from cellway.accounts.models import User
from cellway.errors import NotAllowed


class Part(StrEnum):
    IDENTITY = "identity"  # code, name, condition, country, language, stage, specialist, dates
    CONTACT = "contact"  # email, phone
    INQUIRY = "inquiry"  # what the patient or family wrote
    RECORDS = "records"  # checklist, files, imaging
    SCREENING = "screening"  # cancer-marker values and verdicts
    PLAN = "plan"  # the therapy plan
    MONEY = "money"  # quotes, payments, balance, overrides
    TRAVEL = "travel"  # logistics tasks
    TREATMENT = "treatment"  # sessions, protocol, follow-up assessments
    OUTCOMES = "outcomes"  # outcome measures


# None: everyone in scope reads it.
READ_PERMISSION: dict[Part, str | None] = {
    Part.IDENTITY: None,
    Part.CONTACT: "cases.view_contact",
    Part.INQUIRY: "cases.view_inquiry",  # the Inquiry model's own view permission
    Part.RECORDS: "records.view_records",
    Part.SCREENING: "plans.view_screening",
    Part.PLAN: "plans.view_plan",
    Part.MONEY: "billing.view_account",
    Part.TRAVEL: "travel.view_logistics",
    Part.TREATMENT: "treatment.view_treatment",
    Part.OUTCOMES: "outcomes.view_outcomes",
}

# Medical content: a read of any of these is written to the trail.
MEDICAL = frozenset({Part.INQUIRY, Part.RECORDS, Part.SCREENING, Part.PLAN, Part.TREATMENT, Part.OUTCOMES})

DENIED: dict[Part, str] = {
    Part.CONTACT: "Your role does not see the patient's contact details.",
    Part.INQUIRY: "Your role does not read what the patient wrote.",
    Part.RECORDS: "Your role does not open medical records.",
    Part.SCREENING: "Your role does not see screening results.",
    Part.PLAN: "Your role does not see therapy plans.",
    Part.MONEY: "Your role does not see quotes and payments.",
    Part.TRAVEL: "Your role does not see travel arrangements.",
    Part.TREATMENT: "Your role does not see treatment records.",
    Part.OUTCOMES: "Your role does not see outcome measures.",
}


def may_read(user: User, part: Part) -> bool:
    """Whether `user` reads `part` of the cases in their scope."""
    perm = READ_PERMISSION[part]
    return perm is None or user.has_perm(perm)


def require_read(user: User, part: Part) -> None:
    """Raise NotAllowed (403) unless `user` reads `part`."""
    if not may_read(user, part):
        raise NotAllowed(DENIED[part])


def readable(user: User) -> frozenset[Part]:
    return frozenset(part for part in Part if may_read(user, part))
