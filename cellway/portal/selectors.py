"""What a person sees through the portal: only the cases they hold an open grant for, and in them only the granted parts.

Every portal page fetches its case through `grant_for` (or `grant_with_scope`): a case the person holds no open
grant for, or a part their grant does not open, is 404 (its existence is not revealed).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.http import Http404

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.cases.parts import Part
from cellway.cases.selectors import may_read, require_read, visible_cases
from cellway.cells.models import Lot
from cellway.cells.selectors import certificate_for, lots_given
from cellway.clinic import clinic_today
from cellway.outcomes.models import FollowUpAssessment, ReportedMeasure
from cellway.outcomes.selectors import open_assessments
from cellway.outcomes.services import early_window_days
from cellway.plans.selectors import current_plan
from cellway.portal.models import FollowUpAnswers, PatientReport, PortalGrant, Relation, VisaLetter

if TYPE_CHECKING:
    from cellway.cells.documents import Certificate


def open_grants(user: User | Any) -> QuerySet[PortalGrant]:
    """The grants `user` reaches a case through today (revoked or ended ones are not)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return PortalGrant.objects.none()
    return (
        PortalGrant.objects.filter(person=user, revoked_at__isnull=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=clinic_today()))
        .select_related("case", "case__patient", "case__condition")
        .order_by("-case__opened_at")
    )


def is_portal_person(user: User | Any) -> bool:
    """A person the portal is for: no role, no admin access, and an open grant on some case."""
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return False
    if user.access.roles:
        return False
    return open_grants(user).exists()


def grant_for(user: User | Any, case_uuid: str | UUID) -> PortalGrant:
    """The person's open grant on the case `case_uuid`, else 404."""
    try:
        return open_grants(user).get(case__uuid=case_uuid)
    except (PortalGrant.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No such case.") from None


def grant_with_scope(user: User | Any, case_uuid: str | UUID, scope: str) -> PortalGrant:
    """`grant_for`, and 404 too unless the grant opens `scope`."""
    grant = grant_for(user, case_uuid)
    if not grant.allows(scope):
        raise Http404("No such page.")
    return grant


def helpers(grant: PortalGrant) -> QuerySet[PortalGrant]:
    """The other people let into the grant's case (open grants, newest first): what the patient manages."""
    return (
        PortalGrant.objects.filter(case_id=grant.case_id, revoked_at__isnull=True)
        .exclude(relation=Relation.PATIENT)
        .select_related("person", "granted_by")
        .order_by("-granted_at")
    )


def acting_as(grant: PortalGrant) -> str:
    """Whose behalf the person acts on, in words for the trail: "the patient themself" or the patient's name."""
    return "themself" if grant.is_patient else grant.case.patient.full_name


def questionnaires_due(case: Case) -> list[FollowUpAssessment]:
    """The follow-up points whose questionnaire may be answered from home today: open (neither recorded nor missed),
    their window opened (as for a visit), and not yet answered from home. Two queries."""
    if not ReportedMeasure.objects.filter(active=True).exists():
        return []
    today = clinic_today()
    answered = set(FollowUpAnswers.objects.filter(case=case).values_list("assessment_id", flat=True))
    return [
        a
        for a in open_assessments(case)
        if a.pk not in answered and a.due_on - dt.timedelta(days=early_window_days(a.months_after)) <= today
    ]


def measures() -> list[ReportedMeasure]:
    """The questions of the clinic's questionnaire: its active patient-reported measures."""
    return list(ReportedMeasure.objects.filter(active=True).order_by("name"))


def certificates(case: Case) -> list[tuple[Lot, Certificate]]:
    """The Certificates of Analysis of the lots the patient received (released lots only), lot by lot."""
    found = []
    for lot in lots_given(case):
        certificate = certificate_for(lot)
        if certificate is not None:
            found.append((lot, certificate))
    return found


def planned_stay(case: Case) -> tuple[dt.date, dt.date] | None:
    """The stay a visa letter names: arrival, and departure after the plan's treatment days from the first therapy day;
    None until both dates and a plan are set."""
    plan = current_plan(case)
    if case.arrival_date is None or case.first_therapy_day is None or plan is None:
        return None
    return case.arrival_date, case.first_therapy_day + dt.timedelta(days=plan.treatment_days)


def visa_letters(case: Case) -> list[VisaLetter]:
    return list(VisaLetter.objects.filter(case=case))


# --- Staff: the reports from home (console/outcomes) ------------------------------------------------------------

# Who reviews a report: whoever records adverse events (the assigned specialist, the nurse).
REVIEW_PERMISSION = "treatment.record_adverse_event"


def _reports_in_scope(user: User) -> QuerySet[PatientReport]:
    return PatientReport.objects.filter(case__in=visible_cases(user).values("pk"))


def patient_reports(user: User) -> QuerySet[PatientReport]:
    """The reports from home of the cases `user` may see, waiting ones first, then the newest first.

    What a patient reports is treatment content (an adverse-event candidate): NotAllowed (403) for a role that does
    not read treatment (care, finance, logistics, laboratory, the administrator); a specialist sees their own cases'.
    One query, whatever the number of rows."""
    require_read(user, Part.TREATMENT)
    return (
        _reports_in_scope(user)
        .select_related("case", "case__patient", "case__condition", "case__specialist", "reported_by", "reviewed_by", "adverse_event")
        .order_by(F("reviewed_at").asc(nulls_first=True), "-reported_at", "-pk")
    )


def patient_report(user: User, uuid: str | UUID) -> PatientReport:
    """One report from home: 404 unless its case is in `user`'s scope, then 403 unless they read treatment."""
    try:
        report = (
            _reports_in_scope(user).select_related("case", "case__patient", "case__condition", "reported_by", "reviewed_by").get(uuid=uuid)
        )
    except (PatientReport.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No such report.") from None
    require_read(user, Part.TREATMENT)
    return report


def reports_waiting(user: User) -> int:
    """How many reports from home wait for review by `user`: 0 (no query) unless they review them. One query."""
    if not getattr(user, "is_authenticated", False) or not may_read(user, Part.TREATMENT) or not user.has_perm(REVIEW_PERMISSION):
        return 0
    return _reports_in_scope(user).filter(reviewed_at__isnull=True).count()
