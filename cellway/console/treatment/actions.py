"""Ward actions on a case: log a session, complete treatment, issue the protocol, record an assessment."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.console.actions import View, case_action, signing_action
from cellway.console.treatment import forms
from cellway.errors import Refusal
from cellway.outcomes import services as outcomes
from cellway.treatment import plan_items, services
from cellway.treatment.models import BedsideCheck


def _session(case: Case, d: dict[str, Any], user: User) -> str:
    kind, number = d["item"]
    session = services.log_session(case=case, by=user, kind=kind, number=number, day=d["day"], given=d["given"], notes=d["notes"])
    return f"{session.get_kind_display()} {session.infusion} logged."


def _vitals(case: Case, d: dict[str, Any], user: User) -> str:
    session = case.sessions.filter(uuid=d["session"]).first()
    if session is None:
        raise Refusal("That session is not part of this case.")
    values = {k: d[k] for k in ("phase", "systolic", "diastolic", "pulse", "temperature", "spo2")}
    taken = services.record_vitals(session=session, by=user, **values)
    flagged = f" Outside the usual range: {taken.excursions}." if taken.excursions else ""
    return f"Vital signs recorded: {taken}.{flagged}"


def _set_aside(case: Case, d: dict[str, Any], user: User) -> str:
    items = [parsed for key in d["items"] if (parsed := plan_items.parse_key(key))]
    rows = services.set_aside(case=case, by=user, items=items, reason=d["reason"])
    return f"{len(rows)} planned item{'s' if len(rows) != 1 else ''} set aside."


def _complete(case: Case, d: dict[str, Any], user: User) -> str:
    services.complete_treatment(case=case, by=user)
    return "Treatment complete. Issue the post-treatment protocol next."


def _protocol(case: Case, d: dict[str, Any], user: User, request: HttpRequest) -> str:
    services.issue_protocol(
        case=case, by=user, instructions=d["instructions"], password=d["password"], second_factor=d.get("code", ""), request=request
    )
    return "Protocol issued and signed; follow-up assessments are scheduled."


def _missed(case: Case, d: dict[str, Any], user: User) -> str:
    assessment = case.follow_ups.filter(pk=d["assessment"]).first()
    if assessment is None:
        raise Refusal("That assessment is not part of this case.")
    outcomes.close_missed(assessment=assessment, by=user, reason=d["reason"])
    return f"The {assessment.months_after}-month assessment is closed as missed."


def _weight(case: Case, d: dict[str, Any], user: User) -> str:
    weight = services.record_weight(case=case, by=user, kg=d["kg"])
    return f"Weight recorded: {weight.kg} kg."


def _bedside(case: Case, d: dict[str, Any], user: User) -> str:
    route, _, number = d["infusion"].partition("-")
    if not number.isdigit():
        raise Refusal("Choose the planned infusion.")
    check = services.bedside_check(case=case, by=user, wristband=d["wristband"], label=d["label"], route=route, infusion=int(number))
    if not check.passed:
        # Recorded, and shown in red on the panel: a refusal, though the check itself was written.
        raise Refusal("RED STOP: " + check.message)
    return "GREEN: " + check.message


def _administer(case: Case, d: dict[str, Any], user: User) -> str:
    check = BedsideCheck.objects.filter(case=case, pk=d["check"]).first()
    if check is None:
        raise Refusal("That bedside check is not part of this case.")
    given = services.administer(check=check, by=user)
    return f"Given: vial {given.vial.number} of lot {given.vial.lot.din}, {given.session.infusion_label}."


def _consent(case: Case, d: dict[str, Any], user: User) -> str:
    consent = services.record_consent(
        case=case,
        by=user,
        document=d["document"],
        signed_on=d["signed_on"],
        taken_by=d["taken_by"],
        scan=d["scan"],
        witness=d["witness"],
        interpreter=d["interpreter"],
    )
    return f"Consent to {consent.get_therapy_display()} recorded."


def _withdraw_consent(case: Case, d: dict[str, Any], user: User) -> str:
    consent = case.consents.filter(uuid=d["consent"]).first()
    if consent is None:
        raise Refusal("That consent is not part of this case.")
    services.withdraw_consent(consent=consent, by=user, withdrawn_on=d["withdrawn_on"], reason=d["reason"])
    return f"Withdrawal of consent to {consent.get_therapy_display()} recorded: nothing that needs it is given."


def _adverse_event(case: Case, d: dict[str, Any], user: User) -> str:
    event = services.record_adverse_event(case=case, by=user, **d)
    if event.serious:
        return f"Serious adverse event recorded: {event}. The medical director is notified."
    return f"Adverse event recorded: {event}."


def _adverse_event_update(case: Case, d: dict[str, Any], user: User) -> str:
    event = case.adverse_events.filter(uuid=d.pop("event")).first()
    if event is None:
        raise Refusal("That adverse event is not part of this case.")
    event = services.update_adverse_event(event=event, by=user, **d)
    return f"Adverse event updated: {event}, {event.get_outcome_display().lower()}."


ACTIONS: dict[str, View] = {
    "adverse-event": case_action(forms.AdverseEventForm, "adverse_event", _adverse_event, anchor="adverse-events"),
    "adverse-event-update": case_action(
        forms.AdverseEventUpdateForm, "adverse_event_update", _adverse_event_update, anchor="adverse-events"
    ),
    "consent": case_action(forms.ConsentForm, "consent", _consent),
    "consent-withdraw": case_action(forms.WithdrawConsentForm, "consent_withdraw", _withdraw_consent, anchor="consent"),
    "session": case_action(forms.SessionForm, "session", _session, anchor="sessions"),
    "vitals": case_action(forms.VitalsForm, "vitals", _vitals, anchor="sessions"),
    "set-aside": case_action(forms.SetAsideForm, "set_aside", _set_aside, anchor="sessions"),
    "complete": case_action(None, "sessions", _complete),
    "protocol-issue": signing_action(forms.ProtocolForm, "protocol", _protocol),
    # An assessment is completed only by recording its visit (outcomes page); here it is closed as missed.
    "assessment-missed": case_action(forms.MissedForm, "follow_up", _missed),
    "weight": case_action(forms.WeightForm, "weight", _weight, anchor="bedside"),
    "bedside-check": case_action(forms.BedsideForm, "bedside", _bedside),
    "administer": case_action(forms.AdministerForm, "administer", _administer, anchor="bedside"),
}
