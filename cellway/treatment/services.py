"""Writes at the bedside and at the end of treatment (rules 6, 8)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cellway.accounts.models import User
from cellway.audit.services import sign
from cellway.billing.services import account
from cellway.cases.events import EventKind
from cellway.cases.models import Case
from cellway.cases.services import lock_case, move, record_event, require_perm, touch
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.outcomes.models import FollowUpAssessment
from cellway.plans.screening_rule import months_before
from cellway.treatment.models import PostTreatmentProtocol, SessionKind, TreatmentSession


def log_session(*, case: Case, by: User, kind: str, day: dt.date, given: str, notes: str = "") -> TreatmentSession:
    """Log a session given. None starts while a balance is open, unless a finance manager signed an override."""
    require_perm(by, "plans.log_session", "log treatment sessions")
    if kind not in SessionKind.values:
        raise Refusal(f"Unknown session kind {kind!r}.")
    if not given.strip():
        raise Refusal("Write what was given.")
    if day > clinic_today():
        raise Refusal("A session cannot be logged for a day that has not come.")
    with transaction.atomic():
        case = lock_case(case, expected={Stage.ARRIVED, Stage.IN_TREATMENT}, doing="log a session")
        if case.arrival_date and day < case.arrival_date:
            raise Refusal(f"{day:%d %b %Y} is before the patient arrived ({case.arrival_date:%d %b %Y}).")
        override = None
        if account(case).balance_open:
            override = case.balance_overrides.first()
            if override is None:
                raise Refusal("The balance is still open: no session starts until it is paid, or a finance manager signs an override.")
        session = TreatmentSession.objects.create(case=case, kind=kind, day=day, given=given, notes=notes, given_by=by, override=override)
        summary = f"{session.get_kind_display()} on {day:%d %b %Y}: {given}"
        if override:
            summary += " (balance open; override signed by " + str(override.granted_by) + ")"
        if case.stage_enum == Stage.ARRIVED:
            move(case, to=Stage.IN_TREATMENT, by=by, summary="Treatment started. " + summary)
        else:
            touch(case)
            record_event(case=case, by=by, kind=EventKind.SESSION, summary=summary)
    return session


def _require_assigned(case: Case, by: User, doing: str) -> None:
    if case.specialist_id != by.pk:
        raise NotAllowed(f"Only the specialist assigned to {case.code} may {doing}.")


def complete_treatment(*, case: Case, by: User) -> Case:
    require_perm(by, "plans.complete_treatment", "complete treatment")
    with transaction.atomic():
        case = lock_case(case, expected=Stage.IN_TREATMENT, doing="complete treatment")
        _require_assigned(case, by, "complete its treatment")
        move(case, to=Stage.TREATED, by=by, summary=f"Treatment complete after {case.sessions.count()} sessions")
    return case


def issue_protocol(*, case: Case, by: User, instructions: str, password: str) -> PostTreatmentProtocol:
    """Issue the signed post-treatment protocol; the case then moves to follow-up (rule 8)."""
    require_perm(by, "plans.issue_protocol", "issue post-treatment protocols")
    if len(instructions.strip()) < 20:
        raise Refusal("Write the protocol the patient takes home (care, medication, exercise, warning signs).")
    with transaction.atomic():
        case = lock_case(case, expected=Stage.TREATED, doing="issue the protocol")
        _require_assigned(case, by, "issue its protocol")
        if PostTreatmentProtocol.objects.filter(case=case).exists():
            raise StageConflict("The protocol for this case was already issued.")
        signature = sign(
            signer=by,
            password=password,
            meaning="issued post-treatment protocol",
            subject=f"protocol:{case.uuid}",
            content={"case": case.code, "instructions": instructions},
        )
        protocol = PostTreatmentProtocol.objects.create(case=case, instructions=instructions, issued_by=by, signature=signature)
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
    if not PostTreatmentProtocol.objects.filter(case=case).exists():
        raise Refusal("Issue the post-treatment protocol before the case moves to follow-up.")
    last_day = case.sessions.order_by("-day").values_list("day", flat=True).first() or clinic_today()
    assessments = FollowUpAssessment.objects.bulk_create(
        [FollowUpAssessment(case=case, months_after=m, due_on=months_before(last_day, -m)) for m in settings.FOLLOW_UP_MONTHS]
    )
    due = ", ".join(f"{a.due_on:%d %b %Y}" for a in assessments)
    move(case, to=Stage.FOLLOW_UP, by=by, summary=f"Follow-up started; assessments due {due}")
    return assessments


def complete_assessment(*, assessment: FollowUpAssessment, by: User, notes: str) -> FollowUpAssessment:
    require_perm(by, "outcomes.record_assessment", "record follow-up assessments")
    with transaction.atomic():
        case = lock_case(assessment.case_id, expected=Stage.FOLLOW_UP, doing="record the assessment")
        assessment = FollowUpAssessment.objects.select_for_update().get(pk=assessment.pk)
        if assessment.completed_at:
            raise StageConflict(f"The {assessment.months_after}-month assessment was already recorded by {assessment.completed_by}.")
        assessment.completed_at, assessment.completed_by, assessment.notes = timezone.now(), by, notes
        assessment.save(update_fields=["completed_at", "completed_by", "notes"])
        touch(case)
        summary = f"{assessment.months_after}-month assessment recorded"
        record_event(case=case, by=by, kind=EventKind.FOLLOW_UP, summary=summary, reason=notes)
    return assessment
