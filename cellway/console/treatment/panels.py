"""The ward panels of the case page: sessions, the post-treatment protocol, follow-up assessments."""

from __future__ import annotations

from django.db.models import OuterRef

from cellway.audit.services import check_signed
from cellway.cases.parts import Part
from cellway.cells import selectors as cells_selectors
from cellway.cells.models import Vial, VialStatus
from cellway.console.panels import CasePage, Panel, blocked_reason
from cellway.console.treatment import forms
from cellway.errors import allowed
from cellway.outcomes.models import FollowUpAssessment
from cellway.treatment import selectors
from cellway.treatment.bedside import latest_weight
from cellway.treatment.models import BedsideCheck, PostTreatmentProtocol, TreatmentSession
from cellway.treatment.services import (
    check_bedside,
    check_complete_assessment,
    check_complete_treatment,
    check_issue_protocol,
    check_log_session,
)

HOLDS = {
    "sessions": TreatmentSession.objects.filter(case=OuterRef("pk")),
    "protocol": PostTreatmentProtocol.objects.filter(case=OuterRef("pk")),
    "follow_ups": FollowUpAssessment.objects.filter(case=OuterRef("pk")),
    "vials": Vial.objects.filter(case=OuterRef("pk")),
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


def bedside(page: CasePage) -> Panel | None:
    """The cell products of this patient at the bedside: Chain of Identity, weight, planned infusions and their vials, checks."""
    if not page.reads(Part.TREATMENT):
        return None
    case, user = page.case, page.user
    can_check = allowed(check_bedside, case=case, by=user)
    if not can_check and not page.holds("vials"):
        return None
    planned = cells_selectors.planned_infusions(case)
    # The vials carry their case's Chain of Identity (one query for both); no vial, no chain yet.
    vials = cells_selectors.case_vials(case) if page.holds("vials") else []
    coi = getattr(vials[0].case, "chain_of_identity", None) if vials else None
    lots_given = list({v.lot.pk: v.lot for v in vials if v.status == VialStatus.ADMINISTERED}.values())
    infusions = [(p, [v for v in vials if v.route == p.route and v.infusion == p.number]) for p in planned]
    form = page.form("bedside", forms.BedsideForm)
    form.fields["infusion"].widget.choices = [(p.key, p.label) for p in planned]
    last = BedsideCheck.objects.filter(case=case, by=user).select_related("vial", "administration").first() if can_check else None
    return Panel(
        "bedside",
        "console/panels/bedside.html",
        {
            "coi": coi,
            "weight": latest_weight(case),
            "infusions": infusions,
            "lots_given": lots_given,
            "can_check": can_check,
            "weight_form": page.form("weight", forms.WeightForm),
            "form": form,
            "last": last,
            "can_administer": bool(last and last.passed and not hasattr(last, "administration")),
        },
        medical=True,
    )
