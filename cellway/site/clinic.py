"""What the public pages say about the clinic's own program, packages and patients, read from the domains
(the price list's package definitions, the outcomes registry, the rule settings), never typed twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cellway.billing.pricing import TIERS, package_contents
from cellway.cases.models import Condition
from cellway.clinic import clinic_today
from cellway.outcomes import cohort

# The quote's line codes (billing.pricing.PACKAGE_LINES) in the visitor's words.
PACKAGE_ITEMS: dict[str, Promise] = {
    "cells": _("Umbilical-cord (Wharton's jelly) mesenchymal stromal cells, the dose in your signed plan"),
    "specialist": _("Treatment by your specialist"),
    "coa": _("Certificate of Analysis of the cell lot"),
    "iv": _("Intravenous infusions"),
    "it": _("Intrathecal infusions"),
    "supplementary": _("Supplementary infusions"),
    "physio": _("Physiotherapy"),
    "occupational": _("Occupational therapy"),
    "speech": _("Speech and language therapy"),
    "rehab": _("Rehabilitative medicine"),
    "room": _("Hospital room"),
    "transport": _("Transport to and from your sessions"),
    "airport_transfer": _("Airport transfer, both ways"),
    "accommodation": _("Accommodation"),
}
TIER_NAMES: dict[str, Promise] = {"inclusive": _("Inclusive"), "essential": _("Essential")}


@dataclass(frozen=True)
class Package:
    tier: str
    name: Promise
    items: list[Promise]


def packages() -> list[Package]:
    """The two tiers as the price list defines them (what a quote of each may carry)."""
    return [Package(tier, TIER_NAMES[tier], [PACKAGE_ITEMS[code] for code in package_contents(tier)]) for tier in TIERS]


# The cohort report's figures (outcomes.cohort) in the visitor's words.
FIGURE_NAMES: dict[str, Promise] = {
    "Patients treated in the period": _("Patients treated"),
    "With at least 6 months of follow-up": _("Followed for at least 6 months"),
    "With at least 12 months of follow-up": _("Followed for at least 12 months"),
    "Lost to follow-up": _("Lost to follow-up"),
    "Confirmed EDSS improvement (12-week)": _("Confirmed improvement in disability (EDSS, confirmed after 12 weeks)"),
    "Confirmed EDSS worsening (12-week)": _("Confirmed worsening in disability (EDSS, confirmed after 12 weeks)"),
    "No confirmed EDSS change": _("No confirmed change in disability (EDSS)"),
    "Annualised relapse rate": _("Relapses per patient per year after treatment"),
    "No new MRI activity": _("No new MRI activity"),
    "Any adverse event": _("Safety: any adverse event"),
    "Adverse event of grade 3 or higher (CTCAE)": _("Safety: a severe adverse event (grade 3 or higher)"),
    "Serious adverse event (ICH E2A)": _("Safety: a serious adverse event"),
    "Adverse event related to the cells or the procedure": _("Safety: an adverse event related to the cells or the procedure"),
}
FIGURE_NOTES: dict[str, Promise] = {
    "counted in every figure they qualify for": _("they stay counted in every figure"),
    "of patients with 6 months": _("of the patients followed for 6 months"),
    "of patients with an MRI after": _("of the patients with an MRI after treatment"),
    "patients with at least one, in treatment or follow-up": _("patients with at least one, during treatment or follow-up"),
}
# The registry's figures from the clinic's first patients; a day's cache keeps the page fast.
SINCE = dt.date(2000, 1, 1)
CACHE_SECONDS = 3600


@dataclass(frozen=True)
class OutcomeFigure:
    """One figure as the page shows it: a count, a share with its 95 % interval, or a rate; or withheld."""

    label: str  # the registry's own label (the key of FIGURE_NAMES)
    n: int
    shown: bool
    count: int | None = None
    k: int | None = None
    percent: float | None = None
    low: float | None = None
    high: float | None = None
    rate: float | None = None
    note: str = ""

    @property
    def name(self) -> Promise:
        return FIGURE_NAMES[self.label]

    @property
    def note_text(self) -> Promise | str:
        return FIGURE_NOTES.get(self.note, "")


@dataclass(frozen=True)
class Outcomes:
    patients: int
    minimum: int
    figures: list[OutcomeFigure]
    as_of: dt.date


def clinic_outcomes(condition_code: str) -> Outcomes | None:
    """The outcomes registry's figures for the clinic's treated patients of the condition, cached for an hour."""
    today = clinic_today()
    key = f"site:outcomes:{condition_code}:{today.isoformat()}"
    found: Outcomes | None = cache.get(key)
    if found is None:
        found = _compute(condition_code, today)
        cache.set(key, found, CACHE_SECONDS)
    return found


def _compute(condition_code: str, today: dt.date) -> Outcomes | None:
    condition = Condition.objects.filter(code=condition_code).first()
    if condition is None:
        return None
    report = cohort.report(condition=condition, start=SINCE, end=today, today=today)
    figures = []
    for f in report.figures:
        if f.proportion is not None:
            p = f.proportion
            figures.append(
                OutcomeFigure(f.label, f.n, f.shown, k=p.k, percent=100 * p.share, low=100 * p.low, high=100 * p.high, note=f.note)
            )
        elif f.rate is not None:
            figures.append(OutcomeFigure(f.label, f.n, f.shown, rate=f.rate.rate, low=f.rate.low, high=f.rate.high, note=f.note))
        else:
            figures.append(OutcomeFigure(f.label, f.n, f.shown, count=f.count, note=f.note))
    return Outcomes(report.patients, report.minimum, figures, today)


def journey_numbers() -> dict[str, object]:
    """The rule settings "how we proceed" states (DESIGN.md rules 5 and 6), so the page never disagrees with them."""
    return {
        "screening_months": settings.SCREENING_MAX_AGE_MONTHS,
        "deposit_days": settings.DEPOSIT_DAYS_BEFORE_ARRIVAL,
        "deposit_percent": settings.DEPOSIT_PERCENT,
        "balance_days": settings.BALANCE_DAYS_BEFORE_THERAPY,
    }
