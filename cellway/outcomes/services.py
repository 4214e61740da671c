"""Every write of the outcomes registry: visits, relapses, MRI scans, yearly follow-ups, reminders.

Each write checks the role, locks the case, checks its stage, writes its rows
and the case event in one transaction; emails go out only after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from cellway import limits
from cellway.accounts.models import User
from cellway.cases import notify
from cellway.cases.events import EventKind
from cellway.cases.models import Case
from cellway.cases.services import claim_reminder, expect_stage, lock_case, record_event, require_perm, touch
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import Refusal, StageConflict
from cellway.months import months_after
from cellway.outcomes import conf, selectors
from cellway.outcomes import edss as edss_engine
from cellway.outcomes.models import (
    FS_FIELDS,
    FollowUpAssessment,
    MissedAssessment,
    MriScan,
    Relapse,
    ReportedMeasure,
    ReportedScore,
    Severity,
    Visit,
)

# A baseline taken at the clinic, before or during treatment, counts as much as follow-up.
MEASURABLE = frozenset({Stage.ARRIVED, Stage.IN_TREATMENT, Stage.TREATED, Stage.FOLLOW_UP})
EDSS_STEPS = frozenset(Decimal(str(s)) for s in edss_engine.EDSS_STEPS)
MAX_SECONDS = Decimal("999.9")
YEARLY_FROM_MONTH = 12


def computed_edss(scores: Mapping[str, object]) -> tuple[Decimal | None, dict[str, int | None]]:
    """The EDSS from the eight scores and the scores as whole numbers; (None, all None) if none were given.

    Refusal naming the score that is missing, not a whole number, or out of its range.
    """
    given = {name: scores.get(name) for name in FS_FIELDS}
    if all(v is None or v == "" for v in given.values()):
        return None, dict.fromkeys(FS_FIELDS)
    missing = [name.replace("_", " ") for name, v in given.items() if v is None or v == ""]
    if missing:
        raise Refusal(f"Record every functional system score and the ambulation score (missing: {', '.join(missing)}).")
    try:
        whole = {k: _whole(k, v) for k, v in given.items()}
        step = edss_engine.edss(edss_engine.FunctionalScores(**whole))
    except edss_engine.ScoreError as error:
        raise Refusal(str(error).replace("_", " ").capitalize() + ".") from None
    return Decimal(str(step)), dict(whole)


def _whole(name: str, value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.isascii() and text.isdigit():
        return int(text)
    low, high = edss_engine.RANGES[name]
    raise edss_engine.ScoreError(name, value, low, high)


def check_record_visit(*, case: Case, by: User) -> None:
    """Measures are taken from arrival on (relapses and MRI reads too), by a role that records assessments."""
    require_perm(by, "outcomes.record_assessment", "record follow-up visits")
    expect_stage(case, MEASURABLE, "record a visit")


def record_visit(
    *,
    case: Case,
    by: User,
    seen_on: dt.date,
    scores: Mapping[str, int | None] | None = None,
    edss: Decimal | None = None,
    edss_reason: str = "",
    t25fw_seconds: Decimal | None = None,
    nhpt_right_seconds: Decimal | None = None,
    nhpt_left_seconds: Decimal | None = None,
    reported: Mapping[str, Decimal] | None = None,
    assessment: FollowUpAssessment | None = None,
    notes: str = "",
) -> Visit:
    """Record what was measured at a visit; Cellway computes the EDSS from the scores.

    An EDSS other than the computed one is kept only with a reason. Given an
    open `assessment` of this case, the visit completes it; the yearly
    assessment after the last one is scheduled when it falls due.
    """
    # The role first, before any value is looked at; the stage under the lock below.
    require_perm(by, "outcomes.record_assessment", "record follow-up visits")
    limits.check_length(edss_reason, limits.REASON, "The reason for the EDSS")
    limits.check_length(notes, limits.VISIT_NOTE, "The notes")
    if seen_on > clinic_today():
        raise Refusal("A visit cannot be recorded for a day that has not come.")
    computed, fs = computed_edss(scores or {})
    edss, edss_reason = _kept_edss(computed, edss, edss_reason)
    _check_timed_tests(t25fw_seconds, nhpt_right_seconds, nhpt_left_seconds)
    scored = _reported_scores(reported or {})
    if edss is None and t25fw_seconds is None and nhpt_right_seconds is None and not scored:
        raise Refusal("Nothing was measured: record the scores, a timed test or a patient-reported measure.")
    with transaction.atomic():
        case = lock_case(case)
        check_record_visit(case=case, by=by)
        if Visit.objects.filter(case=case, seen_on=seen_on).exists():
            raise Refusal(f"A visit on {seen_on:%d %b %Y} is already recorded for {case.code}.")
        if assessment is not None:
            assessment = _open_assessment(case, assessment, seen_on)
        visit = Visit.objects.create(
            case=case,
            assessment=assessment,
            seen_on=seen_on,
            **fs,
            edss_computed=computed,
            edss=edss,
            edss_reason=edss_reason,
            t25fw_seconds=t25fw_seconds,
            nhpt_right_seconds=nhpt_right_seconds,
            nhpt_left_seconds=nhpt_left_seconds,
            notes=notes.strip(),
            recorded_by=by,
        )
        ReportedScore.objects.bulk_create([ReportedScore(visit=visit, measure=m, value=v) for m, v in scored])
        if assessment is not None:
            assessment.completed_at, assessment.completed_by = timezone.now(), by
            assessment.notes = assessment.notes or f"Visit {seen_on:%d %b %Y}"
            assessment.save(update_fields=["completed_at", "completed_by", "notes"])
            schedule_next_yearly(case=case)
        touch(case)
        record_event(
            case=case,
            by=by,
            kind=EventKind.OUTCOME_VISIT,
            summary=_visit_summary(visit),
            reason=edss_reason,
            data={"visit": str(visit.uuid), "assessment": assessment.pk if assessment else None, **({"note": notes} if notes else {})},
        )
    return visit


def _kept_edss(computed: Decimal | None, edss: Decimal | None, reason: str) -> tuple[Decimal | None, str]:
    """The EDSS to keep and its reason: the computed one, or another step of the scale given with a reason."""
    reason = reason.strip()
    if edss is not None and edss not in EDSS_STEPS:
        raise Refusal(f"EDSS {edss} is not a step of the scale (0, 1.0, 1.5, ... 9.5, 10).")
    if edss is None:
        edss = computed
    elif edss != computed and not reason:
        shown = "no computed EDSS (no scores)" if computed is None else f"the computed EDSS {computed}"
        raise Refusal(f"EDSS {edss} differs from {shown}: say why.")
    if computed is not None and edss == computed:
        reason = ""
    return edss, reason


def _check_timed_tests(t25fw: Decimal | None, nhpt_right: Decimal | None, nhpt_left: Decimal | None) -> None:
    _check_seconds("Timed 25-foot walk", t25fw)
    _check_seconds("9-hole peg test, right", nhpt_right)
    _check_seconds("9-hole peg test, left", nhpt_left)
    if (nhpt_right is None) != (nhpt_left is None):
        raise Refusal("Record the 9-hole peg test for both hands (or neither).")


def _check_seconds(label: str, value: Decimal | None) -> None:
    if value is not None and not Decimal(0) < value <= MAX_SECONDS:
        raise Refusal(f"{label}: {value} s is not a time between 0.1 and {MAX_SECONDS} seconds.")


def _reported_scores(reported: Mapping[str, Decimal]) -> list[tuple[ReportedMeasure, Decimal]]:
    if not reported:
        return []
    measures = {m.code: m for m in ReportedMeasure.objects.filter(code__in=list(reported), active=True)}
    out = []
    for code, value in reported.items():
        measure = measures.get(code)
        if measure is None:
            raise Refusal(f"{code!r} is not a patient-reported measure the clinic collects.")
        try:
            number = Decimal(value)
        except (InvalidOperation, TypeError):
            raise Refusal(f"{measure.name}: {value!r} is not a number.") from None
        if not measure.low <= number <= measure.high:
            raise Refusal(f"{measure.name}: {number} is outside {measure.low}–{measure.high}.")
        out.append((measure, number))
    return out


def record_reported_at_home(*, case: Case, by: User, reported: Mapping[str, Decimal], on_behalf: str = "") -> Visit:
    """Patient-reported measures answered from home (the portal): a visit of reported scores only, recorded by the
    person who answered (the portal decides who may answer), each score in its measure's range as at the clinic.

    Every active measure is answered; one visit a day, as for visits at the clinic.
    """
    scored = _reported_scores(reported)
    wanted = set(ReportedMeasure.objects.filter(active=True).values_list("code", flat=True))
    if not scored or wanted - {m.code for m, _ in scored}:
        raise Refusal("Answer every question of the questionnaire.")
    today = clinic_today()
    with transaction.atomic():
        case = lock_case(case, expected=set(MEASURABLE), doing="answer a questionnaire")
        if Visit.objects.filter(case=case, seen_on=today).exists():
            raise StageConflict("Measures were already recorded for today; answer again tomorrow or tell your care team.")
        who = f"{by}" + (f" on behalf of {on_behalf}" if on_behalf else "")
        visit = Visit.objects.create(case=case, seen_on=today, notes=f"Answered from home in the portal by {who}", recorded_by=by)
        ReportedScore.objects.bulk_create([ReportedScore(visit=visit, measure=m, value=v) for m, v in scored])
        touch(case)
        record_event(
            case=case,
            by=by,
            kind=EventKind.OUTCOME_VISIT,
            summary=f"Questionnaire answered from home by {who}: " + ", ".join(f"{m.code} {v}" for m, v in scored),
            data={"visit": str(visit.uuid), "portal": True, "on_behalf_of": on_behalf or None},
        )
    return visit


def early_window_days(months_after: int) -> int:
    """How long before its due date a visit may count for an assessment (late visits always count)."""
    return 14 if months_after <= 3 else 30


def _open_assessment(case: Case, assessment: FollowUpAssessment, seen_on: dt.date) -> FollowUpAssessment:
    try:
        locked = FollowUpAssessment.objects.select_for_update().get(pk=assessment.pk, case=case)
    except FollowUpAssessment.DoesNotExist:
        raise Refusal("That assessment is not part of this case.") from None
    if locked.completed_at is not None:
        raise Refusal(f"The {locked.months_after}-month assessment was already recorded by {locked.completed_by}.")
    if MissedAssessment.objects.filter(assessment=locked).exists():
        raise Refusal(f"The {locked.months_after}-month assessment was closed as missed: record the visit as unscheduled.")
    if seen_on < locked.due_on - dt.timedelta(days=early_window_days(locked.months_after)):
        raise Refusal(
            f"The {locked.months_after}-month assessment is due {locked.due_on:%d %b %Y}: a visit on {seen_on:%d %b %Y} "
            "is too early to count for it. Choose another assessment, or record it as unscheduled."
        )
    return locked


def check_close_missed(*, case: Case, by: User) -> None:
    require_perm(by, "outcomes.record_assessment", "close assessments as missed")
    expect_stage(case, Stage.FOLLOW_UP, "close an assessment as missed")


def close_missed(*, assessment: FollowUpAssessment, by: User, reason: str) -> MissedAssessment:
    """Close an assessment nobody could record as missed, with the reason; it is then counted as missed, not overdue.

    Only once its due date has passed (a visit may still come before), and never one recorded or closed already.
    """
    with transaction.atomic():
        case = lock_case(assessment.case_id)
        check_close_missed(case=case, by=by)
        limits.check_length(reason, limits.REASON, "The reason")
        if not reason.strip():
            raise Refusal("Say why the assessment was missed (no answer, moved away, too unwell to travel...).")
        locked = FollowUpAssessment.objects.select_for_update().get(pk=assessment.pk)
        what = f"The {locked.months_after}-month assessment"
        if locked.completed_at is not None:
            raise StageConflict(f"{what} was recorded by {locked.completed_by}: it was not missed.")
        if MissedAssessment.objects.filter(assessment=locked).exists():
            raise StageConflict(f"{what} was already closed as missed.")
        opens = locked.due_on - dt.timedelta(days=early_window_days(locked.months_after))
        today = clinic_today()
        if today < opens:
            raise Refusal(f"{what}'s window opens on {opens:%d %b %Y}: it cannot be missed before then.")
        if today <= locked.due_on:
            raise Refusal(f"{what} is due {locked.due_on:%d %b %Y}: close it as missed once that day has passed.")
        missed = MissedAssessment.objects.create(assessment=locked, reason=reason.strip(), closed_by=by)
        touch(case)
        record_event(
            case=case,
            by=by,
            kind=EventKind.FOLLOW_UP,
            summary=f"{what} (due {locked.due_on:%d %b %Y}) closed as missed",
            reason=reason.strip(),
        )
    return missed


def _visit_summary(visit: Visit) -> str:
    parts = []
    if visit.edss is not None:
        parts.append(f"EDSS {visit.edss}" + (f" (computed {visit.edss_computed})" if visit.edss_overridden else ""))
    if visit.t25fw_seconds is not None:
        parts.append(f"T25FW {visit.t25fw_seconds} s")
    if visit.nhpt_seconds is not None:
        parts.append(f"9HPT R {visit.nhpt_right_seconds} s / L {visit.nhpt_left_seconds} s")
    what = f" for the {visit.assessment.months_after}-month assessment" if visit.assessment else ""
    return f"Visit {visit.seen_on:%d %b %Y}{what}: " + ("; ".join(parts) or "patient-reported measures")


def record_relapse(*, case: Case, by: User, onset_on: dt.date, severity: str, treated: bool, notes: str = "") -> Relapse:
    """Record a relapse by its onset date."""
    require_perm(by, "outcomes.record_assessment", "record relapses")
    limits.check_length(notes, limits.NOTE, "The notes")
    if severity not in Severity.values:
        raise Refusal(f"Severity must be one of {', '.join(Severity.labels).lower()}.")
    if onset_on > clinic_today():
        raise Refusal("A relapse cannot start on a day that has not come.")
    with transaction.atomic():
        case = lock_case(case, expected=set(MEASURABLE), doing="record a relapse")
        if Relapse.objects.filter(case=case, onset_on=onset_on).exists():
            raise Refusal(f"A relapse starting {onset_on:%d %b %Y} is already recorded for {case.code}.")
        relapse = Relapse.objects.create(
            case=case, onset_on=onset_on, severity=severity, treated=treated, notes=notes.strip(), recorded_by=by
        )
        touch(case)
        record_event(
            case=case,
            by=by,
            kind=EventKind.RELAPSE,
            summary=f"Relapse from {onset_on:%d %b %Y}: {relapse.get_severity_display().lower()}, {'' if treated else 'not '}treated",
            data={"relapse": str(relapse.uuid)},
        )
    return relapse


def record_mri(*, case: Case, by: User, scanned_on: dt.date, new_t2_lesions: int, gad_lesions: int, notes: str = "") -> MriScan:
    """Record an MRI read: new or enlarging T2 lesions and gadolinium-enhancing lesions."""
    require_perm(by, "outcomes.record_assessment", "record MRI results")
    limits.check_length(notes, limits.NOTE, "The notes")
    if scanned_on > clinic_today():
        raise Refusal("An MRI cannot be dated on a day that has not come.")
    for label, n in (("New or enlarging T2 lesions", new_t2_lesions), ("Gadolinium-enhancing lesions", gad_lesions)):
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 500:
            raise Refusal(f"{label}: give a count from 0 to 500.")
    with transaction.atomic():
        case = lock_case(case, expected=set(MEASURABLE), doing="record an MRI")
        if MriScan.objects.filter(case=case, scanned_on=scanned_on).exists():
            raise Refusal(f"An MRI of {scanned_on:%d %b %Y} is already recorded for {case.code}.")
        scan = MriScan.objects.create(
            case=case, scanned_on=scanned_on, new_t2_lesions=new_t2_lesions, gad_lesions=gad_lesions, notes=notes.strip(), recorded_by=by
        )
        touch(case)
        record_event(
            case=case,
            by=by,
            kind=EventKind.MRI,
            summary=f"MRI {scanned_on:%d %b %Y}: {new_t2_lesions} new/enlarging T2, {gad_lesions} Gd-enhancing",
            data={"mri": str(scan.uuid)},
        )
    return scan


def schedule_next_yearly(*, case: Case, today: dt.date | None = None) -> FollowUpAssessment | None:
    """After 12 months, follow-up is yearly: once the last assessment falls due, add the next one.

    Call inside a transaction holding the case lock. Returns the new assessment, if any.
    """
    today = today or clinic_today()
    last = case.follow_ups.order_by("-months_after").first()
    start = selectors.last_treatment_day(case)
    if last is None or start is None or last.months_after < YEARLY_FROM_MONTH or last.due_on > today:
        return None
    months = last.months_after + 12
    added = FollowUpAssessment.objects.create(case=case, months_after=months, due_on=months_after(start, months))
    record_event(case=case, by=None, kind=EventKind.FOLLOW_UP, summary=f"{months}-month assessment scheduled for {added.due_on:%d %b %Y}")
    return added


def top_up_yearly_follow_ups(*, today: dt.date) -> int:
    """Add the next yearly assessment to every case in follow-up whose last one fell due. Returns how many."""
    added = 0
    due = FollowUpAssessment.objects.filter(case__stage=Stage.FOLLOW_UP, months_after__gte=YEARLY_FROM_MONTH, due_on__lte=today)
    for case_id in due.values_list("case_id", flat=True).distinct().order_by("case_id"):
        with transaction.atomic():
            case = lock_case(case_id)
            if case.stage_enum == Stage.FOLLOW_UP and schedule_next_yearly(case=case, today=today):
                added += 1
    return added


def send_follow_up_reminders(*, today: dt.date) -> int:
    """Remind the patient and care team of assessments due in one of the lead times. Returns how many were queued.

    Each reminder is claimed as a `cases.Reminder` row first (the same mechanism as payment reminders): a
    second run, or a second scheduler at the same moment, sends nothing again.
    """
    sent = 0
    for days_ahead in conf.remind_days_ahead():
        due = FollowUpAssessment.objects.filter(
            case__stage=Stage.FOLLOW_UP, completed_at__isnull=True, due_on=today + dt.timedelta(days=days_ahead)
        )
        for assessment in due.select_related("case").order_by("pk"):
            with transaction.atomic():
                claimed = claim_reminder(
                    case=assessment.case,
                    kind=EventKind.FOLLOW_UP_REMINDER,
                    what=f"follow_up:{assessment.months_after}",
                    due_on=assessment.due_on,
                    today=today,
                    summary=f"Reminder sent: {assessment.months_after}-month assessment due {assessment.due_on:%d %b %Y}",
                    data={"assessment": assessment.pk},
                )
                if not claimed:
                    continue
                notify.later(
                    notify.follow_up_due,
                    case_id=assessment.case_id,
                    # Recorded before the mail goes (a busy queue): no reminder of a visit already done.
                    unless_recorded=("outcomes.FollowUpAssessment", assessment.pk, "completed_at"),
                    months_after=assessment.months_after,
                    due_on=f"{assessment.due_on:%d %B %Y}",
                    due_on_long=f"{assessment.due_on:%A %d %B %Y}",
                )
            sent += 1
    return sent
