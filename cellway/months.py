"""Calendar months before or after a day. Pure date arithmetic, no Django.

"Three months before 31 May" is 28 (or 29) February: the day is clamped to the
end of a shorter month, so a window measured in months is never longer than
the rule says. Used by the screening rule (plans), the documents that lapse
(records) and the follow-up schedule (treatment, outcomes).
"""

from __future__ import annotations

import calendar
import datetime as dt


def months_before(day: dt.date, months: int) -> dt.date:
    """`day` moved back `months` calendar months (forward if negative), clamped to the month's end."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_after(day: dt.date, months: int) -> dt.date:
    """`day` moved forward `months` calendar months, clamped to the month's end."""
    return months_before(day, -months)
