"""Writes for therapy plans and cancer-marker screening."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from cellway import limits
from cellway.accounts.models import User
from cellway.audit.services import sign, verify_signer
from cellway.billing import services as billing
from cellway.cases import notify
from cellway.cases.events import EventKind
from cellway.cases.models import Case
from cellway.cases.parts import Part
from cellway.cases.services import expect_stage, lock_case, move, record_event, require_assigned, require_perm, touch
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import Refusal, StageConflict
from cellway.plans.models import PLAN_FIELDS, PlanStatus, ScreeningResult, TherapyPlan, Verdict
from cellway.plans.screening_rule import earliest_sample_date
from cellway.records import services as records
from cellway.records.models import RecordFile


def check_write_plan(*, case: Case, by: User) -> None:
    require_perm(by, "plans.write_plan", "write therapy plans")
    expect_stage(case, Stage.REVIEW, "write the plan")
    require_assigned(case, by, "write its plan")


def check_sign_plan(*, case: Case, by: User) -> None:
    require_perm(by, "plans.sign_plan", "sign therapy plans")
    expect_stage(case, Stage.REVIEW, "sign the plan")
    require_assigned(case, by, "sign its plan")


def check_revise_plan(*, case: Case, by: User) -> None:
    require_perm(by, "plans.write_plan", "revise therapy plans")
    expect_stage(case, Stage.QUOTED, "revise the plan")
    require_assigned(case, by, "revise its plan")


def check_plan(fields: dict[str, Any]) -> None:
    """The clinical shape of a plan: cells go in by at least one route, and the days hold the sessions."""
    if fields["iv_infusions"] + fields["it_infusions"] == 0:
        raise Refusal("A plan gives cells by at least one route: add intravenous or intrathecal infusions.")
    if not str(fields.get("schedule", "")).strip():
        raise Refusal("Write the schedule: which infusion or session on which treatment day.")
    limits.check_length(str(fields.get("schedule", "")), limits.DOCUMENT, "The schedule")
    limits.check_length(str(fields.get("notes", "")), limits.NOTE, "The notes")
    if fields["hospital_room_days"] > fields["treatment_days"]:
        raise Refusal("Hospital-room days cannot exceed the treatment days.")


def _field_errors(invalid: ValidationError) -> str:
    parts = []
    for name, messages in invalid.message_dict.items():
        label = getattr(TherapyPlan._meta.get_field(name), "verbose_name", name) if name in PLAN_FIELDS else name
        parts.append(f"{str(label).capitalize()}: {' '.join(messages)}")
    return "The plan cannot be saved. " + " ".join(parts)


def save_plan(*, case: Case, by: User, **fields: Any) -> TherapyPlan:
    """Create or update the case's draft plan. Only the assigned specialist, while the case is in review."""
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"Unknown plan fields: {sorted(unknown)}")
    with transaction.atomic():
        case = lock_case(case)
        check_write_plan(case=case, by=by)
        draft = case.plans.filter(status=PlanStatus.DRAFT).first()
        base = {f: getattr(draft, f) for f in PLAN_FIELDS} if draft else {}
        merged = {**base, **fields}
        check_plan({**dict.fromkeys(PLAN_FIELDS, 0), "schedule": "", "notes": "", **merged})
        if draft is None:
            last = case.plans.order_by("-version").first()
            draft = TherapyPlan(case=case, version=(last.version + 1) if last else 1, written_by=by)
        for name, value in merged.items():
            setattr(draft, name, value)
        try:
            draft.full_clean(exclude=["case", "written_by"])
        except ValidationError as invalid:
            raise Refusal(_field_errors(invalid)) from None
        draft.save()
        touch(case)
        record_event(case=case, by=by, kind=EventKind.PLAN_SAVED, summary=f"Plan v{draft.version} saved as draft")
    return draft


def sign_plan(*, plan: TherapyPlan, by: User, password: str, second_factor: str = "", request: HttpRequest | None = None) -> TherapyPlan:
    """The assigned specialist signs the draft ("approved therapy plan"); its quote is issued and the case moves to "quoted".

    `request`: the one the password came in (the sign-in lockout counts a wrong one; see audit.services.verify_signer).
    """
    verified = verify_signer(signer=by, password=password, second_factor=second_factor, meaning="approved therapy plan", request=request)
    with transaction.atomic():
        case = lock_case(plan.case_id)
        check_sign_plan(case=case, by=by)
        plan = TherapyPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.DRAFT:
            raise StageConflict(f"Plan v{plan.version} is already {plan.get_status_display().lower()}.")
        signature = sign(verified=verified, subject=f"plan:{plan.uuid}", content=plan.as_signed_content())
        case.plans.filter(status=PlanStatus.SIGNED).update(status=PlanStatus.SUPERSEDED)
        plan.status, plan.signature = PlanStatus.SIGNED, signature
        plan.save(update_fields=["status", "signature", "updated_at"])
        record_event(
            case=case,
            by=by,
            kind=EventKind.PLAN_SIGNED,
            summary=f"Signed plan v{plan.version}: approved therapy plan",
            data={"signature": signature.pk, "digest": signature.digest},
        )
        plan.case = case
        # The price follows from the plan (rule 3): the quote is issued and the case moves to "quoted" here,
        # in the signing transaction; if it cannot be issued, nothing is signed.
        billing.issue_quote(case=case, plan_id=plan.pk, numbers=billing.plan_numbers(plan), package_tier=plan.package_tier, by=by)
    return plan


def revise_plan(*, case: Case, by: User, reason: str) -> Case:
    """Reopen a quoted case for a new plan version (the issued quote is superseded when it is signed)."""
    with transaction.atomic():
        case = lock_case(case)
        check_revise_plan(case=case, by=by)
        limits.check_length(reason, limits.REASON, "The reason")
        if not reason.strip():
            raise Refusal("Say why the plan is being revised.")
        move(case, to=Stage.REVIEW, by=by, summary="Plan revision started", reason=reason, part=Part.PLAN)
    return case


# --- Cancer-marker screening (rule 5) -----------------------------------------------

SCREENING_STAGES = {Stage.ACCEPTED, Stage.CLEARED}


def check_record_screening(*, case: Case, by: User) -> None:
    require_perm(by, "plans.record_screening", "record screening results")
    expect_stage(case, SCREENING_STAGES, "record a screening result")


def check_judge_screening(*, case: Case, by: User, result: ScreeningResult | None = None) -> None:
    """The assigned specialist judges a result awaiting a verdict: `result` if given, else any (one query)."""
    require_perm(by, "plans.judge_screening", "judge screening results")
    expect_stage(case, Stage.ACCEPTED, "judge the screening")
    require_assigned(case, by, "judge its screening")
    if result is not None:
        if result.verdict != Verdict.PENDING:
            raise StageConflict(f"This result was already judged {result.get_verdict_display().lower()} by {result.judged_by}.")
    elif not case.screenings.filter(verdict=Verdict.PENDING).exists():
        raise Refusal("No screening result is waiting for a verdict.")


def record_screening(
    *, case: Case, by: User, sample_date: dt.date, markers: str, laboratory: str = "", report: UploadedFile[bytes] | None = None
) -> ScreeningResult:
    """Record a screening result as received. It waits for a specialist's verdict.

    The laboratory's report, if sent, becomes a record file of the case through records intake (typed by
    content, size limit, SHA-256, virus scan): a refused report refuses the result, and nothing is written.
    """
    stored: RecordFile | None = None
    try:
        with transaction.atomic():
            case = lock_case(case)
            check_record_screening(case=case, by=by)
            limits.check_length(markers, limits.MARKERS, "The list of markers")
            limits.check_length(laboratory, limits.NAME, "The laboratory's name")
            if sample_date > clinic_today():
                raise Refusal("The sample date is in the future.")
            if not markers.strip():
                raise Refusal("Write the markers and values as the laboratory reported them.")
            if case.first_therapy_day and sample_date < earliest_sample_date(case.first_therapy_day, settings.SCREENING_MAX_AGE_MONTHS):
                raise Refusal(_too_old(sample_date, case.first_therapy_day))
            # A first therapy day is never in the past, so an older sample counts for none: most often
            # a mistyped year (0202), which the case page's expiry arithmetic cannot even hold.
            earliest = earliest_sample_date(clinic_today(), settings.SCREENING_MAX_AGE_MONTHS)
            if sample_date < earliest:
                raise Refusal(
                    f"A screening sampled on {sample_date:%d %b %Y} counts for no therapy day to come: the sample must be "
                    f"taken on or after {earliest:%d %b %Y} (at most {settings.SCREENING_MAX_AGE_MONTHS} months before)."
                )
            if report is not None:
                stored = records.attach_screening_report(case=case, upload=report, by=by)
            result = ScreeningResult.objects.create(
                case=case, sample_date=sample_date, markers=markers, laboratory=laboratory, recorded_by=by, report=stored
            )
            summary = f"Screening result recorded (sample of {sample_date:%d %b %Y})"
            if case.stage_enum == Stage.CLEARED:
                move(case, to=Stage.ACCEPTED, by=by, summary=summary + "; awaiting a verdict")
            else:
                touch(case)
                record_event(case=case, by=by, kind=EventKind.SCREENING, summary=summary)
    except BaseException:
        if stored is not None:
            records.forget_uncommitted(stored)  # the report's bytes go with the rows that did not commit
        raise
    return result


def _too_old(sample_date: dt.date, first_day: dt.date) -> str:
    earliest = earliest_sample_date(first_day, settings.SCREENING_MAX_AGE_MONTHS)
    return (
        f"A screening sampled on {sample_date:%d %b %Y} does not count for a first therapy day of "
        f"{first_day:%d %b %Y}: the sample must be taken on or after {earliest:%d %b %Y} "
        f"(at most {settings.SCREENING_MAX_AGE_MONTHS} months before)."
    )


def judge_screening(
    *,
    result: ScreeningResult,
    by: User,
    verdict: str,
    reason: str,
    password: str,
    second_factor: str = "",
    request: HttpRequest | None = None,
) -> ScreeningResult:
    """The assigned specialist judges a screening result and signs the verdict.

    Unsatisfactory refuses the case with the reason: no travel is arranged and
    nothing is charged (no payment can exist before scheduling).
    """
    label = Verdict(verdict).label if verdict in Verdict.values else verdict
    meaning = f"screening judged {str(label).lower()}"[:120]
    verified = verify_signer(signer=by, password=password, second_factor=second_factor, meaning=meaning, request=request)
    with transaction.atomic():
        case = lock_case(result.case_id)
        result = ScreeningResult.objects.select_for_update().get(pk=result.pk)
        check_judge_screening(case=case, by=by, result=result)
        limits.check_length(reason, limits.REASON, "The reason")
        if verdict not in (Verdict.SATISFACTORY, Verdict.UNSATISFACTORY):
            raise Refusal("The verdict is satisfactory or unsatisfactory.")
        if verdict == Verdict.UNSATISFACTORY and not reason.strip():
            raise Refusal("An unsatisfactory verdict refuses the case: give the reason.")
        if verdict == Verdict.SATISFACTORY and case.first_therapy_day and not result.counts_for(case.first_therapy_day):
            raise Refusal(_too_old(result.sample_date, case.first_therapy_day))
        label = Verdict(verdict).label
        result.verdict = verdict
        signature = sign(verified=verified, subject=f"screening:{result.uuid}", content=result.as_signed_content())
        result.verdict, result.verdict_reason = verdict, reason
        result.judged_by, result.judged_at, result.signature = by, timezone.now(), signature
        result.save(update_fields=["verdict", "verdict_reason", "judged_by", "judged_at", "signature"])
        if verdict == Verdict.SATISFACTORY:
            move(
                case,
                to=Stage.CLEARED,
                by=by,
                summary="Screening judged satisfactory",
                reason=reason,
                data={"signature": signature.pk},
                part=Part.SCREENING,
            )
        else:
            Case.objects.filter(pk=case.pk).update(end_reason=reason)
            move(
                case,
                to=Stage.REFUSED,
                by=by,
                summary="Refused: screening judged unsatisfactory",
                reason=reason,
                data={"signature": signature.pk},
                part=Part.SCREENING,
            )
        notify.later(notify.screening_judged, case_id=case.pk, verdict=label)
    return result
