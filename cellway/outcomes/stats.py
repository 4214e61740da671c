"""Interval estimates and survival curves for the cohort report. Pure Python, no Django.

Methods (what the report's footnote says):

* **Proportions** — Wilson score interval, 95 % (z = 1.959964). It keeps
  inside [0, 1] and behaves at 0 and n events, unlike the Wald interval.
  Wilson, E. B. (1927) JASA 22:209-212.
* **Annualised relapse rate** — relapses / person-years, with the exact
  (Garwood) Poisson interval for the count divided by the person-years:
  lower = chi2(0.025, 2k) / 2, upper = chi2(0.975, 2k + 2) / 2, that is the
  0.025 quantile of Gamma(k) and the 0.975 quantile of Gamma(k + 1). The
  quantiles invert the regularised incomplete gamma function (series below
  its mean, Lentz's continued fraction above, the exp(-x) x^a / Gamma(a)
  prefactor in log space with Stirling's series, so nothing underflows at
  any count) by bisection to the last bit. Tested against mpmath at 30
  digits from 0 to 100,000 events. Our own code because SciPy, which has
  these quantiles, is ~40 MB for two numbers. It assumes relapses are
  Poisson across the cohort; over-dispersion between patients makes the
  true interval wider.
* **Time to event** — Kaplan-Meier product-limit estimate with censoring;
  pointwise 95 % intervals by Greenwood's variance on the log(-log) scale
  (Kalbfleisch & Prentice), which keeps them inside (0, 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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
    """Annualised rate with the exact (Garwood) interval; right for any count."""
    if events < 0 or person_years <= 0:
        raise ValueError(f"poisson_rate: need events >= 0 and person_years > 0, got {events}, {person_years}")
    if not 0 < alpha < 1:
        raise ValueError(f"poisson_rate: need 0 < alpha < 1, got {alpha}")
    low_count = 0.0 if events == 0 else gamma_quantile(events, alpha / 2)
    high_count = gamma_quantile(events + 1, 1 - alpha / 2)
    return Rate(events, person_years, events / person_years, low_count / person_years, high_count / person_years)


def poisson_cdf(k: int, mean: float) -> float:
    """P(X <= k) for X ~ Poisson(mean): the upper regularised gamma Q(k + 1, mean)."""
    if k < 0:
        return 0.0
    if mean <= 0:
        return 1.0
    return 1.0 - gamma_p(k + 1, mean)


def gamma_quantile(a: float, p: float) -> float:
    """The x with P(a, x) = p: the p quantile of Gamma(a, 1), for a > 0 and 0 < p < 1.

    Bisection on a bracket around the mean, until the two ends are neighbouring
    floats; P is increasing in x, so the answer is within one unit in the last
    place of where P's own rounding allows.
    """
    if a <= 0 or not 0 < p < 1:
        raise ValueError(f"gamma_quantile: need a > 0 and 0 < p < 1, got {a}, {p}")
    lo, hi = 0.0, a + 1.0
    while gamma_p(a, hi) < p:
        lo, hi = hi, 2 * hi + 10 * math.sqrt(a)
    for _ in range(2000):  # ~60 halvings reach one ulp; the bound is a guard
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if gamma_p(a, mid) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def gamma_p(a: float, x: float) -> float:
    """Regularised lower incomplete gamma P(a, x) = gamma(a, x) / Gamma(a), a > 0, x >= 0."""
    if x <= 0:
        return 0.0
    if x < a + 1:
        return _gamma_series(a, x)
    return 1.0 - _gamma_continued_fraction(a, x)


def _log_prefactor(a: float, x: float) -> float:
    """log(exp(-x) x^a / Gamma(a)), without the cancellation of a log x - x - lgamma(a) for large a.

    Written as a (log1p(t) - t) + log(a) / 2 - log(2 pi) / 2 - stirling(a) with
    t = x / a - 1 (Stirling: lgamma(a) = (a - 1/2) log a - a + log(2 pi) / 2 + stirling(a)).
    """
    t = x / a - 1
    return a * (math.log1p(t) - t) + 0.5 * math.log(a) - 0.5 * math.log(2 * math.pi) - _stirling(a)


def _stirling(a: float) -> float:
    """lgamma(a) - ((a - 1/2) log a - a + log(2 pi) / 2)."""
    if a < 15:
        return math.lgamma(a) - ((a - 0.5) * math.log(a) - a + 0.5 * math.log(2 * math.pi))
    # Stirling's series; at a >= 15 the next term is below 1e-17 of the first.
    inv = 1 / a
    inv2 = inv * inv
    return inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))))


def _gamma_series(a: float, x: float) -> float:
    # P(a, x) = prefactor * sum_n x^n / (a (a + 1) ... (a + n)), for x < a + 1.
    term = total = 1 / a
    denom = a
    for _ in range(100_000):
        denom += 1
        term *= x / denom
        total += term
        if term < total * 1e-17:
            break
    return min(1.0, math.exp(_log_prefactor(a, x)) * total)


def _gamma_continued_fraction(a: float, x: float) -> float:
    # Q(a, x) by the modified Lentz method on the continued fraction, x >= a + 1.
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-17:
            break
    return min(1.0, math.exp(_log_prefactor(a, x)) * h)


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
