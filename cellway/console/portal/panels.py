"""The case page's portal panel: who can follow the case on the patient portal, in which language; invite the patient."""

from __future__ import annotations

from django.db.models import OuterRef

from cellway.cases.parts import Part
from cellway.console.panels import CasePage, Panel
from cellway.console.portal import forms
from cellway.errors import allowed
from cellway.portal.models import PortalGrant, Relation
from cellway.portal.services import check_end_guardianship, check_invite_patient, check_set_guardian

# Read with the case itself (console.panels): a case nobody follows on the portal costs no query here.
HOLDS = {
    "portal_grants": PortalGrant.objects.filter(case=OuterRef("pk"), revoked_at__isnull=True),
    "portal_patient": PortalGrant.objects.filter(case=OuterRef("pk"), revoked_at__isnull=True, relation=Relation.PATIENT),
}


def portal_access(page: CasePage) -> Panel | None:
    """Shown to those who read the patient's contact details: the portal names people and their addresses."""
    if not page.reads(Part.CONTACT):
        return None
    case = page.case
    grants: list[PortalGrant] = []
    if page.holds("portal_grants"):
        grants = list(PortalGrant.objects.filter(case=case, revoked_at__isnull=True).select_related("person").order_by("granted_at"))
    invited = page.holds("portal_patient")
    guardian = next((g for g in grants if g.is_guardian), None)
    can_set_guardian = allowed(check_set_guardian, case=case, by=page.user, has_guardian=guardian is not None)
    return Panel(
        "portal",
        "console/panels/portal.html",
        {
            "grants": grants,
            "can_invite": allowed(check_invite_patient, case=case, by=page.user, invited=invited),
            "guardian": guardian,
            "guardian_form": page.form("portal_guardian", forms.GuardianForm) if can_set_guardian else None,
            "guardian_open": page.is_open("portal_guardian"),
            "end_form": page.form("portal_guardian_end", forms.EndGuardianshipForm)
            if guardian is not None and allowed(check_end_guardianship, case=case, by=page.user)
            else None,
        },
        aside=True,
    )
