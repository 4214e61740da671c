"""Interval estimates and survival curves for the cohort report. Pure Python, no Django.

Methods (what the report's footnote says):

* **Proportions** — Wilson score interval, 95 % (z = 1.959964). It keeps
  inside [0, 1] and behaves at 0 and n events, unlike the Wald interval.
  Wilson, E. B. (1927) JASA 22:209-212.
* **Annualised relapse rate** — relapses / person-years, with the exact
  (Garwood) Poisson interval for the count divided by the person-years:
  lower = chi2(0.025, 2k) / 2, upper = chi2(0.975, 2k + 2) / 2. The chi-square
  quantiles come from inverting the Poisson distribution function by
  bisection (the same numbers, no SciPy). It assumes relapses are Poisson
  across the cohort; over-dispersion between patients makes the true
  interval wider.
* **Time to event** — Kaplan-Meier product-limit estimate with censoring;
  pointwise 95 % intervals by Greenwood's variance on the log(-log) scale
  (Kalbfleisch & Prentice), which keeps them inside (0, 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Proportion:
    """k of n, with its 95 % Wilson interval."""

    k: int
    n: int
    low: float
    high: float

    @property
    def share(self) -> float:
        return self.k / self.n if self.n else 0.0


def wilson(k: int, n: int, z: float = Z95) -> Proportion:
    """Wilson score interval for k successes in n trials."""
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"wilson: need 0 <= k <= n and n > 0, got k={k}, n={n}")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At k = 0 or k = n the bound is exactly 0 or 1; rounding may miss it.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return Proportion(k, n, low, high)


@dataclass(frozen=True, slots=True)
class Rate:
    """Events per person-year, with its exact 95 % Poisson interval."""

    events: int
    person_years: float
    rate: float
    low: float
    high: float


def poisson_rate(events: int, person_years: float, alpha: float = 0.05) -> Rate:
    """Annualised rate with the exact (Garwood) interval."""
    if events < 0 or person_years <= 0:
        raise ValueError(f"poisson_rate: need events >= 0 and person_years > 0, got {events}, {person_years}")
    low_count = 0.0 if events == 0 else _poisson_mean_where_sf(events, alpha / 2)
    high_count = _poisson_mean_where_cdf(events, alpha / 2)
    return Rate(events, person_years, events / person_years, low_count / person_years, high_count / person_years)


def poisson_cdf(k: int, mean: float) -> float:
    """P(X <= k) for X ~ Poisson(mean), summed in log space."""
    if mean <= 0:
        return 1.0
    term = math.exp(-mean)
    total = term
    for i in range(1, k + 1):
        term *= mean / i
        total += term
    return min(1.0, total)


def _poisson_mean_where_cdf(k: int, target: float) -> float:
    """The mean m with P(X <= k; m) = target (upper limit)."""
    return _bisect(lambda m: poisson_cdf(k, m) - target, 0.0, max(10.0, 4.0 * k + 20.0), decreasing=True)


def _poisson_mean_where_sf(k: int, target: float) -> float:
    """The mean m with P(X >= k; m) = target (lower limit)."""
    return _bisect(lambda m: (1.0 - poisson_cdf(k - 1, m)) - target, 0.0, max(10.0, 2.0 * k + 20.0), decreasing=False)


def _bisect(f: Callable[[float], float], lo: float, hi: float, *, decreasing: bool) -> float:
    """Root of a monotone `f` on [lo, hi] (decreasing: f > 0 left of the root)."""
    for _ in range(200):
        mid = (lo + hi) / 2
        value = f(mid)
        if (value > 0) == decreasing:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@dataclass(frozen=True, slots=True)
class SurvivalStep:
    """The curve from `time` on: survival, its interval, and who was at risk just before."""

    time: float
    survival: float
    low: float
    high: float
    at_risk: int
    events: int
    censored: int


def kaplan_meier(times: Sequence[float], observed: Sequence[bool]) -> list[SurvivalStep]:
    """Product-limit estimate. ``observed[i]`` is True for an event, False for censoring at ``times[i]``.

    The first step is time 0 with survival 1. Censorings at an event time are
    counted at risk for that event (the usual convention).
    """
    if len(times) != len(observed):
        raise ValueError("kaplan_meier: times and observed differ in length")
    if any(t < 0 for t in times):
        raise ValueError("kaplan_meier: negative time")
    at_risk = len(times)
    steps = [SurvivalStep(0.0, 1.0, 1.0, 1.0, at_risk, 0, 0)]
    survival, greenwood = 1.0, 0.0
    for t in sorted(set(times)):
        d = sum(1 for ti, ob in zip(times, observed, strict=True) if ti == t and ob)
        c = sum(1 for ti, ob in zip(times, observed, strict=True) if ti == t and not ob)
        if d:
            survival *= 1 - d / at_risk
            if at_risk > d:
                greenwood += d / (at_risk * (at_risk - d))
            low, high = _loglog_interval(survival, greenwood)
            steps.append(SurvivalStep(float(t), survival, low, high, at_risk, d, c))
        elif c:
            prev = steps[-1]
            steps.append(SurvivalStep(float(t), prev.survival, prev.low, prev.high, at_risk, 0, c))
        at_risk -= d + c
    return steps


def _loglog_interval(s: float, greenwood: float, z: float = Z95) -> tuple[float, float]:
    if s <= 0.0:
        return 0.0, 0.0
    if s >= 1.0:
        return 1.0, 1.0
    log_s = math.log(s)
    se = math.sqrt(greenwood) / abs(log_s)
    return s ** math.exp(z * se), s ** math.exp(-z * se)


def survival_at(steps: Sequence[SurvivalStep], t: float) -> SurvivalStep:
    """The step in force at time `t`."""
    current = steps[0]
    for step in steps:
        if step.time <= t:
            current = step
        else:
            break
    return current
