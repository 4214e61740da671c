"""Rule 5: a cancer-marker screening counts only if its sample is recent enough.

Pure date arithmetic, no Django: a sample counts if it was taken at most
`months` calendar months before the first therapy day (and not after it).
"Three months before 31 May" is 28 (or 29) February: the day is clamped to
the end of a shorter month, so the window is never longer than the rule says.
"""

from __future__ import annotations

import datetime as dt

from cellway.months import months_before


def earliest_sample_date(first_therapy_day: dt.date, months: int) -> dt.date:
    return months_before(first_therapy_day, months)


def sample_counts(sample_date: dt.date, first_therapy_day: dt.date, months: int) -> bool:
    return earliest_sample_date(first_therapy_day, months) <= sample_date <= first_therapy_day
