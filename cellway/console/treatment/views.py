"""Ward pages: the post-treatment protocol as a document to print; the wristband and the patient's CoAs as PDFs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cellway.accounts.models import User
from cellway.audit.services import check_signed
from cellway.cases.parts import Part
from cellway.cases.selectors import get_case
from cellway.cases.services import record_medical_read
from cellway.cells import selectors as cells_selectors
from cellway.console.access import require_part
from cellway.treatment import selectors


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


@login_required
def discharge_summary(request: HttpRequest, uuid: str) -> HttpResponse:
    """The discharge summary (PDF): what was given (lots, doses, routes, dates), adverse events, vital-sign excursions."""
    user: User = request.user  # type: ignore[assignment]
    case = get_case(user, uuid)
    require_part(user, Part.TREATMENT)
    if not selectors.discharge_summary_ready(case):
        raise Http404("The discharge summary is written once treatment is complete.")
    record_medical_read(case=case, by=user, subject="discharge-summary", summary="Opened the discharge summary")
    from cellway.treatment import discharge  # ReportLab loads Pillow: not at start-up

    return _pdf(discharge.discharge_summary(selectors.discharge_summary(case)), f"discharge-summary-{case.code}.pdf")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
