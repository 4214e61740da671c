"""Rule 5 on the pure date engine (no database): a sample counts if taken at most 3 calendar months
before the first therapy day, clamped to the end of a shorter month."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellway.months import months_before
from cellway.plans.screening_rule import earliest_sample_date, sample_counts

D = dt.date


def test_a_sample_exactly_three_calendar_months_before_the_first_therapy_day_counts():
    assert sample_counts(D(2026, 3, 15), D(2026, 6, 15), 3)


def test_a_sample_one_day_earlier_does_not_count():
    assert not sample_counts(D(2026, 3, 14), D(2026, 6, 15), 3)


def test_a_sample_on_the_first_therapy_day_counts_and_one_taken_after_it_does_not():
    assert sample_counts(D(2026, 6, 15), D(2026, 6, 15), 3)
    assert not sample_counts(D(2026, 6, 16), D(2026, 6, 15), 3)


@pytest.mark.parametrize(("first_day", "earliest"), [
    (D(2026, 5, 31), D(2026, 2, 28)),   # February is shorter: clamped
    (D(2028, 5, 31), D(2028, 2, 29)),   # a leap year
    (D(2026, 5, 30), D(2026, 2, 28)),
    (D(2026, 7, 31), D(2026, 4, 30)),
    (D(2026, 12, 31), D(2026, 9, 30)),
    (D(2026, 3, 31), D(2025, 12, 31)),  # across the year
    (D(2026, 1, 1), D(2025, 10, 1)),
])
def test_three_months_before_a_month_end_is_clamped_to_the_end_of_the_shorter_month(first_day, earliest):
    assert earliest_sample_date(first_day, 3) == earliest
    assert sample_counts(earliest, first_day, 3)
    assert not sample_counts(earliest - dt.timedelta(days=1), first_day, 3)


def test_negative_months_count_forward_for_follow_up_dates_clamping_at_month_end():
    last_day = D(2027, 1, 31)

    assert [months_before(last_day, -m) for m in (1, 3, 6, 12)] == [D(2027, 2, 28), D(2027, 4, 30), D(2027, 7, 31), D(2028, 1, 31)]
    assert months_before(D(2026, 12, 15), -1) == D(2027, 1, 15)


@given(first_day=st.dates(min_value=D(1901, 1, 1), max_value=D(2999, 12, 31)), months=st.integers(0, 24))
def test_the_window_is_never_longer_than_the_calendar_months_the_rule_says(first_day, months):
    earliest = earliest_sample_date(first_day, months)

    assert earliest <= first_day
    assert (earliest.year * 12 + earliest.month) == (first_day.year * 12 + first_day.month) - months
    assert earliest.day <= first_day.day
    assert sample_counts(earliest, first_day, months)
    assert not sample_counts(earliest - dt.timedelta(days=1), first_day, months)
