"""Every kind of event written to a case's timeline, and which part of the case each belongs to.

`CaseEvent.kind` takes its choices from here and `record_event` refuses a kind
that is not listed, so the trail can be filtered and searched by kind without
guessing at spellings. The case page shows an event only to someone who may
read its part (`PART_OF`).
"""

from __future__ import annotations

from django.db import models

from cellway.cases.parts import Part


class EventKind(models.TextChoices):
    # The spine
    STAGE = "stage", "Stage change"
    OPENED = "opened", "Case opened"
    ASSIGNED = "assigned", "Reassigned"
    NOTE = "note", "Note"
    PATIENT_LINKED = "patient.linked", "Linked to a returning patient"
    PATIENT_NOT_LINKED = "patient.not_linked", "Not the returning patient"
    # Records
    RECORDS = "records", "Records checklist"
    RECORD_UPLOADED = "record.uploaded", "Record added"
    RECORD_RESENT = "record.resent", "Record sent again"
    RECORD_INGESTED = "record.ingested", "Record read in"
    RECORD_NOT_INGESTED = "record.not_ingested", "Record not read in"
    RECORD_QUARANTINED = "record.quarantined", "Record quarantined"
    # Plans and screening
    PLAN_SAVED = "plan.saved", "Plan saved"
    PLAN_SIGNED = "plan.signed", "Plan signed"
    SCREENING = "screening", "Screening recorded"
    # Money
    QUOTE = "quote", "Quote"
    PAYMENT = "payment", "Payment"
    BALANCE_OVERRIDE = "balance.override", "Balance override signed"
    PAYMENT_REMINDER = "payment.reminder", "Payment reminder"
    # Travel
    SCHEDULED = "scheduled", "Dates"
    LOGISTICS = "logistics", "Logistics"
    # Treatment
    SESSION = "session", "Session"
    PROTOCOL_ISSUED = "protocol.issued", "Protocol issued"
    FOLLOW_UP = "follow_up", "Follow-up assessment"
    FOLLOW_UP_REMINDER = "follow_up.reminder", "Follow-up reminder"
    # The ward (rules 10, 11)
    CONSENT = "consent", "Informed consent"
    CONSENT_WITHDRAWN = "consent.withdrawn", "Consent withdrawn"
    VITALS = "vitals", "Vital signs"
    ADVERSE_EVENT = "adverse_event", "Adverse event"
    # Outcomes
    OUTCOME_VISIT = "outcome_visit", "Outcome visit"
    RELAPSE = "relapse", "Relapse"
    MRI = "mri", "MRI"
    # The patient portal: who was let into the case, by whom, on whose behalf
    PORTAL_INVITED = "portal.invited", "Invited to the portal"
    PORTAL_GRANTED = "portal.granted", "Portal access granted"
    PORTAL_REVOKED = "portal.revoked", "Portal access revoked"
    # Rule 9: every read of medical content, one row per person, subject and window.
    MEDICAL_READ = "medical.read", "Medical content read"


PART_OF: dict[EventKind, Part] = {
    EventKind.STAGE: Part.IDENTITY,
    EventKind.OPENED: Part.IDENTITY,
    EventKind.ASSIGNED: Part.IDENTITY,
    EventKind.NOTE: Part.CONTACT,
    EventKind.PATIENT_LINKED: Part.IDENTITY,
    EventKind.PATIENT_NOT_LINKED: Part.IDENTITY,
    EventKind.RECORDS: Part.RECORDS,
    EventKind.RECORD_UPLOADED: Part.RECORDS,
    EventKind.RECORD_RESENT: Part.RECORDS,
    EventKind.RECORD_INGESTED: Part.RECORDS,
    EventKind.RECORD_NOT_INGESTED: Part.RECORDS,
    EventKind.RECORD_QUARANTINED: Part.RECORDS,
    EventKind.PLAN_SAVED: Part.PLAN,
    EventKind.PLAN_SIGNED: Part.PLAN,
    EventKind.SCREENING: Part.SCREENING,
    EventKind.QUOTE: Part.MONEY,
    EventKind.PAYMENT: Part.MONEY,
    EventKind.BALANCE_OVERRIDE: Part.MONEY,
    EventKind.PAYMENT_REMINDER: Part.MONEY,
    # Arrival and first therapy day are part of a case's identity (the laboratory needs them).
    EventKind.SCHEDULED: Part.IDENTITY,
    EventKind.LOGISTICS: Part.TRAVEL,
    EventKind.SESSION: Part.TREATMENT,
    EventKind.PROTOCOL_ISSUED: Part.TREATMENT,
    EventKind.FOLLOW_UP: Part.TREATMENT,
    EventKind.FOLLOW_UP_REMINDER: Part.TREATMENT,
    EventKind.CONSENT: Part.TREATMENT,
    EventKind.CONSENT_WITHDRAWN: Part.TREATMENT,
    EventKind.VITALS: Part.TREATMENT,
    EventKind.ADVERSE_EVENT: Part.TREATMENT,
    EventKind.OUTCOME_VISIT: Part.OUTCOMES,
    EventKind.RELAPSE: Part.OUTCOMES,
    EventKind.MRI: Part.OUTCOMES,
    EventKind.MEDICAL_READ: Part.AUDIT,
    # Who may see the case from outside names people and their addresses: contact details.
    EventKind.PORTAL_INVITED: Part.CONTACT,
    EventKind.PORTAL_GRANTED: Part.CONTACT,
    EventKind.PORTAL_REVOKED: Part.CONTACT,
}


def kinds_of(parts: set[Part]) -> list[str]:
    """The event kinds someone who may read `parts` sees on the timeline."""
    return [kind.value for kind, part in PART_OF.items() if part in parts]
