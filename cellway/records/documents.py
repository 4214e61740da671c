"""Documents with a validity rule, and when they lapse. Pure date arithmetic, no Django.

The cancer-marker screening report (rule 5) counts only if its sample was
taken at most N months before the first therapy day. Its *expiry* is the last
first therapy day it still counts for: the sample date plus N months, moved
forward to the end of a shorter month the way ``months_before`` clamps (a
sample of 28 Feb counts for a first therapy day of 31 May).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from cellway.months import months_before

LAPSE_WARNING_DAYS = 21
SCREENING_REPORT = "Cancer-marker screening report"


class DocumentState(StrEnum):
    MISSING = "missing"
    VALID = "valid"
    LAPSING = "lapsing"  # still counts, but not for long (no date set yet)
    LAPSED = "lapsed"  # does not count for the first therapy day (or any day from today)


@dataclass(frozen=True)
class DocumentStatus:
    """What the case page and the liaison queue say about one document."""

    label: str
    state: DocumentState
    sample_date: dt.date | None
    expires_on: dt.date | None
    detail: str

    @property
    def flagged(self) -> bool:
        return self.state != DocumentState.VALID


def screening_expires_on(sample_date: dt.date, months: int) -> dt.date:
    """The last first therapy day for which a sample of ``sample_date`` counts."""
    day = sample_date + dt.timedelta(days=28 * months)  # safely before the answer
    while months_before(day + dt.timedelta(days=1), months) <= sample_date:
        day += dt.timedelta(days=1)
    return day


def screening_status(
    *, sample_date: dt.date | None, first_therapy_day: dt.date | None, today: dt.date, months: int, required: bool
) -> DocumentStatus | None:
    """The screening report's status; None when it is neither needed yet nor received."""
    if sample_date is None:
        if not required:
            return None
        return DocumentStatus(SCREENING_REPORT, DocumentState.MISSING, None, None, "No screening result received yet.")
    expires = screening_expires_on(sample_date, months)
    if first_therapy_day is not None:
        return _screening_for_therapy_day(sample_date, expires, first_therapy_day)
    return _screening_as_of(sample_date, expires, today)


def _screening_for_therapy_day(sample_date: dt.date, expires: dt.date, first_therapy_day: dt.date) -> DocumentStatus:
    """Once the first therapy day is set, the sample counts for it or not."""
    label, when = SCREENING_REPORT, f"{expires:%d %b %Y}"
    if first_therapy_day > expires:
        return DocumentStatus(
            label, DocumentState.LAPSED, sample_date, expires,
            f"Counts for a first therapy day up to {when}; the first therapy day is {first_therapy_day:%d %b %Y}."
            " A new sample is needed.",
        )
    return DocumentStatus(label, DocumentState.VALID, sample_date, expires, f"Counts for a first therapy day up to {when}.")


def _screening_as_of(sample_date: dt.date, expires: dt.date, today: dt.date) -> DocumentStatus:
    """Before the first therapy day is set, the sample is judged against today."""
    label, when = SCREENING_REPORT, f"{expires:%d %b %Y}"
    if expires < today:
        return DocumentStatus(label, DocumentState.LAPSED, sample_date, expires, f"Lapsed on {when}; a new sample is needed.")
    if (expires - today).days <= LAPSE_WARNING_DAYS:
        return DocumentStatus(label, DocumentState.LAPSING, sample_date, expires, f"Lapses on {when} unless therapy starts by then.")
    return DocumentStatus(label, DocumentState.VALID, sample_date, expires, f"Counts for a first therapy day up to {when}.")
