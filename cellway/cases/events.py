"""The kinds of event on a case's trail, and which part of a case each belongs to."""

from __future__ import annotations

from cellway.cases.parts import Part

MEDICAL_READ = "medical.read"

# Kinds whose summaries carry a part of the case not everyone in scope reads.
PART_OF: dict[str, Part] = {
    "record.uploaded": Part.RECORDS,
    "record.resent": Part.RECORDS,
    "record.ingested": Part.RECORDS,
    "record.quarantined": Part.RECORDS,
    "record.read": Part.RECORDS,
    "records": Part.RECORDS,
    MEDICAL_READ: Part.RECORDS,
    "plan.saved": Part.PLAN,
    "screening": Part.SCREENING,
    "quote": Part.MONEY,
    "payment": Part.MONEY,
    "logistics": Part.TRAVEL,
    "session": Part.TREATMENT,
    "follow_up": Part.TREATMENT,
    "outcome_visit": Part.OUTCOMES,
    "relapse": Part.OUTCOMES,
    "mri": Part.OUTCOMES,
}
