"""Writes at the bedside and at the end of treatment (rules 6, 8)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from cellway import limits
from cellway.accounts.models import User
from cellway.audit.services import sign, verify_signer
from cellway.billing.selectors import account
from cellway.cases import notify as notify_staff
from cellway.cases.events import EventKind
from cellway.cases.models import Case
from cellway.cases.services import expect_stage, lock_case, move, record_event, require_assigned, require_perm, touch
from cellway.cases.stages import Stage
from cellway.cells import services as cells
from cellway.cells.models import LotEventKind, Route, VialStatus
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.months import months_after
from cellway.outcomes.models import FollowUpAssessment
from cellway.records import services as records
from cellway.records.models import RecordFile
from cellway.treatment import plan_items, selectors, vitals
from cellway.treatment.bedside import BedsideStop, verify
from cellway.treatment.models import (
    RESOLVED,
    ActionTaken,
    Administration,
    AdverseEvent,
    AeOutcome,
    BedsideCheck,
    Consent,
    ConsentDocument,
    ConsentMethod,
    ConsentWithdrawal,
    Deviation,
    Grade,
    PostTreatmentProtocol,
    Relatedness,
    Serious,
    SessionKind,
    Therapy,
    TreatmentSession,
    VitalSigns,
    VitalsPhase,
    WeightMeasurement,
)

AT_THE_CLINIC = frozenset({Stage.ARRIVED, Stage.IN_TREATMENT})


def check_log_session(*, case: Case, by: User) -> None:
    """Sessions at the clinic; none starts while a balance is open without a signed override (rule 6), nor
    without the patient's valid consent to every planned therapy (rule 10). Three queries."""
    require_perm(by, "treatment.log_session", "log treatment sessions")
    expect_stage(case, AT_THE_CLINIC, "log a session")
    money = account(case)
    if money.balance_open and not money.overridden:
        raise Refusal("The balance is still open: no session starts until it is paid, or a finance manager signs an override.")
    check_consent(case=case)


def check_consent(*, case: Case) -> None:
    """Rule 10: the latest consent to each planned therapy is recorded and not withdrawn. Two queries."""
    latest: dict[str, Consent] = {}
    for consent in case.consents.select_related("withdrawal").order_by("-recorded_at", "-id"):
        latest.setdefault(consent.therapy, consent)
    for therapy in selectors.therapies_planned(case):
        held = latest.get(therapy)
        if held is None:
            raise Refusal(f"No informed consent to {therapy.label} is recorded: no session starts without it.")
        withdrawal = getattr(held, "withdrawal", None)
        if withdrawal is not None:
            raise Refusal(
                f"The patient withdrew consent to {therapy.label} on {withdrawal.withdrawn_on:%d %b %Y}: "
                "nothing that remains is given without a new consent."
            )


def log_session(
    *, case: Case, by: User, kind: str, day: dt.date, given: str, notes: str = "", number: int | None = None
) -> TreatmentSession:
    """Log a session given: it fulfils planned item `number` of its kind (the next one to do if None).

    None starts while a balance is open, unless a finance manager signed an override, nor without consent.
    """
    with transaction.atomic():
        case = lock_case(case)
        check_log_session(case=case, by=by)
        limits.check_length(given, limits.SHORT, "What was given")
        limits.check_length(notes, limits.NOTE, "The notes")
        if kind not in SessionKind.values:
            raise Refusal(f"Unknown session kind {kind!r}.")
        if not given.strip():
            raise Refusal("Write what was given.")
        if day > clinic_today():
            raise Refusal("A session cannot be logged for a day that has not come.")
        if case.arrival_date and day < case.arrival_date:
            raise Refusal(f"{day:%d %b %Y} is before the patient arrived ({case.arrival_date:%d %b %Y}).")
        number = _planned_item(case, SessionKind(kind), number)
        # Set when the session starts with a balance open: the check let it through on this override.
        override = case.balance_overrides.first() if account(case).balance_open else None
        route = kind if kind in Route.values else ""
        session = TreatmentSession.objects.create(
            case=case, kind=kind, day=day, given=given, notes=notes, given_by=by, override=override, route=route, infusion=number
        )
        of = selectors.plan_counts(case)[kind]
        summary = f"{session.get_kind_display()} {number} of {of} on {day:%d %b %Y}: {given}"
        if override:
            summary += " (balance open; override signed by " + str(override.granted_by) + ")"
        if case.stage_enum == Stage.ARRIVED:
            # The stage change is seen by every role in scope; what was given only by those who may read treatment.
            move(case, to=Stage.IN_TREATMENT, by=by, summary="Treatment started")
        else:
            touch(case)
        record_event(case=case, by=by, kind=EventKind.SESSION, summary=summary, data={"note": notes.strip()} if notes.strip() else None)
    return session


def _planned_item(case: Case, kind: SessionKind, number: int | None) -> int:
    """The planned item a session of `kind` fulfils: `number` if it is still to do, else the next one to do."""
    planned = selectors.planned_items(case)
    of = selectors.plan_counts(case)[kind.value]
    if not of:
        raise Refusal(f"The signed plan has no {kind.label.lower()}: log only what the plan asks for.")
    if number is None:
        left = plan_items.to_do(planned, kind.value)
        if not left:
            raise Refusal(f"Every {kind.label.lower()} of the plan is already logged or set aside ({of} of {of}).")
        return left[0].number
    item = next((i for i in planned if i.kind == kind.value and i.number == number), None)
    if item is None:
        raise Refusal(f"The plan has {of} {kind.label.lower()}: there is no number {number}.")
    if item.status == plan_items.DONE:
        raise StageConflict(f"{kind.label} {number} of {of} is already logged.")
    if item.status == plan_items.SET_ASIDE:
        raise Refusal(f"{kind.label} {number} of {of} was set aside: {item.reason}")
    return number


def check_complete_treatment(*, case: Case, by: User) -> None:
    """The assigned specialist completes treatment once every planned item is done or set aside with a reason."""
    require_perm(by, "treatment.complete_treatment", "complete treatment")
    expect_stage(case, Stage.IN_TREATMENT, "complete treatment")
    require_assigned(case, by, "complete its treatment")
    left = plan_items.to_do(selectors.planned_items(case))
    if left:
        by_kind: dict[str, list[plan_items.Item]] = {}
        for item in left:
            by_kind.setdefault(item.kind, []).append(item)
        listed = "; ".join(
            f"{SessionKind(kind).label.lower()} {', '.join(str(i.number) for i in items)} of {items[0].of}"
            for kind, items in by_kind.items()
        )
        raise Refusal(f"Still to do: {listed}. Log each, or record why it was not given.")


def complete_treatment(*, case: Case, by: User) -> Case:
    with transaction.atomic():
        case = lock_case(case)
        check_complete_treatment(case=case, by=by)
        move(case, to=Stage.TREATED, by=by, summary=f"Treatment complete after {selectors.session_count(case)} sessions")
    return case


def check_issue_protocol(*, case: Case, by: User) -> None:
    require_perm(by, "treatment.issue_protocol", "issue post-treatment protocols")
    expect_stage(case, Stage.TREATED, "issue the protocol")
    require_assigned(case, by, "issue its protocol")


def issue_protocol(
    *, case: Case, by: User, instructions: str, password: str, second_factor: str = "", request: HttpRequest | None = None
) -> PostTreatmentProtocol:
    """Issue the signed post-treatment protocol; the case then moves to follow-up (rule 8)."""
    meaning = "issued post-treatment protocol"
    verified = verify_signer(signer=by, password=password, second_factor=second_factor, meaning=meaning, request=request)
    with transaction.atomic():
        case = lock_case(case)
        check_issue_protocol(case=case, by=by)
        limits.check_length(instructions, limits.DOCUMENT, "The protocol")
        if len(instructions.strip()) < 20:
            raise Refusal("Write the protocol the patient takes home (care, medication, exercise, warning signs).")
        if selectors.protocol_issued(case):
            raise StageConflict("The protocol for this case was already issued.")
        protocol = PostTreatmentProtocol(case=case, instructions=instructions, issued_by=by)
        protocol.signature = sign(verified=verified, subject=f"protocol:{case.uuid}", content=protocol.as_signed_content())
        protocol.save()
        signature = protocol.signature
        summary = "Post-treatment protocol issued and signed"
        record_event(case=case, by=by, kind=EventKind.PROTOCOL_ISSUED, summary=summary, data={"signature": signature.pk})
        start_follow_up(case=case, by=by)
    return protocol


def start_follow_up(*, case: Case, by: User) -> list[FollowUpAssessment]:
    """Move a treated case to follow-up and schedule its assessments. Refused until the protocol is issued.

    Call inside a transaction holding the case lock.
    """
    if case.stage_enum != Stage.TREATED:
        raise StageConflict(f"{case.code} is '{case.get_stage_display()}', not 'Treatment complete'.")
    if not selectors.protocol_issued(case):
        raise Refusal("Issue the post-treatment protocol before the case moves to follow-up.")
    last_day = selectors.last_session_day(case) or clinic_today()
    assessments = FollowUpAssessment.objects.bulk_create(
        [FollowUpAssessment(case=case, months_after=m, due_on=months_after(last_day, m)) for m in settings.FOLLOW_UP_MONTHS]
    )
    due = ", ".join(f"{a.due_on:%d %b %Y}" for a in assessments)
    move(case, to=Stage.FOLLOW_UP, by=by, summary=f"Follow-up started; assessments due {due}")
    return assessments


# --- The bedside (rule 7) ----------------------------------------------------------------------------


def check_bedside(*, case: Case, by: User) -> None:
    require_perm(by, "treatment.administer_product", "check and give cell products")
    expect_stage(case, AT_THE_CLINIC, "check a cell product at the bedside")


def record_weight(*, case: Case, by: User, kg: Decimal) -> WeightMeasurement:
    """Record the patient's weight (the endotoxin limit per dose depends on it)."""
    with transaction.atomic():
        case = lock_case(case)
        check_bedside(case=case, by=by)
        if not Decimal(2) <= kg <= Decimal(400):
            raise Refusal(f"{kg} kg is not a weight Cellway accepts: 2 to 400 kg.")
        weight = WeightMeasurement.objects.create(case=case, kg=kg, measured_by=by)
        touch(case)
        record_event(case=case, by=by, kind=EventKind.SESSION, summary=f"Weight recorded: {kg} kg")
    return weight


def bedside_check(*, case: Case, by: User, wristband: str, label: str, route: str, infusion: int) -> BedsideCheck:
    """Check the wristband and the product label (scanned or typed). Green or red, the check is recorded and returned.

    A red check says why; nothing can be given on it.
    """
    with transaction.atomic():
        case = lock_case(case)
        check_bedside(case=case, by=by)
        limits.check_length(wristband, 60, "The wristband")
        limits.check_length(label, 80, "The product label")
        if route not in Route.values:
            raise Refusal(f"Unknown route {route!r}.")
        try:
            green = verify(case=case, by=by, wristband=wristband, label=label, route=route, infusion=infusion)
        except BedsideStop as stop:
            passed, message, vial = False, stop.message, stop.vial
        else:
            passed, vial = True, green.vial
            message = f"Vial {vial.number} of lot {vial.lot.din} for {case.patient}. {green.dose.explanation}"
        check = BedsideCheck.objects.create(
            case=case,
            vial=vial,
            by=by,
            wristband=wristband.strip(),
            label=label.strip(),
            route=route,
            infusion=infusion,
            passed=passed,
            message=message[:400],
        )
        summary = ("Bedside check GREEN: " if passed else "Bedside check RED STOP: ") + message
        if vial is not None:
            kind = LotEventKind.BEDSIDE_PASSED if passed else LotEventKind.BEDSIDE_REFUSED
            cells.record_lot_event(lot=vial.lot, by=by, vial=vial, kind=kind, summary=summary, data={"case": case.pk, "check": check.pk})
        record_event(case=case, by=by, kind=EventKind.SESSION, summary=summary, data={"check": check.pk, "passed": passed})
    return check


def administer(*, check: BedsideCheck, by: User) -> Administration:
    """Give the vial of a green bedside check: verified again, then recorded in the session of its planned infusion."""
    with transaction.atomic():
        case = lock_case(check.case_id)
        check_bedside(case=case, by=by)
        check_log_session(case=case, by=by)
        check = BedsideCheck.objects.select_for_update().get(pk=check.pk)
        if not check.passed:
            raise Refusal(f"This check was a red stop: {check.message}")
        if check.by_id != by.pk:
            raise Refusal("Give a vial only after your own bedside check.")
        if Administration.objects.filter(bedside_check=check).exists():
            raise StageConflict("This vial was already given on this check.")
        green = verify(case=case, by=by, wristband=check.wristband, label=check.label, route=check.route, infusion=check.infusion)
        vial = green.vial
        cells.lock_lot(vial.lot_id)
        session = _session_for(case=case, by=by, route=check.route, infusion=check.infusion)
        given = Administration.objects.create(vial=vial, case=case, session=session, bedside_check=check, route=check.route, given_by=by)
        vial.status, vial.holder = VialStatus.ADMINISTERED, None
        vial.save(update_fields=["status", "holder"])
        what = f"vial {vial.number} of lot {vial.lot.din} ({vial.lot.cells_per_vial:,} cells)"
        cells.record_lot_event(lot=vial.lot, by=by, vial=vial, kind=LotEventKind.ADMINISTERED, summary=f"Given to {case.code}: {what}")
        if case.stage_enum == Stage.ARRIVED:
            move(case, to=Stage.IN_TREATMENT, by=by, summary="Treatment started")
        else:
            touch(case)
        record_event(case=case, by=by, kind=EventKind.SESSION, summary=f"{session.infusion_label}: {what} given")
    return given


def _session_for(*, case: Case, by: User, route: str, infusion: int) -> TreatmentSession:
    """The session of this planned infusion, started with its first vial."""
    session = TreatmentSession.objects.filter(case=case, route=route, infusion=infusion).first()
    if session is None:
        of = case.plans.filter(status="signed").values_list("iv_infusions" if route == Route.IV else "it_infusions", flat=True).first()
        session = TreatmentSession.objects.create(
            case=case,
            kind=SessionKind(route),
            day=clinic_today(),
            given_by=by,
            route=route,
            infusion=infusion,
            given=f"{Route(route).label} {infusion} of {of or infusion}: cells from the vials below",
        )
    return session


# --- Informed consent (rule 10) -----------------------------------------------------------------------

# From the signed plan the therapy is known; consent is taken before the first session and, for a new
# version of the form, during treatment.
CONSENT_STAGES = frozenset({Stage.CLEARED, Stage.SCHEDULED, Stage.DEPOSIT_PAID, Stage.PAID, Stage.ARRIVED, Stage.IN_TREATMENT})


def check_record_consent(*, case: Case, by: User) -> None:
    require_perm(by, "treatment.record_consent", "record informed consent")
    expect_stage(case, CONSENT_STAGES, "record consent")


def record_consent(
    *,
    case: Case,
    by: User,
    document: ConsentDocument,
    signed_on: dt.date,
    taken_by: User,
    scan: UploadedFile[bytes] | None,
    witness: str = "",
    interpreter: str = "",
) -> Consent:
    """Record a consent signed on paper: the version signed, the scan, who took it, a witness or interpreter.

    The scan goes through the records intake's checks (typed by content, size, SHA-256, virus scan); a
    refused scan refuses the consent and nothing is written. A form in another language than the
    patient's needs the interpreter's name. Recording the same version again while it holds is refused
    (a double click); a newer version replaces it.
    """
    stored: RecordFile | None = None
    try:
        with transaction.atomic():
            case = lock_case(case)
            check_record_consent(case=case, by=by)
            limits.check_length(witness, limits.NAME, "The witness's name")
            limits.check_length(interpreter, limits.NAME, "The interpreter's name")
            document = _current_document(document)
            therapy = Therapy(document.therapy)
            _check_consent_form(case=case, document=document, signed_on=signed_on, taken_by=taken_by, interpreter=interpreter)
            held = case.consents.filter(therapy=therapy, withdrawal__isnull=True).select_related("document", "recorded_by").first()
            if held is not None and held.document.version >= document.version:
                raise StageConflict(
                    f"Consent to {therapy.label} on version {held.document.version} was already recorded by "
                    f"{held.recorded_by} at {timezone.localtime(held.recorded_at):%d %b %Y %H:%M}."
                )
            if scan is None:
                raise Refusal("Attach the scan of the signed form.")
            stored = records.attach_consent_scan(case=case, upload=scan, by=by)
            consent = Consent.objects.create(
                case=case,
                therapy=therapy,
                document=document,
                document_sha256=document.sha256,
                signed_on=signed_on,
                scan=stored,
                taken_by=taken_by,
                witness=witness.strip(),
                interpreter=interpreter.strip(),
                recorded_by=by,
            )
            touch(case)
            summary = f"Consent to {therapy.label} signed on {signed_on:%d %b %Y} ({document}), taken by {taken_by}"
            if consent.witness:
                summary += f", witness {consent.witness}"
            if consent.interpreter:
                summary += f", interpreter {consent.interpreter}"
            record_event(
                case=case,
                by=by,
                kind=EventKind.CONSENT,
                summary=summary,
                data={"consent": str(consent.uuid), "document": document.pk, "sha256": consent.document_sha256},
            )
    except BaseException:
        if stored is not None:
            records.forget_uncommitted(stored)
        raise
    return consent


def check_sign_consent_online(*, case: Case, document: ConsentDocument) -> None:
    """The patient (or their guardian) signs a form in the portal: in a consent stage, the current version of a
    form this case's plan needs, in the patient's own language (at home there is no interpreter to name), and
    not one already held. Who may sign for the case is the portal's rule (the patient, or a guardian)."""
    expect_stage(case, CONSENT_STAGES, "sign consent")
    if document.retired:
        raise StageConflict(f"{document} was replaced by a newer version: read the current one before signing.")
    _check_consent_form(case=case, document=document, signed_on=clinic_today(), interpreter="")
    held = case.consents.filter(therapy=document.therapy, withdrawal__isnull=True).select_related("document").first()
    if held is not None and held.document.version >= document.version:
        raise StageConflict(f"Consent to {Therapy(document.therapy).label} is already signed (version {held.document.version}).")


def sign_consent_online(
    *, case: Case, document: ConsentDocument, signer: User, signed_as: str, shown_sha256: str, address: str | None, for_patient: str
) -> Consent:
    """Record a consent signed electronically: the version and the SHA-256 of the text the page showed, when, from
    which address, who signed and as what (`signed_as` "patient" or "guardian", for `for_patient`).

    A text that changed since the page was shown (another digest, or the version retired) is refused: the person
    signs only what they read. The ward's gate (`check_consent`) then accepts it as it does a paper one.
    """
    if signed_as not in {"patient", "guardian"}:
        raise NotAllowed("Only the patient, or a guardian the clinic set up, signs consent.")
    with transaction.atomic():
        case = lock_case(case)
        current = ConsentDocument.objects.filter(pk=document.pk).first()
        if current is None:
            raise Refusal("That consent form does not exist.")
        check_sign_consent_online(case=case, document=current)
        if current.sha256 != shown_sha256:
            raise StageConflict("The consent form changed since the page was shown: read the current text before signing.")
        now = timezone.now()
        consent = Consent.objects.create(
            case=case,
            therapy=current.therapy,
            document=current,
            document_sha256=current.sha256,
            signed_on=timezone.localtime(now).date(),
            method=ConsentMethod.ELECTRONIC,
            signed_by=signer,
            signed_as=signed_as,
            signed_at=now,
            signed_from=address,
            recorded_by=signer,
        )
        touch(case)
        who = f"{signer} ({signed_as}" + (f", on behalf of {for_patient})" if signed_as != "patient" else ")")
        record_event(
            case=case,
            by=signer,
            kind=EventKind.CONSENT,
            summary=f"Consent to {Therapy(current.therapy).label} signed electronically in the portal ({current}) by {who}"
            + (f" from {address}" if address else ""),
            data={
                "consent": str(consent.uuid),
                "document": current.pk,
                "sha256": consent.document_sha256,
                "signed_as": signed_as,
                "on_behalf_of": for_patient if signed_as != "patient" else None,
                "address": address,
            },
        )
    return consent


def _check_consent_form(
    *, case: Case, document: ConsentDocument, signed_on: dt.date, interpreter: str, taken_by: User | None = None
) -> None:
    """The form is one this case's plan needs, signed on a real day while that version held, explained in the
    patient's language (or through a named interpreter), and (on paper) taken by someone who takes consent."""
    therapy = Therapy(document.therapy)
    if therapy not in selectors.therapies_planned(case):
        raise Refusal(f"The signed plan has no {therapy.label}: no consent to it is needed.")
    if signed_on > clinic_today():
        raise Refusal("A consent cannot be signed on a day that has not come.")
    if signed_on < document.effective_from:
        raise Refusal(
            f"Version {document.version} took effect on {document.effective_from:%d %b %Y}: "
            f"a form signed on {signed_on:%d %b %Y} was another version."
        )
    if signed_on < timezone.localtime(case.opened_at).date():
        raise Refusal(f"{signed_on:%d %b %Y} is before the case was opened.")
    if document.language.casefold() != case.patient.language.casefold() and not interpreter.strip():
        raise Refusal(
            f"The form is in {document.language} and the patient's language is {case.patient.language}: "
            "name the interpreter who translated it."
        )
    if taken_by is not None and (not taken_by.is_active or not taken_by.has_perm("treatment.record_consent")):
        raise Refusal(f"{taken_by} does not take informed consent (a specialist or a nurse does).")


def _current_document(document: ConsentDocument) -> ConsentDocument:
    current = ConsentDocument.objects.filter(pk=document.pk).first()
    if current is None:
        raise Refusal("That consent form does not exist.")
    if current.retired:
        raise Refusal(f"{current} is retired: use the current version of the form.")
    return current


def check_withdraw_consent(*, case: Case, by: User, consent: Consent | None = None) -> None:
    """A consent still held is withdrawn by a nurse or specialist while something remains to give."""
    require_perm(by, "treatment.record_consent", "record a withdrawal of consent")
    expect_stage(case, CONSENT_STAGES, "record a withdrawal of consent")
    if consent is not None and ConsentWithdrawal.objects.filter(consent=consent).exists():
        raise StageConflict(f"This consent was already withdrawn on {consent.withdrawal.withdrawn_on:%d %b %Y}.")


def withdraw_consent(*, consent: Consent, by: User, withdrawn_on: dt.date, reason: str) -> ConsentWithdrawal:
    """The patient withdraws a consent: it is recorded, and no session that needs it starts (check_consent)."""
    with transaction.atomic():
        case = lock_case(consent.case_id)
        check_withdraw_consent(case=case, by=by, consent=consent)
        limits.check_length(reason, limits.REASON, "The reason")
        if not reason.strip():
            raise Refusal("Write what the patient said, or why consent was withdrawn.")
        if withdrawn_on > clinic_today():
            raise Refusal("A withdrawal cannot be recorded for a day that has not come.")
        if withdrawn_on < consent.signed_on:
            raise Refusal(f"{withdrawn_on:%d %b %Y} is before the consent was signed ({consent.signed_on:%d %b %Y}).")
        withdrawal = ConsentWithdrawal.objects.create(consent=consent, withdrawn_on=withdrawn_on, reason=reason.strip(), recorded_by=by)
        touch(case)
        therapy = Therapy(consent.therapy).label
        # What remains of the plan and needs this consent is set aside, with the withdrawal as its reason.
        needs = None if consent.therapy == Therapy.CELLS else SessionKind.IT.value
        Deviation.objects.bulk_create(
            Deviation(
                case=case, kind=i.kind, number=i.number, reason=f"Consent to {therapy} withdrawn on {withdrawn_on:%d %b %Y}", recorded_by=by
            )
            for i in plan_items.to_do(selectors.planned_items(case), needs)
        )
        record_event(
            case=case,
            by=by,
            kind=EventKind.CONSENT_WITHDRAWN,
            summary=f"Consent to {therapy} withdrawn on {withdrawn_on:%d %b %Y}: nothing that remains is given",
            reason=reason.strip(),
            data={"consent": str(consent.uuid)},
        )
    return withdrawal


# --- Vital signs and the plan's items -----------------------------------------------------------------


def check_record_vitals(*, case: Case, by: User) -> None:
    require_perm(by, "treatment.log_session", "record vital signs")
    expect_stage(case, AT_THE_CLINIC | {Stage.TREATED}, "record vital signs")


def record_vitals(
    *, session: TreatmentSession, by: User, phase: str, systolic: int, diastolic: int, pulse: int, temperature: Decimal, spo2: int
) -> VitalSigns:
    """Vital signs taken in a session. An implausible value (a typing slip) is refused; an excursion is kept and flagged."""
    with transaction.atomic():
        case = lock_case(session.case_id)
        check_record_vitals(case=case, by=by)
        if phase not in VitalsPhase.values:
            raise Refusal(f"Unknown phase {phase!r}: before, during or after the session.")
        values = {
            "systolic": Decimal(systolic),
            "diastolic": Decimal(diastolic),
            "pulse": Decimal(pulse),
            "temperature": Decimal(temperature),
            "spo2": Decimal(spo2),
        }
        try:
            vitals.check_plausible(values)
        except vitals.Implausible as implausible:
            raise Refusal(implausible.message) from None
        flagged = "; ".join(vitals.excursions(values))
        taken = VitalSigns.objects.create(
            session=session,
            case=case,
            phase=phase,
            systolic=systolic,
            diastolic=diastolic,
            pulse=pulse,
            temperature=temperature,
            spo2=spo2,
            excursions=flagged[: limits.SHORT],
            recorded_by=by,
        )
        touch(case)
        summary = f"Vital signs {taken.get_phase_display().lower()} {session.get_kind_display().lower()} of {session.day:%d %b %Y}: {taken}"
        if flagged:
            summary += f" — outside the usual range: {flagged}"
        record_event(case=case, by=by, kind=EventKind.VITALS, summary=summary, data={"session": str(session.uuid), "vitals": taken.pk})
    return taken


def check_set_aside(*, case: Case, by: User) -> None:
    """A nurse, or the specialist who completes treatment, records why a planned item was not given."""
    if not (by.has_perm("treatment.log_session") or by.has_perm("treatment.complete_treatment")):
        raise NotAllowed("Your role does not allow you to set planned items aside.")
    expect_stage(case, AT_THE_CLINIC, "set a planned item aside")


def set_aside(*, case: Case, by: User, items: list[tuple[str, int]], reason: str) -> list[Deviation]:
    """Record that these planned items will not be given, and why (a deviation from the plan)."""
    with transaction.atomic():
        case = lock_case(case)
        check_set_aside(case=case, by=by)
        limits.check_length(reason, limits.REASON, "The reason")
        if not reason.strip():
            raise Refusal("Write why these items are not given.")
        if not items:
            raise Refusal("Choose the planned items that are not given.")
        left = {(i.kind, i.number): i for i in plan_items.to_do(selectors.planned_items(case))}
        for kind, number in items:
            if (kind, number) not in left:
                label = SessionKind(kind).label if kind in SessionKind.values else kind
                raise StageConflict(f"{label} {number} is not to do any more (logged, set aside, or not in the plan). Reload the page.")
        rows = Deviation.objects.bulk_create(
            Deviation(case=case, kind=kind, number=number, reason=reason.strip(), recorded_by=by) for kind, number in sorted(set(items))
        )
        touch(case)
        listed = ", ".join(f"{SessionKind(d.kind).label.lower()} {d.number}" for d in rows)
        record_event(case=case, by=by, kind=EventKind.SESSION, summary=f"Set aside from the plan: {listed}", reason=reason.strip())
    return rows


# --- Adverse events (rule 11) ------------------------------------------------------------------------------

# During treatment and follow-up.
AE_STAGES = frozenset({Stage.ARRIVED, Stage.IN_TREATMENT, Stage.TREATED, Stage.FOLLOW_UP})


def check_record_adverse_event(*, case: Case, by: User) -> None:
    require_perm(by, "treatment.record_adverse_event", "record adverse events")
    expect_stage(case, AE_STAGES, "record an adverse event")


def _check_adverse_event(
    *,
    case: Case,
    onset_on: dt.date,
    grade: int | None,
    serious_criteria: list[str],
    related_to_cells: str,
    related_to_procedure: str,
    action: str,
    outcome: str,
    resolved_on: dt.date | None,
) -> int:
    """The rules every adverse event keeps, recorded or updated. Returns the grade."""
    if grade is None or grade not in Grade.values:
        raise Refusal("Grade the event: CTCAE v5 grade 1 (mild) to 5 (death related to the event).")
    unknown = [c for c in serious_criteria if c not in Serious.values]
    if unknown:
        raise Refusal(f"Unknown seriousness criterion {unknown[0]!r}.")
    for value, choices, what in (
        (related_to_cells, Relatedness, "relatedness to the cells"),
        (related_to_procedure, Relatedness, "relatedness to the procedure"),
        (action, ActionTaken, "action taken"),
        (outcome, AeOutcome, "outcome"),
    ):
        if value not in choices.values:
            raise Refusal(f"Choose the {what}.")
    _check_adverse_event_course(
        case=case, onset_on=onset_on, grade=grade, serious_criteria=serious_criteria, outcome=outcome, resolved_on=resolved_on
    )
    return grade


def _check_adverse_event_course(
    *, case: Case, onset_on: dt.date, grade: int, serious_criteria: list[str], outcome: str, resolved_on: dt.date | None
) -> None:
    """Onset within the case, grade, seriousness and outcome telling one story, a resolution date when it resolved."""
    today = clinic_today()
    if onset_on > today:
        raise Refusal("The onset cannot be on a day that has not come.")
    opened = timezone.localtime(case.opened_at).date()
    if onset_on < opened:
        raise Refusal(f"The onset ({onset_on:%d %b %Y}) is before the case was opened ({opened:%d %b %Y}): record it as history.")
    fatal = outcome == AeOutcome.FATAL
    if (grade == Grade.DEATH) != fatal:
        raise Refusal("Grade 5 and the outcome 'Fatal' go together: a fatal event is grade 5, and only a fatal one.")
    if fatal and Serious.DEATH not in serious_criteria:
        raise Refusal("A fatal event is serious: tick 'Results in death'.")
    if grade == Grade.LIFE_THREATENING and Serious.LIFE_THREATENING not in serious_criteria and not fatal:
        raise Refusal("A grade 4 event is life-threatening: tick 'Is life-threatening'.")
    if resolved_on is not None:
        if outcome not in RESOLVED:
            raise Refusal("A resolution date goes with the outcome recovered, recovered with sequelae, or fatal.")
        if resolved_on < onset_on or resolved_on > today:
            raise Refusal(f"The resolution date must be between the onset ({onset_on:%d %b %Y}) and today.")
    elif outcome in RESOLVED:
        raise Refusal("Give the date the event resolved (or ended).")


def record_adverse_event(
    *,
    case: Case,
    by: User,
    onset_on: dt.date,
    term: str,
    description: str,
    grade: int | None,
    serious_criteria: list[str],
    related_to_cells: str,
    related_to_procedure: str,
    action: str,
    outcome: str,
    resolved_on: dt.date | None = None,
) -> AdverseEvent:
    """Record an adverse event. A serious one notifies the medical director (and the assigned specialist) once the
    transaction commits, and is marked serious on the trail."""
    with transaction.atomic():
        case = lock_case(case)
        check_record_adverse_event(case=case, by=by)
        limits.check_length(term, limits.NAME, "The term")
        limits.check_length(description, limits.NOTE, "The description")
        if not term.strip() or not description.strip():
            raise Refusal("Name the event (its CTCAE term) and describe what happened.")
        criteria = sorted(set(serious_criteria))
        graded = _check_adverse_event(
            case=case,
            onset_on=onset_on,
            grade=grade,
            serious_criteria=criteria,
            related_to_cells=related_to_cells,
            related_to_procedure=related_to_procedure,
            action=action,
            outcome=outcome,
            resolved_on=resolved_on,
        )
        event = AdverseEvent.objects.create(
            case=case,
            onset_on=onset_on,
            term=term.strip(),
            description=description.strip(),
            grade=graded,
            serious_criteria=criteria,
            related_to_cells=related_to_cells,
            related_to_procedure=related_to_procedure,
            action=action,
            outcome=outcome,
            resolved_on=resolved_on,
            recorded_by=by,
        )
        touch(case)
        _on_the_trail(event, by=by, verb="recorded")
    return event


def check_update_adverse_event(*, case: Case, by: User) -> None:
    require_perm(by, "treatment.record_adverse_event", "update adverse events")
    expect_stage(case, AE_STAGES, "update an adverse event")


def update_adverse_event(
    *, event: AdverseEvent, by: User, grade: int | None, serious_criteria: list[str], outcome: str, resolved_on: dt.date | None
) -> AdverseEvent:
    """Follow an event up: its grade, seriousness, outcome and resolution. Becoming serious notifies as recording does."""
    with transaction.atomic():
        case = lock_case(event.case_id)
        check_update_adverse_event(case=case, by=by)
        event = AdverseEvent.objects.select_for_update().get(pk=event.pk)
        criteria = sorted(set(serious_criteria))
        graded = _check_adverse_event(
            case=case,
            onset_on=event.onset_on,
            grade=grade,
            serious_criteria=criteria,
            related_to_cells=event.related_to_cells,
            related_to_procedure=event.related_to_procedure,
            action=event.action,
            outcome=outcome,
            resolved_on=resolved_on,
        )
        was_serious = event.serious
        changed = {
            f: (getattr(event, f), v)
            for f, v in (("grade", graded), ("serious_criteria", criteria), ("outcome", outcome), ("resolved_on", resolved_on))
            if getattr(event, f) != v
        }
        if not changed:
            raise Refusal("Nothing changed.")
        event.grade, event.serious_criteria, event.outcome, event.resolved_on = graded, criteria, outcome, resolved_on
        event.save(update_fields=["grade", "serious_criteria", "outcome", "resolved_on", "updated_at"])
        touch(case)
        _on_the_trail(event, by=by, verb="updated", notify=event.serious and not was_serious, changed=sorted(changed))
    return event


def _on_the_trail(event: AdverseEvent, *, by: User, verb: str, notify: bool | None = None, changed: list[str] | None = None) -> None:
    serious = " SERIOUS" if event.serious else ""
    summary = f"Adverse event{serious} {verb}: {event.term}, grade {event.grade}, onset {event.onset_on:%d %b %Y}"
    summary += f", {event.get_outcome_display().lower()}"
    data: dict[str, object] = {"event": str(event.uuid), "grade": event.grade, "serious": event.serious_criteria}
    if changed:
        data["changed"] = changed
    record_event(case=event.case, by=by, kind=EventKind.ADVERSE_EVENT, summary=summary, data=data)
    if event.serious and (notify if notify is not None else True):
        notify_staff.later(
            notify_staff.serious_adverse_event,
            case_id=event.case_id,
            term=event.term,
            grade=event.get_grade_display(),
            criteria="; ".join(event.get_serious_criteria_display()),
            onset=f"{event.onset_on:%d %b %Y}",
            recorded_by=str(by),
        )
