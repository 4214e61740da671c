"""Ward pages: the post-treatment protocol as a document to print."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cellway.accounts.models import User
from cellway.audit.services import check_signed
from cellway.cases.parts import Part
from cellway.cases.selectors import get_case
from cellway.cases.services import record_medical_read
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
