"""Documents with a validity rule: the screening report's expiry (rule 5), shown on the case page."""

from __future__ import annotations

import datetime as dt

import pytest

from cellway.plans.screening_rule import sample_counts
from cellway.records.documents import DocumentState, screening_expires_on, screening_status


@pytest.mark.parametrize(
    ("sample", "expires"),
    [
        (dt.date(2026, 1, 10), dt.date(2026, 4, 10)),
        (dt.date(2026, 2, 28), dt.date(2026, 5, 31)),  # the rule clamps 31 May back to 28 Feb
        (dt.date(2025, 11, 30), dt.date(2026, 2, 28)),
        (dt.date(2026, 11, 30), dt.date(2027, 2, 28)),
    ],
)
def test_the_screening_report_expires_on_the_last_first_therapy_day_it_counts_for(sample, expires):
    assert screening_expires_on(sample, 3) == expires
    assert sample_counts(sample, expires, 3)
    assert not sample_counts(sample, expires + dt.timedelta(days=1), 3)


def test_a_report_that_does_not_reach_the_first_therapy_day_has_lapsed():
    status = screening_status(
        sample_date=dt.date(2026, 1, 10), first_therapy_day=dt.date(2026, 4, 11), today=dt.date(2026, 2, 1), months=3, required=True
    )
    assert status.state == DocumentState.LAPSED
    assert status.detail == (
        "Counts for a first therapy day up to 10 Apr 2026; the first therapy day is 11 Apr 2026. A new sample is needed."
    )


def test_without_a_date_a_report_close_to_its_expiry_is_lapsing():
    near = screening_status(sample_date=dt.date(2026, 1, 10), first_therapy_day=None, today=dt.date(2026, 3, 25), months=3, required=True)
    far = screening_status(sample_date=dt.date(2026, 1, 10), first_therapy_day=None, today=dt.date(2026, 2, 1), months=3, required=True)
    gone = screening_status(sample_date=dt.date(2026, 1, 10), first_therapy_day=None, today=dt.date(2026, 4, 11), months=3, required=True)
    assert (near.state, far.state, gone.state) == (DocumentState.LAPSING, DocumentState.VALID, DocumentState.LAPSED)
    assert near.detail == "Lapses on 10 Apr 2026 unless therapy starts by then."


def test_a_missing_report_is_flagged_only_once_it_is_needed():
    assert screening_status(sample_date=None, first_therapy_day=None, today=dt.date(2026, 1, 1), months=3, required=False) is None
    missing = screening_status(sample_date=None, first_therapy_day=None, today=dt.date(2026, 1, 1), months=3, required=True)
    assert missing.state == DocumentState.MISSING and missing.flagged
