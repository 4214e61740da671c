"""Writes at the bedside and at the end of treatment (rules 6, 8)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from cellway import limits
from cellway.accounts.models import User
from cellway.audit.services import sign, verify_signer
from cellway.billing.selectors import account
from cellway.cases.events import EventKind
from cellway.cases.models import Case
from cellway.cases.services import expect_stage, lock_case, move, record_event, require_assigned, require_perm, touch
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import Refusal, StageConflict
from cellway.months import months_after
from cellway.outcomes.models import FollowUpAssessment
from cellway.treatment import selectors
from cellway.treatment.models import PostTreatmentProtocol, SessionKind, TreatmentSession

AT_THE_CLINIC = frozenset({Stage.ARRIVED, Stage.IN_TREATMENT})


def check_log_session(*, case: Case, by: User) -> None:
    """Sessions at the clinic; none starts while a balance is open without a signed override (rule 6). One query."""
    require_perm(by, "treatment.log_session", "log treatment sessions")
    expect_stage(case, AT_THE_CLINIC, "log a session")
    money = account(case)
    if money.balance_open and not money.overridden:
        raise Refusal("The balance is still open: no session starts until it is paid, or a finance manager signs an override.")


def log_session(*, case: Case, by: User, kind: str, day: dt.date, given: str, notes: str = "") -> TreatmentSession:
    """Log a session given. None starts while a balance is open, unless a finance manager signed an override."""
    with transaction.atomic():
        case = lock_case(case)
        check_log_session(case=case, by=by)
        limits.check_length(given, limits.SHORT, "What was given")
        limits.check_length(notes, limits.NOTE, "The notes")
        if kind not in SessionKind.values:
            raise Refusal(f"Unknown session kind {kind!r}.")
        if not given.strip():
            raise Refusal("Write what was given.")
        if day > clinic_today():
            raise Refusal("A session cannot be logged for a day that has not come.")
        if case.arrival_date and day < case.arrival_date:
            raise Refusal(f"{day:%d %b %Y} is before the patient arrived ({case.arrival_date:%d %b %Y}).")
        # Set when the session starts with a balance open: the check let it through on this override.
        override = case.balance_overrides.first() if account(case).balance_open else None
        session = TreatmentSession.objects.create(case=case, kind=kind, day=day, given=given, notes=notes, given_by=by, override=override)
        summary = f"{session.get_kind_display()} on {day:%d %b %Y}: {given}"
        if override:
            summary += " (balance open; override signed by " + str(override.granted_by) + ")"
        if case.stage_enum == Stage.ARRIVED:
            # The stage change is seen by every role in scope; what was given only by those who may read treatment.
            move(case, to=Stage.IN_TREATMENT, by=by, summary="Treatment started")
        else:
            touch(case)
        record_event(case=case, by=by, kind=EventKind.SESSION, summary=summary)
    return session


def check_complete_treatment(*, case: Case, by: User) -> None:
    require_perm(by, "treatment.complete_treatment", "complete treatment")
    expect_stage(case, Stage.IN_TREATMENT, "complete treatment")
    require_assigned(case, by, "complete its treatment")


def complete_treatment(*, case: Case, by: User) -> Case:
    with transaction.atomic():
        case = lock_case(case)
        check_complete_treatment(case=case, by=by)
        move(case, to=Stage.TREATED, by=by, summary=f"Treatment complete after {selectors.session_count(case)} sessions")
    return case


def check_issue_protocol(*, case: Case, by: User) -> None:
    require_perm(by, "treatment.issue_protocol", "issue post-treatment protocols")
    expect_stage(case, Stage.TREATED, "issue the protocol")
    require_assigned(case, by, "issue its protocol")


def issue_protocol(
    *, case: Case, by: User, instructions: str, password: str, second_factor: str = "", request: HttpRequest | None = None
) -> PostTreatmentProtocol:
    """Issue the signed post-treatment protocol; the case then moves to follow-up (rule 8)."""
    meaning = "issued post-treatment protocol"
    verified = verify_signer(signer=by, password=password, second_factor=second_factor, meaning=meaning, request=request)
    with transaction.atomic():
        case = lock_case(case)
        check_issue_protocol(case=case, by=by)
        limits.check_length(instructions, limits.DOCUMENT, "The protocol")
        if len(instructions.strip()) < 20:
            raise Refusal("Write the protocol the patient takes home (care, medication, exercise, warning signs).")
        if selectors.protocol_issued(case):
            raise StageConflict("The protocol for this case was already issued.")
        protocol = PostTreatmentProtocol(case=case, instructions=instructions, issued_by=by)
        protocol.signature = sign(verified=verified, subject=f"protocol:{case.uuid}", content=protocol.as_signed_content())
        protocol.save()
        signature = protocol.signature
        summary = "Post-treatment protocol issued and signed"
        record_event(case=case, by=by, kind=EventKind.PROTOCOL_ISSUED, summary=summary, data={"signature": signature.pk})
        start_follow_up(case=case, by=by)
    return protocol


def start_follow_up(*, case: Case, by: User) -> list[FollowUpAssessment]:
    """Move a treated case to follow-up and schedule its assessments. Refused until the protocol is issued.

    Call inside a transaction holding the case lock.
    """
    if case.stage_enum != Stage.TREATED:
        raise StageConflict(f"{case.code} is '{case.get_stage_display()}', not 'Treatment complete'.")
    if not selectors.protocol_issued(case):
        raise Refusal("Issue the post-treatment protocol before the case moves to follow-up.")
    last_day = selectors.last_session_day(case) or clinic_today()
    assessments = FollowUpAssessment.objects.bulk_create(
        [FollowUpAssessment(case=case, months_after=m, due_on=months_after(last_day, m)) for m in settings.FOLLOW_UP_MONTHS]
    )
    due = ", ".join(f"{a.due_on:%d %b %Y}" for a in assessments)
    move(case, to=Stage.FOLLOW_UP, by=by, summary=f"Follow-up started; assessments due {due}")
    return assessments


def check_complete_assessment(*, case: Case, by: User) -> None:
    require_perm(by, "outcomes.record_assessment", "record follow-up assessments")
    expect_stage(case, Stage.FOLLOW_UP, "record the assessment")


def complete_assessment(*, assessment: FollowUpAssessment, by: User, notes: str) -> FollowUpAssessment:
    with transaction.atomic():
        case = lock_case(assessment.case_id)
        check_complete_assessment(case=case, by=by)
        limits.check_length(notes, limits.NOTE, "The notes")
        assessment = FollowUpAssessment.objects.select_for_update().get(pk=assessment.pk)
        if assessment.completed_at:
            raise StageConflict(f"The {assessment.months_after}-month assessment was already recorded by {assessment.completed_by}.")
        assessment.completed_at, assessment.completed_by, assessment.notes = timezone.now(), by, notes
        assessment.save(update_fields=["completed_at", "completed_by", "notes"])
        touch(case)
        summary = f"{assessment.months_after}-month assessment recorded"
        record_event(case=case, by=by, kind=EventKind.FOLLOW_UP, summary=summary, reason=notes)
    return assessment
