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
from django.db.models.functions import Lower
from django.http import Http404
from django.urls import reverse

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.cases.parts import Part
from cellway.cases.selectors import may_read, require_read, visible_cases
from cellway.cells.models import Lot
from cellway.cells.selectors import certificate_for, lots_given
from cellway.clinic import clinic_today, public_url
from cellway.conversations.contacts import CaseContact
from cellway.conversations.models import Channel, Message
from cellway.outcomes.models import FollowUpAssessment, ReportedMeasure
from cellway.outcomes.selectors import open_assessments
from cellway.outcomes.services import early_window_days
from cellway.plans.selectors import current_plan
from cellway.portal.models import FollowUpAnswers, PatientReport, PortalGrant, Relation, Scope, VisaLetter

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


# --- Messages with the care team (scope *messages*) -----------------------------------------------------------


def _reads_messages(grant: PortalGrant, today: dt.date) -> bool:
    return grant.is_open_on(today) and grant.person.is_active and grant.allows(Scope.MESSAGES)


def case_contacts(case: Case) -> list[CaseContact]:
    """The case's portal people for the conversations' registry (``conversations.contacts``, filled in by
    ``PortalConfig.ready``): every grant of the case, those ended (revoked, past their last day) marked inactive,
    with whether they read the case's messages and where."""
    today = clinic_today()
    where = public_url(reverse("portal:case", kwargs={"uuid": case.uuid}) + "#messages")
    grants = PortalGrant.objects.filter(case=case).select_related("person").order_by("-granted_at")
    return [
        CaseContact(
            email=g.person.email,
            name=g.person.get_full_name() or g.person.email,
            language=g.person.language,
            relation=g.relation,
            reads_messages=_reads_messages(g, today),
            messages_url=where,
            active=g.is_open_on(today) and g.person.is_active,
        )
        for g in grants
    ]


def messages_for(grant: PortalGrant) -> list[Message]:
    """The case's thread as the patient's side reads it in the portal, oldest first (newest last, as a chat reads).

    The one rule of what the patient's side has a reason to see: what was said with *them*.
    - Every portal message of the case: the patient's, their helpers' (written for the patient) and the care
      team's answers. The portal conversation is one room for the patient's side.
    - Mail in and out between the clinic and the people of that room: the patient's address on the case and the
      address of each person whose open grant reads messages (the patient, helpers granted *messages*).
    Never: contacts staff logged by hand (staff's own notes of a call), live chats (a visitor before the case,
    perhaps someone else), mail with anyone else (a referring doctor who does not read messages, a stranger
    attached by review), the clinic's automatic notices and machines' replies (bounces).
    A grant without *messages* reads nothing here (the page is 404 for it)."""
    if not grant.allows(Scope.MESSAGES):
        return []
    case = grant.case
    today = clinic_today()
    room = {case.patient.email.strip().lower()} if case.patient.email else set()
    room |= {
        g.person.email.strip().lower() for g in PortalGrant.objects.filter(case=case).select_related("person") if _reads_messages(g, today)
    }
    room.discard("")
    return list(
        Message.objects.filter(case=case, automatic=False)
        .annotate(address=Lower("email_address"))
        .filter(Q(channel=Channel.PORTAL) | Q(channel=Channel.EMAIL, address__in=room))
        .select_related("author")
        .order_by("occurred_at", "id")
    )


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
