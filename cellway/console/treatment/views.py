"""Ward pages: the post-treatment protocol as a document to print; the wristband and the patient's CoAs as PDFs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import capfirst

from cellway.accounts.models import User
from cellway.audit.services import check_signed
from cellway.cases.models import Case
from cellway.cases.parts import Part
from cellway.cases.selectors import get_case
from cellway.cases.services import record_medical_read
from cellway.cases.stages import Stage
from cellway.cells import selectors as cells_selectors
from cellway.console.access import require_part
from cellway.treatment import selectors
from cellway.treatment.models import SessionKind


@login_required
def protocol_document(request: HttpRequest, uuid: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    case = get_case(user, uuid)
    require_part(user, Part.TREATMENT)
    protocol = selectors.protocol(case)
    if protocol is None:
        raise Http404("No protocol has been issued for this case.")
    record_medical_read(case=case, by=user, subject="protocol", summary="Opened the post-treatment protocol")
    response = render(
        request,
        "console/treatment/protocol.html",
        {
            "case": case,
            "protocol": protocol,
            "intact": check_signed(signature=protocol.signature, content=protocol.as_signed_content(), seen_by=user),
            "follow_ups": selectors.follow_ups(case),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def wristband(request: HttpRequest, uuid: str) -> HttpResponse:
    """The patient's wristband with the Chain of Identity, printed on the ward."""
    user: User = request.user  # type: ignore[assignment]
    case = get_case(user, uuid)
    require_part(user, Part.TREATMENT)
    chain = cells_selectors.chain_of(case)
    if chain is None:
        raise Http404("No Chain of Identity yet: no vial has been allocated to this patient.")
    from cellway.cells import documents  # ReportLab loads Pillow: not at start-up

    pdf = documents.wristband(clinic=settings.CLINIC_NAME, patient=case.patient.full_name, case_code=case.code, coi=chain.value)
    return _pdf(pdf, f"wristband-{case.code}.pdf")


@login_required
def certificate(request: HttpRequest, uuid: str, lot: str) -> HttpResponse:
    """The Certificate of Analysis of a lot this patient received (part of the patient's documents)."""
    user: User = request.user  # type: ignore[assignment]
    case = get_case(user, uuid)
    require_part(user, Part.TREATMENT)
    given = next((g for g in cells_selectors.lots_given(case) if str(g.uuid) == str(lot)), None)
    certificate = cells_selectors.certificate_for(given) if given else None
    if given is None or certificate is None:
        raise Http404("This patient received no vial of that lot.")
    record_medical_read(case=case, by=user, subject=f"coa:{lot}", summary=f"Opened the Certificate of Analysis of lot {given.din}")
    from cellway.cells import documents

    return _pdf(documents.certificate_of_analysis(certificate), f"coa-{given.din}.pdf")


# Once treatment is complete the summary goes home with the post-treatment protocol.
DISCHARGED = frozenset({Stage.TREATED, Stage.FOLLOW_UP, Stage.CLOSED})


@login_required
def discharge_summary(request: HttpRequest, uuid: str) -> HttpResponse:
    """The discharge summary (PDF): what was given (lots, doses, routes, dates), adverse events, vital-sign excursions."""
    user: User = request.user  # type: ignore[assignment]
    case = get_case(user, uuid)
    require_part(user, Part.TREATMENT)
    if case.stage_enum not in DISCHARGED:
        raise Http404("The discharge summary is written once treatment is complete.")
    record_medical_read(case=case, by=user, subject="discharge-summary", summary="Opened the discharge summary")
    from cellway.treatment import discharge  # ReportLab loads Pillow: not at start-up

    return _pdf(discharge.discharge_summary(_summary(case)), f"discharge-summary-{case.code}.pdf")


def _summary(case: Case) -> Any:
    from cellway.treatment import discharge

    sessions = selectors.sessions(case)
    vials: dict[int, list[str]] = {}
    for given in selectors.administrations(case):
        vials.setdefault(given.session_id, []).append(f"{given.vial.lot.din} vial {given.vial.number}, {given.vial.lot.cells_per_vial:,}")
    days = [s.day for s in sessions]
    completed = case.events.filter(to_stage=Stage.TREATED).values_list("at", flat=True).first()
    protocol = selectors.protocol(case)
    excursions = [
        (f"{s.day:%d %b %Y}", s.label, v.get_phase_display(), str(v), v.excursions)
        for s in sessions
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
        for e in selectors.adverse_events(case)
    ]
    consents = [
        (
            capfirst(c.get_therapy_display()),
            f"version {c.document.version} ({c.document.language})",
            f"{c.signed_on:%d %b %Y}",
            f"{c.withdrawal.withdrawn_on:%d %b %Y}" if getattr(c, "withdrawal", None) else "",
        )
        for c in selectors.consents(case)
    ]
    return discharge.Summary(
        clinic=settings.CLINIC_NAME,
        patient=case.patient.full_name,
        case_code=case.code,
        condition=str(case.condition),
        arrival=f"{case.arrival_date:%d %b %Y}" if case.arrival_date else "–",
        treatment_dates=f"{min(days):%d %b %Y} to {max(days):%d %b %Y}" if days else "–",
        completed=f"{timezone.localtime(completed):%d %b %Y}" if completed else "–",
        given=[(f"{s.day:%d %b %Y}", s.label, s.given, s.get_route_display() or "–", "; ".join(vials.get(s.pk, []))) for s in sessions],
        set_aside=[(f"{SessionKind(d.kind).label} {d.number}", d.reason) for d in selectors.deviations(case)],
        adverse_events=events,
        excursions=excursions,
        consents=consents,
        protocol=protocol.instructions if protocol else "",
    )


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
