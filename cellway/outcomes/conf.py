"""Settings of the outcomes registry, as typed by cellway/settings.py at start-up (the README lists them).

Plain reads of Django settings, so a test can override one
(``settings.OUTCOMES_MIN_COHORT = ...``); nothing here parses the environment.
"""

from __future__ import annotations

from django.conf import settings


def min_cohort() -> int:
    """A cohort figure resting on fewer patients than this is not shown (small numbers identify people)."""
    return int(settings.OUTCOMES_MIN_COHORT)


def lost_after_days() -> int:
    """An assessment overdue by more than this many days counts the patient as lost to follow-up."""
    return int(settings.OUTCOMES_LOST_AFTER_DAYS)


def remind_days_ahead() -> tuple[int, ...]:
    """Days before a due assessment on which the patient and care team are reminded (0 = on the day)."""
    return tuple(settings.FOLLOW_UP_REMIND_DAYS_AHEAD)
