"""The ward panels of the case page: sessions, the post-treatment protocol, follow-up assessments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import OuterRef
from django.forms import ModelChoiceField

from cellway.accounts.models import User
from cellway.audit.services import check_signed
from cellway.cases.parts import Part
from cellway.cells import selectors as cells_selectors
from cellway.cells.models import Vial, VialStatus
from cellway.clinic import clinic_today
from cellway.console.panels import CasePage, Panel, blocked_reason
from cellway.console.treatment import forms
from cellway.errors import NotAllowed, Refusal, StageConflict, allowed
from cellway.outcomes.models import FollowUpAssessment, MriScan, Relapse, Visit
from cellway.outcomes.services import check_close_missed
from cellway.treatment import plan_items, selectors
from cellway.treatment.bedside import latest_weight
from cellway.treatment.models import (
    AdverseEvent,
    AeOutcome,
    BedsideCheck,
    Consent,
    ConsentDocument,
    Grade,
    PostTreatmentProtocol,
    Serious,
    SessionKind,
    TreatmentSession,
)
from cellway.treatment.services import (
    AT_THE_CLINIC,
    check_bedside,
    check_complete_treatment,
    check_issue_protocol,
    check_log_session,
    check_record_adverse_event,
    check_record_consent,
    check_record_vitals,
    check_set_aside,
    check_update_adverse_event,
    check_withdraw_consent,
)
from cellway.treatment.services import check_consent as _consent_gate

HOLDS = {
    "sessions": TreatmentSession.objects.filter(case=OuterRef("pk")),
    "protocol": PostTreatmentProtocol.objects.filter(case=OuterRef("pk")),
    "follow_ups": FollowUpAssessment.objects.filter(case=OuterRef("pk")),
    "vials": Vial.objects.filter(case=OuterRef("pk")),
    "consents": Consent.objects.filter(case=OuterRef("pk")),
    "adverse_events": AdverseEvent.objects.filter(case=OuterRef("pk")),
    # Notes typed on sessions and assessments (treatment), and on visits, relapses and MRI reads (outcomes).
    "treatment_notes": TreatmentSession.objects.filter(case=OuterRef("pk")).exclude(notes=""),
    "assessment_notes": FollowUpAssessment.objects.filter(case=OuterRef("pk")).exclude(notes=""),
    "outcome_notes": Visit.objects.filter(case=OuterRef("pk")).exclude(notes=""),
    "relapse_notes": Relapse.objects.filter(case=OuterRef("pk")).exclude(notes=""),
    "mri_notes": MriScan.objects.filter(case=OuterRef("pk")).exclude(notes=""),
}


def consent(page: CasePage) -> Panel | None:
    """Informed consent (rule 10): what the patient signed, and the forms to record a consent or its withdrawal."""
    if not page.reads(Part.TREATMENT):
        return None
    case, user = page.case, page.user
    rows = selectors.consents(case) if page.holds("consents") else []
    can_record = allowed(check_record_consent, case=case, by=user)
    if not rows and not can_record:
        return None
    form = page.form("consent", forms.ConsentForm)
    if can_record:
        # Narrowed to this case: its planned therapies' forms, the staff who take consent.
        document, taken_by = form.fields["document"], form.fields["taken_by"]
        assert isinstance(document, ModelChoiceField) and isinstance(taken_by, ModelChoiceField)
        document.queryset = ConsentDocument.objects.filter(retired=False, therapy__in=selectors.therapies_planned(case))
        taken_by.queryset = (
            User.objects.with_perm("treatment.record_consent", backend="cellway.accounts.backends.RoleBackend")
            .filter(is_active=True)
            .order_by("first_name")
        )
        if not form.is_bound:
            form.initial.setdefault("taken_by", user.pk)
    may_withdraw = allowed(check_withdraw_consent, case=case, by=user)
    return Panel(
        "consent",
        "console/panels/consent.html",
        {
            "consents": rows,
            "missing": blocked_reason(_consent_gate, case=case) if case.stage in AT_THE_CLINIC or can_record else "",
            "can_record": can_record,
            "form": form,
            "may_withdraw": may_withdraw,
            "withdraw_form": page.form("consent_withdraw", forms.WithdrawConsentForm),
        },
        medical=bool(rows),
    )


def sessions(page: CasePage) -> Panel | None:
    """The sessions against the plan: its items done, set aside or to do; each session's vital signs; logging."""
    if not page.reads(Part.TREATMENT):
        return None
    case, user = page.case, page.user
    rows = selectors.sessions(case) if page.holds("sessions") else []
    can_log, blocked = _ask(check_log_session, case=case, by=user)
    if not rows and not can_log and not blocked:
        return None
    at_clinic = case.stage in AT_THE_CLINIC
    planned = selectors.planned_items(case) if at_clinic else []
    to_do = plan_items.to_do(planned)
    choices = [(i.key, f"{SessionKind(i.kind).label} {i.number} of {i.of}") for i in to_do]
    form = page.form("session", forms.SessionForm)
    form.fields["item"].widget.choices = choices
    set_aside_form = page.form("set_aside", forms.SetAsideForm)
    items_field = set_aside_form.fields["items"]
    assert isinstance(items_field, forms.PlannedItemField)
    items_field.choices = choices
    vitals_form = page.form("vitals", forms.VitalsForm)
    vitals_form.fields["session"].widget.choices = [
        (s.uuid, f"{s.day:%d %b}, {s.label}") for s in reversed(rows)
    ]
    return Panel(
        "sessions",
        "console/panels/sessions.html",
        {
            "sessions": rows,
            "planned": planned,
            "to_do": to_do,
            "can_log": can_log and bool(to_do),
            "blocked": blocked,
            "form": form,
            "can_vitals": bool(rows) and allowed(check_record_vitals, case=case, by=user),
            "vitals_form": vitals_form,
            "can_set_aside": bool(to_do) and allowed(check_set_aside, case=case, by=user),
            "set_aside_form": set_aside_form,
            **dict(zip(("can_complete", "complete_blocked"), _ask(check_complete_treatment, case=case, by=user), strict=True)),
        },
        medical=bool(rows),
    )


def _ask(check: Callable[..., None], /, **kwargs: Any) -> tuple[bool, str]:
    """Whether the check lets the action through, and if not, the reason worth showing (see blocked_reason)."""
    try:
        check(**kwargs)
    except (NotAllowed, StageConflict):
        return False, ""
    except Refusal as refusal:
        return False, refusal.message
    return True, ""


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
            "can_close": allowed(check_close_missed, case=case, by=user),
            "today": clinic_today(),
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


def adverse_events(page: CasePage) -> Panel | None:
    """The patient's adverse events (rule 11), and the forms to record one or follow one up."""
    if not page.reads(Part.TREATMENT):
        return None
    case, user = page.case, page.user
    rows = selectors.adverse_events(case) if page.holds("adverse_events") else []
    can_record = allowed(check_record_adverse_event, case=case, by=user)
    if not rows and not can_record:
        return None
    return Panel(
        "adverse-events",
        "console/panels/adverse_events.html",
        {
            "events": rows,
            "can_record": can_record,
            "form": page.form("adverse_event", forms.AdverseEventForm),
            "can_update": bool(rows) and allowed(check_update_adverse_event, case=case, by=user),
            "update_form": page.form("adverse_event_update", forms.AdverseEventUpdateForm),
            "grades": Grade.choices,
            "outcomes": AeOutcome.choices,
            "criteria": Serious.choices,
        },
        medical=bool(rows),
    )


def notes(page: CasePage) -> Panel | None:
    """Every note typed on the case's sessions and assessments, and on its outcome visits, relapses and MRI reads."""
    if not page.reads(Part.TREATMENT):
        return None
    outcomes = page.reads(Part.OUTCOMES)
    keys = ["treatment_notes", "assessment_notes"] + (["outcome_notes", "relapse_notes", "mri_notes"] if outcomes else [])
    if not any(page.holds(k) for k in keys):
        return None
    return Panel("notes", "console/panels/notes.html", {"notes": selectors.notes(page.case, outcomes=outcomes)}, medical=True)
