"""Writes at the bedside and at the end of treatment (rules 6, 8)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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
from cellway.cells import services as cells
from cellway.cells.models import LotEventKind, Route, VialStatus
from cellway.clinic import clinic_today
from cellway.errors import Refusal, StageConflict
from cellway.months import months_after
from cellway.outcomes.models import FollowUpAssessment
from cellway.treatment import selectors
from cellway.treatment.bedside import BedsideStop, verify
from cellway.treatment.models import Administration, BedsideCheck, PostTreatmentProtocol, SessionKind, TreatmentSession, WeightMeasurement

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


# --- The bedside (rule 7) ----------------------------------------------------------------------------


def check_bedside(*, case: Case, by: User) -> None:
    require_perm(by, "treatment.administer_product", "check and give cell products")
    expect_stage(case, AT_THE_CLINIC, "check a cell product at the bedside")


def record_weight(*, case: Case, by: User, kg: Decimal) -> WeightMeasurement:
    """Record the patient's weight (the endotoxin limit per dose depends on it)."""
    with transaction.atomic():
        case = lock_case(case)
        check_bedside(case=case, by=by)
        if not Decimal(2) <= kg <= Decimal(400):
            raise Refusal(f"{kg} kg is not a weight Cellway accepts: 2 to 400 kg.")
        weight = WeightMeasurement.objects.create(case=case, kg=kg, measured_by=by)
        touch(case)
        record_event(case=case, by=by, kind=EventKind.SESSION, summary=f"Weight recorded: {kg} kg")
    return weight


def bedside_check(*, case: Case, by: User, wristband: str, label: str, route: str, infusion: int) -> BedsideCheck:
    """Check the wristband and the product label (scanned or typed). Green or red, the check is recorded and returned.

    A red check says why; nothing can be given on it.
    """
    with transaction.atomic():
        case = lock_case(case)
        check_bedside(case=case, by=by)
        limits.check_length(wristband, 60, "The wristband")
        limits.check_length(label, 80, "The product label")
        if route not in Route.values:
            raise Refusal(f"Unknown route {route!r}.")
        try:
            green = verify(case=case, by=by, wristband=wristband, label=label, route=route, infusion=infusion)
        except BedsideStop as stop:
            passed, message, vial = False, stop.message, stop.vial
        else:
            passed, vial = True, green.vial
            message = f"Vial {vial.number} of lot {vial.lot.din} for {case.patient}. {green.dose.explanation}"
        check = BedsideCheck.objects.create(
            case=case,
            vial=vial,
            by=by,
            wristband=wristband.strip(),
            label=label.strip(),
            route=route,
            infusion=infusion,
            passed=passed,
            message=message[:400],
        )
        summary = ("Bedside check GREEN: " if passed else "Bedside check RED STOP: ") + message
        if vial is not None:
            kind = LotEventKind.BEDSIDE_PASSED if passed else LotEventKind.BEDSIDE_REFUSED
            cells.record_lot_event(lot=vial.lot, by=by, vial=vial, kind=kind, summary=summary, data={"case": case.pk, "check": check.pk})
        record_event(case=case, by=by, kind=EventKind.SESSION, summary=summary, data={"check": check.pk, "passed": passed})
    return check


def administer(*, check: BedsideCheck, by: User) -> Administration:
    """Give the vial of a green bedside check: verified again, then recorded in the session of its planned infusion."""
    with transaction.atomic():
        case = lock_case(check.case_id)
        check_bedside(case=case, by=by)
        check_log_session(case=case, by=by)
        check = BedsideCheck.objects.select_for_update().get(pk=check.pk)
        if not check.passed:
            raise Refusal(f"This check was a red stop: {check.message}")
        if check.by_id != by.pk:
            raise Refusal("Give a vial only after your own bedside check.")
        if Administration.objects.filter(bedside_check=check).exists():
            raise StageConflict("This vial was already given on this check.")
        green = verify(case=case, by=by, wristband=check.wristband, label=check.label, route=check.route, infusion=check.infusion)
        vial = green.vial
        cells.lock_lot(vial.lot_id)
        session = _session_for(case=case, by=by, route=check.route, infusion=check.infusion)
        given = Administration.objects.create(vial=vial, case=case, session=session, bedside_check=check, route=check.route, given_by=by)
        vial.status, vial.holder = VialStatus.ADMINISTERED, None
        vial.save(update_fields=["status", "holder"])
        what = f"vial {vial.number} of lot {vial.lot.din} ({vial.lot.cells_per_vial:,} cells)"
        cells.record_lot_event(lot=vial.lot, by=by, vial=vial, kind=LotEventKind.ADMINISTERED, summary=f"Given to {case.code}: {what}")
        if case.stage_enum == Stage.ARRIVED:
            move(case, to=Stage.IN_TREATMENT, by=by, summary="Treatment started")
        else:
            touch(case)
        record_event(case=case, by=by, kind=EventKind.SESSION, summary=f"{session.infusion_label}: {what} given")
    return given


def _session_for(*, case: Case, by: User, route: str, infusion: int) -> TreatmentSession:
    """The session of this planned infusion, started with its first vial."""
    session = TreatmentSession.objects.filter(case=case, route=route, infusion=infusion).first()
    if session is None:
        of = case.plans.filter(status="signed").values_list("iv_infusions" if route == Route.IV else "it_infusions", flat=True).first()
        session = TreatmentSession.objects.create(
            case=case,
            kind=SessionKind(route),
            day=clinic_today(),
            given_by=by,
            route=route,
            infusion=infusion,
            given=f"{Route(route).label} {infusion} of {of or infusion}: cells from the vials below",
        )
    return session
