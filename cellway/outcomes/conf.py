"""Settings of the outcomes registry, read from the environment (the README lists them).

Each is a function so a test can override the Django setting of the same name
(``settings.OUTCOMES_MIN_COHORT = ...``); the environment gives the default.
The shared settings module stays untouched by this app.
"""

from __future__ import annotations

from django.conf import settings

from cellway.env import env_int


def min_cohort() -> int:
    """A cohort figure resting on fewer patients than this is not shown (small numbers identify people)."""
    return int(getattr(settings, "OUTCOMES_MIN_COHORT", env_int("CELLWAY_OUTCOMES_MIN_COHORT", 10)))


def lost_after_days() -> int:
    """An assessment overdue by more than this many days counts the patient as lost to follow-up."""
    return int(getattr(settings, "OUTCOMES_LOST_AFTER_DAYS", env_int("CELLWAY_OUTCOMES_LOST_AFTER_DAYS", 90)))


def remind_days_ahead() -> tuple[int, ...]:
    """Days before a due assessment on which the patient and care team are reminded (0 = on the day)."""
    return tuple(getattr(settings, "OUTCOMES_REMIND_DAYS_AHEAD", (7, 0)))
