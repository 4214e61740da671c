"""Interval methods against published values."""

from __future__ import annotations

import pytest

from cellway.outcomes.stats import kaplan_meier, poisson_rate, survival_at, wilson


def test_wilson_matches_the_published_interval():
    p = wilson(5, 10)
    assert (round(p.low, 4), round(p.high, 4)) == (0.2366, 0.7634)


def test_wilson_reaches_the_edges_at_none_and_all():
    assert wilson(0, 10).low == 0.0 and round(wilson(0, 10).high, 4) == 0.2775
    assert wilson(10, 10).high == 1.0


def test_wilson_refuses_impossible_counts():
    with pytest.raises(ValueError):
        wilson(3, 2)
    with pytest.raises(ValueError):
        wilson(0, 0)


def test_exact_poisson_interval_for_five_events():
    # Garwood: 5 events -> (1.6235, 11.6683)
    r = poisson_rate(5, 2.0)
    assert r.rate == 2.5
    assert (round(r.low * 2, 3), round(r.high * 2, 3)) == (1.623, 11.668)


def test_exact_poisson_interval_for_no_events():
    r = poisson_rate(0, 1.0)
    assert r.low == 0.0 and round(r.high, 3) == 3.689


def test_kaplan_meier_with_censoring():
    steps = kaplan_meier([1, 2, 2, 3, 4, 5], [True, True, False, True, False, True])
    assert [round(s.survival, 4) for s in steps] == [1.0, 0.8333, 0.6667, 0.4444, 0.4444, 0.0]
    assert steps[2].censored == 1 and steps[4].censored == 1
    assert all(s.low <= s.survival <= s.high for s in steps)
    assert survival_at(steps, 3.5).survival == pytest.approx(4 / 9)


def test_kaplan_meier_with_no_events_stays_at_one():
    steps = kaplan_meier([10, 20], [False, False])
    assert all(s.survival == 1.0 for s in steps)
