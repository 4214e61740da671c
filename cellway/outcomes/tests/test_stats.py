"""Interval methods against published values."""

from __future__ import annotations

import mpmath
import pytest

from cellway.outcomes.stats import gamma_p, gamma_quantile, kaplan_meier, poisson_cdf, poisson_rate, survival_at, wilson


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


# -- the exact Poisson interval at any count, against mpmath ---------------------------
# mpmath (30 significant digits) is the reference: the p quantile of Gamma(a)
# found by bisecting its regularised incomplete gamma function.


def _mp_gamma_quantile(a: int, p: str) -> float:
    with mpmath.workdps(30):
        lo, hi = mpmath.mpf(0), a + 20 * mpmath.sqrt(a) + 40
        for _ in range(110):
            mid = (lo + hi) / 2
            if mpmath.gammainc(a, 0, mid, regularized=True) < mpmath.mpf(p):
                lo = mid
            else:
                hi = mid
        return float((lo + hi) / 2)


@pytest.mark.parametrize("events", [1, 14, 15, 100, 300, 745, 746, 1000, 5000, 10_000, 100_000])
def test_exact_poisson_interval_matches_mpmath_at_any_count(events):
    # The old Poisson sum started at exp(-mean), which is 0.0 from mean 746:
    # from ~746 events the upper limit stuck at 745.13 and the interval no
    # longer held the estimate.
    r = poisson_rate(events, 1.0)
    assert r.low == pytest.approx(_mp_gamma_quantile(events, "0.025"), rel=4e-15)
    assert r.high == pytest.approx(_mp_gamma_quantile(events + 1, "0.975"), rel=4e-15)
    assert r.low < r.rate == events < r.high


def test_exact_poisson_interval_for_100_000_events_to_the_last_digit():
    # mpmath: 99381.1526637447305825635764099 and 100621.744739743876293491382083
    r = poisson_rate(100_000, 10_000.0)
    assert r.rate == 10.0
    assert (r.low * 10_000, r.high * 10_000) == (pytest.approx(99381.15266374473, rel=2e-16), pytest.approx(100621.74473974388, rel=2e-16))


def test_the_interval_holds_the_estimate_and_grows_with_the_count():
    counts = [*range(0, 1200, 7), 1999, 2000, 20_000, 50_000, 99_999, 100_000]
    rates = [poisson_rate(k, 3.5) for k in counts]
    for r in rates:
        assert 0 <= r.low <= r.rate < r.high
        assert (r.low == 0) is (r.events == 0)
    assert all(a.low < b.low and a.high < b.high for a, b in zip(rates, rates[1:], strict=False))


def test_person_years_scale_the_count_interval():
    a, b = poisson_rate(2_500, 1.0), poisson_rate(2_500, 1_250.0)
    assert b.rate == 2.0
    assert (b.low, b.high) == (pytest.approx(a.low / 1_250, rel=1e-15), pytest.approx(a.high / 1_250, rel=1e-15))


def test_poisson_distribution_function_at_large_means():
    # mpmath: Q(1001, 1000) = 0.508409367168505991214259092872,
    # Q(100001, 100000) = 0.5008410430993401238696342731
    assert poisson_cdf(1_000, 1_000.0) == pytest.approx(0.508409367168506, rel=1e-14)
    assert poisson_cdf(100_000, 100_000.0) == pytest.approx(0.50084104309934, rel=1e-13)
    assert poisson_cdf(-1, 3.0) == 0.0 and poisson_cdf(4, 0.0) == 1.0


def test_gamma_quantile_inverts_gamma_p():
    for a, p in [(0.5, 0.3), (5, 0.025), (7_500, 0.975), (100_001, 0.5)]:
        assert gamma_p(a, gamma_quantile(a, p)) == pytest.approx(p, rel=1e-12)


@pytest.mark.parametrize(("events", "years", "alpha"), [(-1, 1.0, 0.05), (3, 0.0, 0.05), (3, 1.0, 0.0), (3, 1.0, 1.0)])
def test_poisson_rate_refuses_impossible_input(events, years, alpha):
    with pytest.raises(ValueError, match="poisson_rate"):
        poisson_rate(events, years, alpha)


def test_kaplan_meier_with_censoring():
    steps = kaplan_meier([1, 2, 2, 3, 4, 5], [True, True, False, True, False, True])
    assert [round(s.survival, 4) for s in steps] == [1.0, 0.8333, 0.6667, 0.4444, 0.4444, 0.0]
    assert steps[2].censored == 1 and steps[4].censored == 1
    assert all(s.low <= s.survival <= s.high for s in steps)
    assert survival_at(steps, 3.5).survival == pytest.approx(4 / 9)


def test_kaplan_meier_with_no_events_stays_at_one():
    steps = kaplan_meier([10, 20], [False, False])
    assert all(s.survival == 1.0 for s in steps)
