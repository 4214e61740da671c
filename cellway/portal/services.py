"""Writes of the portal: inviting the patient, letting family and helpers in and out, the patient's own acceptance.

Each action has its `check_…` predicate, which the portal's pages ask before offering it; the service asks it
again, inside its transaction, before writing. Every action goes on the case's trail with who acted and, for a
helper, on whose behalf.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from cellway import limits
from cellway.accounts.models import User
from cellway.billing import services as billing
from cellway.billing.models import Quote
from cellway.cases import notify
from cellway.cases.events import EventKind
from cellway.cases.languages import case_language
from cellway.cases.models import Case
from cellway.cases.selectors import visible_cases
from cellway.cases.services import lock_case, record_event, record_medical_read, require_perm
from cellway.cases.stages import FINAL, Stage
from cellway.clinic import clinic_today, public_url
from cellway.conversations import services as conversations
from cellway.conversations.models import Message
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.outcomes import services as outcomes
from cellway.outcomes.models import FollowUpAssessment
from cellway.portal import mail
from cellway.portal.models import (
    ALL_SCOPES,
    FollowUpAnswers,
    GuardianDocument,
    PatientReport,
    PortalGrant,
    Relation,
    ReportKind,
    ReviewDecision,
    Scope,
    VisaLetter,
)
from cellway.portal.selectors import REVIEW_PERMISSION, acting_as, open_grants, planned_stay, questionnaires_due
from cellway.records import services as records
from cellway.records.models import RecordFile
from cellway.records.selectors import sent_files
from cellway.treatment import services as treatment
from cellway.treatment.models import Consent, ConsentDocument

log = logging.getLogger(__name__)

# A family member's access lasts at most this long; the patient grants it again if needed.
LONGEST_GRANT_DAYS = 2 * 366
SITE_LANGUAGES = {code for code, _ in settings.LANGUAGES}


def language_of(case: Case) -> str:
    """The portal language to start a patient in: the site language they wrote in, else the one on their record."""
    return case_language(case)


def _portal_person(*, email: str, full_name: str, language: str) -> User:
    """The portal account for `email`: an existing one without a role, or a new one without a password (codes only)."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise Refusal(f"'{email}' is not an email address.") from None
    for person in User.objects.filter(email__iexact=email):
        if person.is_staff or person.is_superuser or person.access.roles:
            raise Refusal("That address belongs to a member of staff; the portal needs the person's own address.")
        return person
    first, _, last = full_name.strip().partition(" ")
    person = User(username=f"portal-{secrets.token_hex(6)}", email=email, first_name=first[:150], last_name=last[:150], language=language)
    person.set_unusable_password()  # the portal signs in by an emailed code
    person.save()
    return person


# --- The patient's invitation -------------------------------------------------------------


def check_invite_patient(*, case: Case, by: User | None, invited: bool | None = None) -> None:
    """Staff invite a patient who has an address and is not yet in; `by` None is the clinic itself (a case opening).

    `invited`: whether the patient already holds an open grant, when the caller has read it with the case (the
    case page); the service leaves it to be read here.
    """
    if by is not None:
        require_perm(by, "cases.open_case", "invite a patient to the portal")
    if case.stage_enum in FINAL:
        raise Refusal(f"{case.code} has ended.")
    if not case.patient.email:
        raise Refusal(f"{case.code} has no email address for the patient; add it before inviting them.")
    if invited is None:
        invited = PortalGrant.objects.filter(case=case, relation=Relation.PATIENT, revoked_at__isnull=True).exists()
    if invited:
        raise Refusal("The patient is already invited; they sign in with a code sent to their address.")


def invite_patient(*, case: Case, by: User | None) -> PortalGrant:
    """Give the patient their way into the case and mail them how to sign in, in their language."""
    with transaction.atomic():
        case = lock_case(case.pk)
        check_invite_patient(case=case, by=by)
        person = _portal_person(email=case.patient.email, full_name=case.patient.full_name, language=language_of(case))
        grant = PortalGrant.objects.create(person=person, case=case, relation=Relation.PATIENT, scopes=list(ALL_SCOPES), granted_by=by)
        record_event(
            case=case,
            by=by,
            kind=EventKind.PORTAL_INVITED,
            summary=f"Patient invited to the portal at {person.email}",
            data={"grant": str(grant.uuid), "person": person.pk, "language": person.language},
        )
        mail.later("email/portal_invitation.txt", person_id=person.pk, case_code=case.code)
    return grant


def invite_on_opening(*, case: Case, by: User | None, **kwargs: Any) -> None:
    """Receiver of `case_opened`: invite the patient if the case can be (an address, not a member of staff's)."""
    if not settings.PORTAL_INVITE_ON_OPENING:
        return
    try:
        with transaction.atomic():
            invite_patient(case=case, by=by)
    except Refusal as refusal:
        log.info("%s: no portal invitation at opening: %s", case.code, refusal.message)


def record_download(*, grant: PortalGrant, subject: str, what: str) -> None:
    """A medical document downloaded through the portal goes on the case's trail as a medical read (as in the console),
    naming who downloaded it and on whose behalf; one row per person and document in the read window."""
    record_medical_read(case=grant.case, by=grant.person, subject=subject, summary=f"Downloaded {what} from the portal: {_actor(grant)}")


def _actor(grant: PortalGrant) -> str:
    """Who acted, and on whose behalf, for the trail."""
    if grant.is_patient:
        return f"{grant.person} (the patient)"
    with translation.override("en"):
        relation = str(grant.get_relation_display())
    return f"{grant.person} ({relation}, on behalf of {acting_as(grant)})"


# --- Records sent from the portal ----------------------------------------------------------

PORTAL_UPLOAD = "portal upload"
# While the clinic is collecting records (the stages in which staff attach them too).
UPLOAD_STAGES = frozenset({Stage.INQUIRY, Stage.TRIAGE, Stage.REVIEW})


class RecordsClosed(Refusal):
    """The case is past collecting records (or has ended): a file is sent to the care team another way."""


class UploadsFull(Refusal):
    """The case has taken as many files through the portal as ``PORTAL_UPLOADS_PER_CASE``."""


def check_upload_record(*, grant: PortalGrant) -> None:
    """The patient, or a helper the patient let into the records, sends a record while the clinic collects them, up
    to ``PORTAL_UPLOADS_PER_CASE`` files through the portal on the case (everyone's together: a flood from one
    account or many is refused; a file sent again counts once, as it is stored once)."""
    if not grant.allows(Scope.RECORDS):
        raise NotAllowed("Your access does not include the medical records.")
    if grant.case.stage_enum not in UPLOAD_STAGES:
        raise RecordsClosed(f"{grant.case.code} is no longer collecting records ({grant.case.get_stage_display()}).")
    limit = settings.PORTAL_UPLOADS_PER_CASE
    if sent_files(grant.case, sources=(PORTAL_UPLOAD,)).count() >= limit:
        raise UploadsFull(f"{grant.case.code} already has {limit} files sent through the portal.")


def upload_record(*, grant: PortalGrant, kind: str, upload: UploadedFile[bytes]) -> RecordFile:
    """Send one file for the checklist item `kind` (or "unsorted": the care team sorts it) through the records intake,
    the path every record takes (size, type by content, archive rules, SHA-256, stored once, virus scan and ingest
    after commit). The trail names who sent it and on whose behalf. The same file sent twice is one record."""
    _check_open(grant)

    def check(case: Case) -> None:
        grant.case = case
        check_upload_record(grant=grant)

    return records.attach_sent_file(
        case=grant.case,
        kind=kind,
        upload=upload,
        by=grant.person,
        source=PORTAL_UPLOAD,
        check=check,
        sender=f"from the portal by {_actor(grant)}",
    )


# --- Family and helpers ------------------------------------------------------------------


def check_manage_helpers(*, grant: PortalGrant) -> None:
    """Only the patient (or a guardian staff set up) lets others in and out of the case."""
    if grant.relation not in {Relation.PATIENT, Relation.GUARDIAN}:
        raise NotAllowed("Only the patient decides who else sees the case.")
    if grant.case.stage_enum in FINAL:
        raise Refusal("The case has ended.")


def _check_grant_input(*, relation: str, scopes: list[str], ends_on: dt.date | None) -> None:
    if relation == Relation.GUARDIAN:
        raise Refusal("A guardian is set up by the clinic from the legal documents; write to your care team.")
    if relation not in Relation.values or relation == Relation.PATIENT:
        raise Refusal("Choose who the person is to the patient.")
    if not scopes or not set(scopes) <= set(Scope.values):
        raise Refusal("Choose at least one part of the case to share.")
    today = clinic_today()
    if ends_on is None:
        raise Refusal("Choose the last day the access works.")
    if ends_on < today:
        raise Refusal("The last day of access cannot be in the past.")
    if ends_on > today + dt.timedelta(days=LONGEST_GRANT_DAYS):
        raise Refusal("Access can be given for two years at most; give it again later if needed.")


def grant_access(
    *, grant: PortalGrant, email: str, full_name: str, relation: str, scopes: list[str], ends_on: dt.date | None
) -> PortalGrant:
    """The patient (through `grant`) lets a family member or helper see `scopes` of the case until `ends_on`."""
    with transaction.atomic():
        case = lock_case(grant.case_id)
        grant = PortalGrant.objects.select_related("case", "person").get(pk=grant.pk)
        grant.case = case
        if not grant.is_open_on(clinic_today()):
            raise NotAllowed("Your access to this case has ended.")
        check_manage_helpers(grant=grant)
        _check_grant_input(relation=relation, scopes=scopes, ends_on=ends_on)
        limits.check_length(full_name, limits.NAME, "Name")
        if not full_name.strip():
            raise Refusal("Give the person's name.")
        person = _portal_person(email=email, full_name=full_name, language=grant.person.language)
        if person.pk == grant.person_id:
            raise Refusal("That is your own address.")
        if PortalGrant.objects.filter(case=case, person=person, revoked_at__isnull=True).exists():
            raise Refusal(f"{person.email} can already see this case; revoke that access first to change it.")
        chosen = [s for s in Scope.values if s in scopes]
        helper = PortalGrant.objects.create(
            person=person, case=case, relation=relation, scopes=chosen, ends_on=ends_on, granted_by=grant.person
        )
        record_event(
            case=case,
            by=grant.person,
            kind=EventKind.PORTAL_GRANTED,
            summary=f"{_actor(grant)} let {person.email} in as {helper.get_relation_display()} "
            f"until {ends_on:%d %b %Y}: {', '.join(chosen)}",
            data={"grant": str(helper.uuid), "person": person.pk, "by_grant": str(grant.uuid), "scopes": chosen, "ends_on": str(ends_on)},
        )
        mail.later("email/portal_granted.txt", person_id=person.pk, case_code=case.code, granted_by=str(grant.person))
    return helper


def revoke_access(*, grant: PortalGrant, helper_uuid: str) -> PortalGrant:
    """The patient (through `grant`) ends a helper's access at once. Revoking one already revoked is refused."""
    with transaction.atomic():
        case = lock_case(grant.case_id)
        grant = PortalGrant.objects.select_related("person").get(pk=grant.pk)
        grant.case = case
        if not grant.is_open_on(clinic_today()):
            raise NotAllowed("Your access to this case has ended.")
        check_manage_helpers(grant=grant)
        try:
            helper = PortalGrant.objects.select_for_update().select_related("person").get(uuid=helper_uuid, case=case)
        except (PortalGrant.DoesNotExist, ValidationError, ValueError):
            raise Refusal("There is no such access on this case.") from None
        if helper.relation == Relation.PATIENT:
            raise Refusal("The patient's own access is not revoked here.")
        if helper.relation == Relation.GUARDIAN:
            raise Refusal("A guardianship is ended by the clinic, from the legal documents.")
        if helper.revoked_at is not None:
            raise Refusal(f"{helper.person.email}'s access was already revoked.")
        helper.revoked_at, helper.revoked_by = timezone.now(), grant.person
        helper.save(update_fields=["revoked_at", "revoked_by"])
        record_event(
            case=case,
            by=grant.person,
            kind=EventKind.PORTAL_REVOKED,
            summary=f"{_actor(grant)} revoked {helper.person.email}'s access",
            data={"grant": str(helper.uuid), "person": helper.person_id, "by_grant": str(grant.uuid)},
        )
    return helper


# --- The quote ---------------------------------------------------------------------------


def check_accept_quote(*, grant: PortalGrant, quote: Quote) -> None:
    """A person whose grant opens payments accepts the current quote of their case (billing's rules for the rest)."""
    if not grant.allows(Scope.PAYMENTS) or quote.case_id != grant.case_id:
        raise NotAllowed("Your access does not include the quote.")
    billing.check_accept_quote_online(case=grant.case, quote=quote)


def accept_quote(*, grant: PortalGrant, quote: Quote, shown_version: int, shown_digest: str, address: str | None) -> Quote:
    """Accept `quote` as shown (its version and digest as the page had them), through billing's acceptance."""
    if not grant.allows(Scope.PAYMENTS) or quote.case_id != grant.case_id:
        raise NotAllowed("Your access does not include the quote.")
    if not grant.is_open_on(clinic_today()) or not open_grants(grant.person).filter(pk=grant.pk).exists():
        raise NotAllowed("Your access to this case has ended.")
    return billing.accept_quote_online(
        quote=quote,
        by=grant.person,
        shown_version=shown_version,
        shown_digest=shown_digest,
        address=address,
        for_patient=grant.is_patient,
    )


# --- Guardianship (staff, from documents) ---------------------------------------------------


def check_set_guardian(*, case: Case, by: User, has_guardian: bool | None = None) -> None:
    """Customer care sets up the guardian of a patient who cannot consent, once, from the legal document."""
    require_perm(by, "cases.open_case", "set up a guardian")
    if case.stage_enum in FINAL:
        raise Refusal(f"{case.code} has ended.")
    if has_guardian is None:
        has_guardian = PortalGrant.objects.filter(case=case, relation=Relation.GUARDIAN, revoked_at__isnull=True).exists()
    if has_guardian:
        raise Refusal("The patient already has a guardian on the portal; end that guardianship first.")


def set_guardian(
    *, case: Case, by: User, email: str, full_name: str, document_kind: str, document_reference: str, document_date: dt.date
) -> PortalGrant:
    """Let the guardian in on the whole case, acting in the patient's place, recording the document it rests on.

    A person already following the case as a helper becomes the guardian (their helper access ends in the same
    transaction); the guardian is mailed how to sign in, in the patient's portal language.
    """
    limits.check_length(full_name, limits.NAME, "Name")
    limits.check_length(document_reference, 120, "The document's reference")
    if not full_name.strip():
        raise Refusal("Give the guardian's name.")
    if document_kind not in GuardianDocument.values:
        raise Refusal("Choose the document the guardianship rests on.")
    if not document_reference.strip():
        raise Refusal("Give the document's reference (its number, or the court and date).")
    if document_date > clinic_today():
        raise Refusal("The document cannot be dated in the future.")
    with transaction.atomic():
        case = lock_case(case.pk)
        check_set_guardian(case=case, by=by)
        person = _portal_person(email=email, full_name=full_name, language=language_of(case))
        held = PortalGrant.objects.select_for_update().filter(case=case, person=person, revoked_at__isnull=True).first()
        if held is not None and held.relation == Relation.PATIENT:
            raise Refusal("That is the patient's own address: a guardian needs their own.")
        if held is not None:
            held.revoked_at, held.revoked_by = timezone.now(), by
            held.save(update_fields=["revoked_at", "revoked_by"])
        grant = PortalGrant.objects.create(
            person=person,
            case=case,
            relation=Relation.GUARDIAN,
            scopes=list(ALL_SCOPES),
            granted_by=by,
            document_kind=document_kind,
            document_reference=document_reference.strip(),
            document_date=document_date,
        )
        record_event(
            case=case,
            by=by,
            kind=EventKind.PORTAL_GRANTED,
            summary=f"{person.email} set up as the guardian of {case.patient.full_name}, acting on their behalf, from the "
            f"{GuardianDocument(document_kind).label} {document_reference.strip()} of {document_date:%d %b %Y}",
            data={"grant": str(grant.uuid), "person": person.pk, "guardian": True, "document_kind": document_kind},
        )
        mail.later("email/portal_guardian.txt", person_id=person.pk, case_code=case.code, patient=case.patient.full_name)
    return grant


def check_end_guardianship(*, case: Case, by: User) -> None:
    require_perm(by, "cases.open_case", "end a guardianship")


def end_guardianship(*, case: Case, by: User, reason: str) -> PortalGrant:
    """End the open guardianship (the patient can consent again, the document lapsed), with the reason."""
    limits.check_length(reason, limits.REASON, "The reason")
    if not reason.strip():
        raise Refusal("Say why the guardianship ends.")
    with transaction.atomic():
        case = lock_case(case.pk)
        check_end_guardianship(case=case, by=by)
        grant = PortalGrant.objects.select_for_update().filter(case=case, relation=Relation.GUARDIAN, revoked_at__isnull=True).first()
        if grant is None:
            raise Refusal("The patient has no guardian on the portal.")
        grant.revoked_at, grant.revoked_by = timezone.now(), by
        grant.save(update_fields=["revoked_at", "revoked_by"])
        record_event(
            case=case,
            by=by,
            kind=EventKind.PORTAL_REVOKED,
            summary=f"Guardianship of {grant.person.email} ended",
            reason=reason.strip(),
            data={"grant": str(grant.uuid), "person": grant.person_id},
        )
    return grant


# --- Informed consent, signed in the portal -------------------------------------------------


def check_sign_consent(*, grant: PortalGrant, document: ConsentDocument | None = None) -> None:
    """The patient signs their own consent; a guardian signs in their place, and then only the guardian does.
    The form's rules are the ward's (`treatment.check_sign_consent_online`)."""
    if not grant.acts_for_patient:
        raise NotAllowed("Only the patient, or their guardian, signs consent.")
    if grant.is_patient and PortalGrant.objects.filter(case_id=grant.case_id, relation=Relation.GUARDIAN, revoked_at__isnull=True).exists():
        raise NotAllowed("Your guardian signs consent on your behalf.")
    if document is not None:
        treatment.check_sign_consent_online(case=grant.case, document=document)


def sign_consent(*, grant: PortalGrant, document: ConsentDocument, shown_sha256: str, address: str | None) -> Consent:
    """Sign `document` as the page showed it (its SHA-256), through the ward's record of consent."""
    if not grant.is_open_on(clinic_today()) or not open_grants(grant.person).filter(pk=grant.pk).exists():
        raise NotAllowed("Your access to this case has ended.")
    check_sign_consent(grant=grant)
    return treatment.sign_consent_online(
        case=grant.case,
        document=document,
        signer=grant.person,
        signed_as=grant.relation,
        shown_sha256=shown_sha256,
        address=address,
        for_patient=acting_as(grant),
    )


# --- Follow-up from home -------------------------------------------------------------------

patient_report = notify.Notice("portal_report", patient=False, staff=(notify.SPECIALIST, "care"))
REPORT_STAGES = frozenset({Stage.TREATED, Stage.FOLLOW_UP})


def _check_open(grant: PortalGrant) -> None:
    if not grant.is_open_on(clinic_today()) or not open_grants(grant.person).filter(pk=grant.pk).exists():
        raise NotAllowed("Your access to this case has ended.")


def check_answer_questionnaire(*, grant: PortalGrant, assessment: FollowUpAssessment | None = None) -> None:
    """The patient answers their own questionnaire (a guardian in their place); a follow-up point whose window is
    open and not yet answered from home."""
    if not grant.acts_for_patient:
        raise NotAllowed("Only the patient, or their guardian, answers the questionnaires.")
    if assessment is not None and assessment.pk not in {a.pk for a in questionnaires_due(grant.case)}:
        raise StageConflict("This questionnaire is not open, or was already answered.")


def answer_questionnaire(*, grant: PortalGrant, assessment: FollowUpAssessment, answers: dict[str, Decimal]) -> FollowUpAnswers:
    """Record the answers in the outcomes registry (outcomes' own service and ranges), for this follow-up point."""
    _check_open(grant)
    with transaction.atomic():
        lock_case(grant.case_id)
        check_answer_questionnaire(grant=grant, assessment=assessment)
        visit = outcomes.record_reported_at_home(
            case=grant.case, by=grant.person, reported=answers, on_behalf="" if grant.is_patient else acting_as(grant)
        )
        return FollowUpAnswers.objects.create(
            case=grant.case, assessment=assessment, visit=visit, answered_by=grant.person, answered_as=grant.relation
        )


def check_report_symptom(*, grant: PortalGrant) -> None:
    """After treatment, the patient, their guardian or a helper let into the questionnaires reports a relapse or symptom."""
    if not grant.allows(Scope.QUESTIONNAIRES) and not grant.acts_for_patient:
        raise NotAllowed("Your access does not include reporting symptoms.")
    if grant.case.stage_enum not in REPORT_STAGES:
        raise Refusal("Reports from home open once your treatment is complete; until then tell your care team directly.")


def report_symptom(*, grant: PortalGrant, kind: str, started_on: dt.date, description: str) -> PatientReport:
    """Send a relapse or a new symptom to the care team as an adverse-event candidate (on the trail, by mail)."""
    _check_open(grant)
    if kind not in ReportKind.values:
        raise Refusal("Choose what you are reporting.")
    limits.check_length(description, 2000, "The description")
    if not description.strip():
        raise Refusal("Describe what happened.")
    if started_on > clinic_today():
        raise Refusal("It cannot start on a day that has not come.")
    with transaction.atomic():
        case = lock_case(grant.case_id)
        grant.case = case
        check_report_symptom(grant=grant)
        if started_on < timezone.localtime(case.opened_at).date():
            raise Refusal("That day is before your case was opened.")
        report = PatientReport.objects.create(
            case=case,
            kind=kind,
            started_on=started_on,
            description=description.strip(),
            reported_by=grant.person,
            reported_as=grant.relation,
        )
        what = "a relapse" if kind == ReportKind.RELAPSE else "a new symptom"
        record_event(
            case=case,
            by=grant.person,
            kind=EventKind.ADVERSE_EVENT,
            summary=f"{_actor(grant)} reported {what} from home, starting {started_on:%d %b %Y}: adverse-event candidate, to be assessed",
            data={"portal_report": str(report.uuid), "kind": kind, "candidate": True},
        )
        # A notice with a link, never the report's words or what it is about (minimum necessary in mailboxes).
        with translation.override("en"):
            role = "the patient" if grant.is_patient else f"the patient's {grant.get_relation_display()}"
        link = public_url(reverse("outcomes:patient_report", kwargs={"uuid": report.uuid}))
        notify.later(patient_report, case_id=case.pk, role=role, link=link)
    return report


# The fields of an adverse event a reviewer records from a report (treatment.services.record_adverse_event's own).
ADVERSE_EVENT_FIELDS = (
    "onset_on",
    "term",
    "description",
    "grade",
    "serious_criteria",
    "related_to_cells",
    "related_to_procedure",
    "action",
    "outcome",
    "resolved_on",
)


def _adverse_event_kwargs(posted: Mapping[str, Any]) -> dict[str, Any]:
    """Only the adverse event's own fields, with the ones left out as the ward's service takes them (empty)."""
    kwargs: dict[str, Any] = {f: posted.get(f) for f in ADVERSE_EVENT_FIELDS}
    kwargs["term"], kwargs["description"] = str(kwargs["term"] or ""), str(kwargs["description"] or "")
    kwargs["serious_criteria"] = list(kwargs["serious_criteria"] or [])
    if not isinstance(kwargs["onset_on"], dt.date):
        raise Refusal("Give the day the adverse event began.")
    return kwargs


def check_review_report(*, report: PatientReport, by: User) -> None:
    """A clinician who records adverse events (the assigned specialist, a nurse), on a case in their scope, reviews a
    report from home once; a second review (a stale tab, a colleague first) is refused naming who and when."""
    require_perm(by, REVIEW_PERMISSION, "review reports from patients")
    if not visible_cases(by).filter(pk=report.case_id).exists():
        raise NotAllowed("This report is not on a case of yours.")
    if report.reviewed_at is not None:
        when = date_format(timezone.localtime(report.reviewed_at), "j M Y H:i")
        raise StageConflict(
            f"{report.reviewed_by} already reviewed this report on {when}: {ReviewDecision(report.decision).label.lower()}."
        )


# The fields of a relapse a reviewer records from a report (outcomes.services.record_relapse's own).
RELAPSE_FIELDS = ("onset_on", "severity", "treated", "notes")


def _relapse_kwargs(posted: Mapping[str, Any]) -> dict[str, Any]:
    """Only the relapse's own fields, checked for type here; the registry's service checks the rest."""
    kwargs: dict[str, Any] = {f: posted.get(f) for f in RELAPSE_FIELDS}
    if not isinstance(kwargs["onset_on"], dt.date):
        raise Refusal("Give the day the relapse began.")
    if not isinstance(kwargs["treated"], bool):
        raise Refusal("Say whether the relapse was treated.")
    kwargs["severity"], kwargs["notes"] = str(kwargs["severity"] or ""), str(kwargs["notes"] or "")
    return kwargs


def review_report(
    *,
    report: PatientReport,
    by: User,
    decision: str,
    note: str,
    adverse_event: Mapping[str, Any] | None = None,
    relapse: Mapping[str, Any] | None = None,
) -> PatientReport:
    """Review a report from home: record it as an adverse event (through the ward's `record_adverse_event`), as a
    relapse in the outcomes registry (`outcomes.services.record_relapse`: onset, severity, treated), each in this
    transaction (what is recorded and the review stand or fall together), or judge it not an adverse event, saying
    why. On the trail; the patient's follow-up page says in plain words what became of it."""
    if decision not in ReviewDecision.values:
        raise Refusal("Choose what the report is: an adverse event, a relapse, or not an adverse event.")
    limits.check_length(note, 2000, "The note")
    if decision == ReviewDecision.NOT_ADVERSE_EVENT and not note.strip():
        raise Refusal("Say why it is not an adverse event.")
    if decision == ReviewDecision.ADVERSE_EVENT and adverse_event is None:
        raise Refusal("Grade and describe the adverse event to record it.")
    if decision == ReviewDecision.RELAPSE and relapse is None:
        raise Refusal("Give the relapse's onset, severity and treatment to record it.")
    relapse_kwargs = _relapse_kwargs(relapse) if decision == ReviewDecision.RELAPSE and relapse is not None else None
    with transaction.atomic():
        case = lock_case(report.case_id)
        report = PatientReport.objects.select_for_update(of=("self",)).select_related("reviewed_by").get(pk=report.pk)
        check_review_report(report=report, by=by)
        event = None
        if decision == ReviewDecision.ADVERSE_EVENT and adverse_event is not None:
            event = treatment.record_adverse_event(case=case, by=by, **_adverse_event_kwargs(adverse_event))
        recorded_relapse = outcomes.record_relapse(case=case, by=by, **relapse_kwargs) if relapse_kwargs is not None else None
        report.decision, report.reviewed_by, report.reviewed_at = decision, by, timezone.now()
        report.review_note, report.adverse_event, report.relapse = note.strip(), event, recorded_relapse
        report.save(update_fields=["decision", "reviewed_by", "reviewed_at", "review_note", "adverse_event", "relapse"])
        what = "relapse" if report.kind == ReportKind.RELAPSE else "new symptom"
        record_event(
            case=case,
            by=by,
            kind=EventKind.ADVERSE_EVENT,
            summary=f"Report from home of a {what} (from {report.started_on:%d %b %Y}) reviewed: {ReviewDecision(decision).label.lower()}",
            reason=report.review_note,
            data={
                "portal_report": str(report.uuid),
                "decision": decision,
                "event": str(event.uuid) if event else None,
                "relapse": str(recorded_relapse.uuid) if recorded_relapse else None,
            },
        )
    return report


# --- The person -------------------------------------------------------------------------


def set_language(*, person: User, language: str) -> None:
    """The language the portal and the person's mails are in."""
    if language not in SITE_LANGUAGES:
        raise Refusal("Choose one of the languages offered.")
    User.objects.filter(pk=person.pk).update(language=language)
    person.language = language


# --- Visa invitation letter ---------------------------------------------------------------------

VISA_STAGES = frozenset({Stage.SCHEDULED, Stage.DEPOSIT_PAID, Stage.PAID})
PASSPORT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")


def check_request_visa_letter(*, grant: PortalGrant) -> None:
    """Once the stay is scheduled and until arrival, the patient, their guardian or a helper let into the itinerary
    asks for the clinic's visa invitation letter (issued at once with the case's dates)."""
    if not grant.allows(Scope.ITINERARY):
        raise NotAllowed(gettext("Your access does not include the itinerary."))
    if grant.case.stage_enum not in VISA_STAGES or planned_stay(grant.case) is None:
        raise Refusal(gettext("A visa invitation letter can be issued once your dates are scheduled, until you arrive."))


def request_visa_letter(
    *,
    grant: PortalGrant,
    name_in_passport: str,
    passport_number: str,
    nationality: str,
    date_of_birth: dt.date,
    passport_expiry: dt.date,
) -> VisaLetter:
    """Issue the visa invitation letter with the passport details entered and the case's planned stay; on the trail."""
    _check_open(grant)
    number = re.sub(r"[\s-]", "", passport_number).upper()
    name, nation = " ".join(name_in_passport.split()), " ".join(nationality.split())
    if not name or not nation:
        raise Refusal(gettext("Enter the name as printed in the passport, and the nationality."))
    if not PASSPORT_NUMBER.match(number):
        raise Refusal(gettext("A passport number has 5 to 20 letters and digits."))
    today = clinic_today()
    if not dt.date(1900, 1, 1) <= date_of_birth < today:
        raise Refusal(gettext("The date of birth must be a past date."))
    with transaction.atomic():
        lock_case(grant.case_id)
        grant.case.refresh_from_db()
        check_request_visa_letter(grant=grant)
        stay = planned_stay(grant.case)
        assert stay is not None  # checked above
        arrival, departure = stay
        if passport_expiry <= departure:
            raise Refusal(
                gettext("The passport expires before the planned departure (%(day)s); a visa needs a passport valid after it.")
                % {"day": date_format(departure, "DATE_FORMAT")}
            )
        letter = VisaLetter.objects.create(
            case=grant.case,
            name_in_passport=name,
            passport_number=number,
            nationality=nation,
            date_of_birth=date_of_birth,
            passport_expiry=passport_expiry,
            arrival=arrival,
            departure=departure,
            requested_by=grant.person,
        )
        record_event(
            case=grant.case,
            by=grant.person,
            kind=EventKind.LOGISTICS,
            summary=f"Visa invitation letter issued through the portal for {name} ({nation} passport), stay {arrival:%d %b %Y} "
            f"to {departure:%d %b %Y}; requested by {_actor(grant)}",
            data={"visa_letter": str(letter.uuid)},
        )
    return letter


# --- Messages with the care team (scope *messages*) -------------------------------------------------------------


def check_write_message(*, grant: PortalGrant) -> None:
    """The patient writes to the care team on the case's thread; a helper only if the patient granted *messages*
    (the page is 404 without it), writing as themselves for the patient."""
    if not grant.allows(Scope.MESSAGES):
        raise NotAllowed("Your access does not include messages with the care team.")


def write_message(*, grant: PortalGrant, client_id: str, body: str) -> tuple[Message, bool]:
    """A message to the care team, stored on the case's one thread (``conversations.services.post_portal_message``:
    its size, its rate and the client id that makes a double click one message), naming who wrote it and, for a
    helper, on whose behalf. Returns the message and whether it is new."""
    check_write_message(grant=grant)
    _check_open(grant)
    return conversations.post_portal_message(
        case=grant.case,
        by=grant.person,
        role=grant.relation,
        on_behalf_of="" if grant.is_patient else grant.case.patient.full_name,
        client_id=client_id,
        body=body,
    )
