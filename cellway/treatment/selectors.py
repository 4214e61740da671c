"""Reads of treatment: sessions given, the post-treatment protocol, follow-up assessments."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import CharField, DateField, F, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.text import capfirst

from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.outcomes.models import FollowUpAssessment, MriScan, Relapse, Visit
from cellway.plans.models import PlanStatus
from cellway.treatment import plan_items
from cellway.treatment.models import (
    Administration,
    AdverseEvent,
    Consent,
    ConsentDocument,
    Deviation,
    PostTreatmentProtocol,
    SessionKind,
    Therapy,
    TreatmentSession,
    VitalSigns,
)

if TYPE_CHECKING:
    from cellway.treatment.discharge import Summary


def sessions(case: Case) -> list[TreatmentSession]:
    """The sessions given, each with its vital signs (two queries)."""
    return list(case.sessions.select_related("given_by").prefetch_related("vitals"))


def vitals(case: Case) -> list[VitalSigns]:
    return list(VitalSigns.objects.filter(case=case).select_related("session"))


def plan_counts(case: Case) -> dict[str, int]:
    """The signed plan's count of each session kind (empty without a signed plan). Read once per case object."""
    cached: dict[str, int] | None = case.__dict__.get("_plan_counts")
    if cached is None:
        row = case.plans.filter(status=PlanStatus.SIGNED).values(*plan_items.PLAN_COUNTS.values()).first() or {}
        cached = {kind: row.get(field, 0) for kind, field in plan_items.PLAN_COUNTS.items()}
        case.__dict__["_plan_counts"] = cached
    return cached


def planned_items(case: Case) -> list[plan_items.Item]:
    """Each item of the signed plan, done, set aside or to do (three queries), read once per case object: a service
    asks it on the case it has just locked, before it writes; a page on the case it shows."""
    cached: list[plan_items.Item] | None = case.__dict__.get("_planned_items")
    if cached is None:
        fulfilled = case.sessions.filter(infusion__isnull=False).order_by().values_list("kind", "infusion")
        done = {(k, n) for k, n in fulfilled if n is not None}
        set_aside = {(k, n): r for k, n, r in Deviation.objects.filter(case=case).order_by().values_list("kind", "number", "reason")}
        cached = plan_items.items(plan_counts(case), done, set_aside)
        case.__dict__["_planned_items"] = cached
    return cached


def session_count(case: Case) -> int:
    return case.sessions.count()


def last_session_day(case: Case) -> dt.date | None:
    return case.sessions.order_by("-day").values_list("day", flat=True).first()


def protocol(case: Case) -> PostTreatmentProtocol | None:
    found = PostTreatmentProtocol.objects.filter(case=case).select_related("issued_by", "signature__signer").first()
    if found is not None:
        found.case = case  # its signed content names the case: no second read
    return found


def protocol_issued(case: Case) -> bool:
    return PostTreatmentProtocol.objects.filter(case=case).exists()


def follow_ups(case: Case) -> list[FollowUpAssessment]:
    """The case's assessments with who recorded each, and the closing of a missed one (one query)."""
    return list(case.follow_ups.select_related("completed_by", "missed__closed_by"))


def therapies_planned(case: Case) -> list[Therapy]:
    """What the signed plan asks the patient to consent to: the cells, and the puncture if it has intrathecal infusions."""
    return [Therapy.CELLS, Therapy.INTRATHECAL] if plan_counts(case)["it"] else [Therapy.CELLS]


def consents(case: Case) -> list[Consent]:
    """Every consent recorded for the case, newest first, with its document, scan and withdrawal (one query)."""
    return list(case.consents.select_related("document", "scan", "taken_by", "signed_by", "recorded_by", "withdrawal__recorded_by"))


def consent_documents(case: Case) -> list[ConsentDocument]:
    """The versions on offer for this case's planned therapies: not retired, newest version first."""
    return list(ConsentDocument.objects.filter(therapy__in=therapies_planned(case), retired=False))


def consents_to_sign_online(case: Case) -> list[ConsentDocument]:
    """The forms a patient signs in the portal: for each planned therapy not validly consented to, the newest
    version on offer in the patient's own language (no interpreter at home). Two queries."""
    held = {c.therapy for c in case.consents.filter(withdrawal__isnull=True)}
    language = case.patient.language.casefold()
    newest: dict[str, ConsentDocument] = {}
    for document in consent_documents(case):
        if document.therapy not in held and document.language.casefold() == language:
            newest.setdefault(document.therapy, document)
    return list(newest.values())


def adverse_events(case: Case) -> list[AdverseEvent]:
    """The patient's adverse events, latest onset first (one query)."""
    return list(case.adverse_events.select_related("recorded_by"))


# Where a note was typed: (model, its date field, label); outcome measures' notes only for those who read outcomes.
_TREATMENT_NOTES = ((TreatmentSession, "day", "Session"), (FollowUpAssessment, "due_on", "Follow-up assessment"))
_OUTCOME_NOTES = ((Visit, "seen_on", "Outcome visit"), (Relapse, "onset_on", "Relapse"), (MriScan, "scanned_on", "MRI"))


def notes(case: Case, *, outcomes: bool) -> list[tuple[dt.date, str, str]]:
    """Every note typed about the case's treatment (and, with `outcomes`, its measures): (date, where, note), newest
    first, in one query."""
    sources = _TREATMENT_NOTES + (_OUTCOME_NOTES if outcomes else ())
    queries = [
        model.objects.filter(case=case)  # type: ignore[attr-defined]
        .exclude(notes="")
        .annotate(on=Cast(F(day), DateField()), where=Value(label, CharField()))
        .values_list("on", "where", "notes")
        .order_by()
        for model, day, label in sources
    ]
    first, *rest = queries
    return sorted(first.union(*rest, all=True).order_by(), key=lambda row: row[0], reverse=True)


def administrations(case: Case) -> list[Administration]:
    """The vials given to the patient, with their lots and sessions (one query)."""
    return list(case.administrations.select_related("vial__lot", "session").order_by("given_at", "id"))


def deviations(case: Case) -> list[Deviation]:
    return list(Deviation.objects.filter(case=case))


# Once treatment is complete the summary goes home with the post-treatment protocol.
DISCHARGED = frozenset({Stage.TREATED, Stage.FOLLOW_UP, Stage.CLOSED})


def discharge_summary_ready(case: Case) -> bool:
    """Whether the case has a discharge summary: once treatment is complete."""
    return case.stage_enum in DISCHARGED


def discharge_summary(case: Case) -> Summary:
    """The rows of the discharge summary, worded (the console and the portal draw the same PDF from them)."""
    from cellway.treatment import discharge  # ReportLab loads Pillow: not at start-up

    given_sessions = sessions(case)
    vials: dict[int, list[str]] = {}
    for given in administrations(case):
        vials.setdefault(given.session_id, []).append(f"{given.vial.lot.din} vial {given.vial.number}, {given.vial.lot.cells_per_vial:,}")
    days = [s.day for s in given_sessions]
    completed = case.events.filter(to_stage=Stage.TREATED).values_list("at", flat=True).first()
    issued = protocol(case)
    excursions = [
        (f"{s.day:%d %b %Y}", s.label, v.get_phase_display(), str(v), v.excursions)
        for s in given_sessions
        for v in s.vitals.all()
        if v.excursions
    ]
    events = [
        (
            f"{e.onset_on:%d %b %Y}",
            e.term,
            e.get_grade_display(),
            "; ".join(e.get_serious_criteria_display()) or "no",
            f"cells {e.get_related_to_cells_display().lower()}, procedure {e.get_related_to_procedure_display().lower()}",
            e.get_outcome_display() + (f" {e.resolved_on:%d %b %Y}" if e.resolved_on else ""),
        )
        for e in adverse_events(case)
    ]
    signed = [
        (
            capfirst(c.get_therapy_display()),
            f"version {c.document.version} ({c.document.language})",
            f"{c.signed_on:%d %b %Y}",
            f"{c.withdrawal.withdrawn_on:%d %b %Y}" if getattr(c, "withdrawal", None) else "",
        )
        for c in consents(case)
    ]
    return discharge.Summary(
        clinic=settings.CLINIC_NAME,
        patient=case.patient.full_name,
        case_code=case.code,
        condition=str(case.condition),
        arrival=f"{case.arrival_date:%d %b %Y}" if case.arrival_date else "–",
        treatment_dates=f"{min(days):%d %b %Y} to {max(days):%d %b %Y}" if days else "–",
        completed=f"{timezone.localtime(completed):%d %b %Y}" if completed else "–",
        given=[
            (f"{s.day:%d %b %Y}", s.label, s.given, s.get_route_display() or "–", "; ".join(vials.get(s.pk, []))) for s in given_sessions
        ],
        set_aside=[(f"{SessionKind(d.kind).label} {d.number}", d.reason) for d in deviations(case)],
        adverse_events=events,
        excursions=excursions,
        consents=signed,
        protocol=issued.instructions if issued else "",
    )
