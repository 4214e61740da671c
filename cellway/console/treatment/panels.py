"""The ward panels of the case page: sessions, the post-treatment protocol, follow-up assessments."""

from __future__ import annotations

from django.db.models import OuterRef

from cellway.audit.services import check_signed
from cellway.cases.parts import Part
from cellway.console.panels import CasePage, Panel, blocked_reason
from cellway.console.treatment import forms
from cellway.errors import allowed
from cellway.outcomes.models import FollowUpAssessment
from cellway.treatment import selectors
from cellway.treatment.models import PostTreatmentProtocol, TreatmentSession
from cellway.treatment.services import (
    check_complete_assessment,
    check_complete_treatment,
    check_issue_protocol,
    check_log_session,
)

HOLDS = {
    "sessions": TreatmentSession.objects.filter(case=OuterRef("pk")),
    "protocol": PostTreatmentProtocol.objects.filter(case=OuterRef("pk")),
    "follow_ups": FollowUpAssessment.objects.filter(case=OuterRef("pk")),
}


def sessions(page: CasePage) -> Panel | None:
    if not page.reads(Part.TREATMENT):
        return None
    case, user = page.case, page.user
    rows = selectors.sessions(case) if page.holds("sessions") else []
    can_log = allowed(check_log_session, case=case, by=user)
    blocked = "" if can_log else blocked_reason(check_log_session, case=case, by=user)
    if not rows and not can_log and not blocked:
        return None
    return Panel(
        "sessions",
        "console/panels/sessions.html",
        {
            "sessions": rows,
            "can_log": can_log,
            "blocked": blocked,
            "form": page.form("session", forms.SessionForm),
            "can_complete": allowed(check_complete_treatment, case=case, by=user),
        },
        medical=bool(rows),
    )


def protocol(page: CasePage) -> Panel | None:
    if not page.reads(Part.TREATMENT):
        return None
    case, user = page.case, page.user
    issued = selectors.protocol(case) if page.holds("protocol") else None
    can_issue = issued is None and allowed(check_issue_protocol, case=case, by=user)
    if issued is None and not can_issue:
        return None
    return Panel(
        "protocol",
        "console/panels/protocol.html",
        {
            "protocol": issued,
            "intact": issued is None or check_signed(signature=issued.signature, content=issued.as_signed_content(), seen_by=user),
            "can_issue": can_issue,
            "form": page.form("protocol", forms.ProtocolForm),
        },
    )


def follow_up(page: CasePage) -> Panel | None:
    if not page.reads(Part.TREATMENT):
        return None
    case, user = page.case, page.user
    rows = selectors.follow_ups(case) if page.holds("follow_ups") else []
    if not rows:
        return None
    return Panel(
        "follow_up",
        "console/panels/follow_up.html",
        {
            "assessments": rows,
            "can_record": allowed(check_complete_assessment, case=case, by=user),
            "outcomes": page.reads(Part.OUTCOMES),
        },
    )
