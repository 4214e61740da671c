"""The parts of a case, as the minimum-necessary table names them.

Each part is read with its own permission (identity with the case itself);
the case timeline shows an event only to someone who may read its part.
Pure data, no Django import.
"""

from __future__ import annotations

from enum import StrEnum


class Part(StrEnum):
    IDENTITY = "identity"  # code, name, condition, country, stage, specialist, dates
    CONTACT = "contact"  # email, phone
    INQUIRY = "inquiry"  # the inquiry's message and source
    RECORDS = "records"  # checklist, record files, imaging
    SCREENING = "screening"  # cancer-marker screening values and verdict
    PLAN = "plan"  # the therapy plan
    MONEY = "money"  # quotes, payments, balance, overrides, due dates
    TRAVEL = "travel"  # logistics tasks
    TREATMENT = "treatment"  # sessions, the post-treatment protocol, follow-up assessments
    OUTCOMES = "outcomes"  # outcome measures
    AUDIT = "audit"  # who read what (the medical-read trail)
