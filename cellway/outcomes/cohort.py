"""The clinic's cohort report: what happened to the patients it treated, by condition and period.

Definitions (the report page repeats them under the figures):

* **Cohort**: cases of the condition whose post-treatment protocol was
  issued and whose last treatment day (the *index date*) lies in the period.
  One case is one patient-course.
* **Follow-up**: from the index date to the last visit with any measure.
  "At least 6 months" is a visit 24 weeks or later after the index date,
  "at least 12 months" 48 weeks or later (a 4-week visit window).
* **Lost to follow-up**: the case was withdrawn during follow-up, or an
  assessment is overdue by more than ``OUTCOMES_LOST_AFTER_DAYS`` (90). They
  stay in every denominator they qualify for; they are counted, not dropped.
* **Confirmed change (EDSS)**: msprog rules (``confirmed_change``), fixed
  baseline at the last EDSS on or before the index date (else the first
  after it), every event (``multiple``), confirmed at 12 weeks (84 days).
  Among patients with a baseline and 6 months of follow-up: *improved* had at
  least one CDI, *worsened* at least one CDW, *no change* neither. A patient
  with both is counted in both (the page says how many).
* **Annualised relapse rate**: relapses with onset after the index date up to
  the last visit, over the person-years of follow-up of the cohort.
* **No new MRI activity**: among patients with an MRI after the index date,
  those with no new or enlarging T2 and no gadolinium-enhancing lesion on any.
* **Safety**: among all patients of the cohort, those with at least one
  adverse event recorded during treatment or follow-up (whatever its onset),
  with one of CTCAE grade 3 or higher, with a serious one (any ICH E2A
  criterion), and with one related to the cells or to the procedure (judged
  possibly, probably or definitely related). A patient counts once in each,
  however many events they had.
* **Time to event** (Kaplan-Meier): from the index date to the onset of the
  first confirmed EDSS worsening (censored at the last EDSS visit), and to
  the first relapse (censored at the last visit).

Intervals: see :mod:`cellway.outcomes.stats`. Any figure resting on fewer
patients than ``OUTCOMES_MIN_COHORT`` is not shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max, Prefetch, QuerySet

from cellway.cases.models import Case, Condition
from cellway.cases.stages import Stage
from cellway.outcomes import conf
from cellway.outcomes.confirmed_change import Rules, Subject, detect_events
from cellway.outcomes.models import FollowUpAssessment, MriScan, Relapse, Visit
from cellway.outcomes.stats import Proportion, Rate, SurvivalStep, kaplan_meier, poisson_rate, wilson

SIX_MONTHS_DAYS = 24 * 7
SEVERE_GRADE = 3  # CTCAE v5: 3 severe, 4 life-threatening, 5 death
TWELVE_MONTHS_DAYS = 48 * 7
YEAR_DAYS = 365.25
COHORT_RULES = Rules(outcome="edss", event="multiple", baseline="fixed", conf_days=(84,))
FIRST_CDW_RULES = Rules(outcome="edss", event="firstCDW", baseline="fixed", conf_days=(84,))


@dataclass
class PatientCourse:
    """One case of the cohort, reduced to what the figures need."""

    code: str
    index_date: dt.date
    last_visit: dt.date | None
    lost: bool
    has_baseline: bool
    improved: bool = False
    worsened: bool = False
    days_to_cdw: int | None = None
    days_edss_followed: int = 0
    relapses_after: int = 0
    days_to_relapse: int | None = None
    mri_after: int = 0
    mri_active: bool = False
    adverse_event: bool = False
    severe_event: bool = False
    serious_event: bool = False
    related_event: bool = False

    @property
    def follow_up_days(self) -> int:
        return max(0, (self.last_visit - self.index_date).days) if self.last_visit else 0


@dataclass(frozen=True)
class Figure:
    """One line of the report: a share, a rate or a count, or nothing when it rests on too few patients."""

    label: str
    n: int
    shown: bool
    proportion: Proportion | None = None
    rate: Rate | None = None
    count: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Curve:
    label: str
    n: int
    shown: bool
    steps: list[SurvivalStep] = field(default_factory=list)
    events: int = 0
    times: list[float] = field(default_factory=list)

    def at_risk(self, days: float) -> int:
        """Patients still followed and event-free at `days`."""
        return sum(1 for t in self.times if t >= days)


@dataclass(frozen=True)
class CohortReport:
    condition: Condition
    start: dt.date
    end: dt.date
    minimum: int
    patients: int
    figures: list[Figure]
    curves: list[Curve]
    both_directions: int


def treated_cases(condition: Condition, start: dt.date, end: dt.date) -> QuerySet[Case]:
    """Cases of the condition whose protocol was issued and whose last treatment day is in [start, end]."""
    return (
        Case.objects.filter(condition=condition, protocol__isnull=False)
        .annotate(index_date=Max("sessions__day"))
        .filter(index_date__gte=start, index_date__lte=end)
        .order_by("pk")
    )


def report(*, condition: Condition, start: dt.date, end: dt.date, today: dt.date) -> CohortReport:
    """The cohort report; a fixed number of queries whatever the cohort's size."""
    minimum = conf.min_cohort()
    courses = [_course(case, today) for case in _load(condition, start, end)]
    figures = _figures(courses, minimum)
    curves = _curves(courses, minimum)
    both = sum(1 for c in courses if c.improved and c.worsened)
    return CohortReport(condition, start, end, minimum, len(courses), figures, curves, both)


def _load(condition: Condition, start: dt.date, end: dt.date) -> list[Case]:
    lost_stage = [Stage.FOLLOW_UP.value, Stage.WITHDRAWN.value]
    return list(
        treated_cases(condition, start, end)
        .filter(stage__in=[*lost_stage, Stage.CLOSED.value])
        .prefetch_related(
            Prefetch("outcome_visits", queryset=Visit.objects.order_by("seen_on")),
            Prefetch("relapses", queryset=Relapse.objects.order_by("onset_on")),
            Prefetch("mri_scans", queryset=MriScan.objects.order_by("scanned_on")),
            Prefetch("follow_ups", queryset=FollowUpAssessment.objects.filter(completed_at__isnull=True).order_by("due_on")),
            # treatment.AdverseEvent, by the case's reverse relation: outcomes sits below treatment in the layers and
            # imports nothing of it; what makes an event serious or related stays on treatment's model (its properties).
            "adverse_events",
        )
    )


def _course(case: Case, today: dt.date) -> PatientCourse:
    index: dt.date = case.index_date  # type: ignore[attr-defined]
    visits = list(case.outcome_visits.all())
    relapses = [r.onset_on for r in case.relapses.all()]
    last_visit = visits[-1].seen_on if visits else None
    overdue = [a for a in case.follow_ups.all() if (today - a.due_on).days > conf.lost_after_days()]
    lost = case.stage == Stage.WITHDRAWN or (case.stage == Stage.FOLLOW_UP and bool(overdue))
    edss = [(v.seen_on, float(v.edss)) for v in visits if v.edss is not None]
    before = [p for p in edss if p[0] <= index]
    from_baseline = edss[edss.index(before[-1]) :] if before else [p for p in edss if p[0] > index]
    course = PatientCourse(case.code, index, last_visit, lost, has_baseline=bool(from_baseline))
    if from_baseline:
        subject = Subject(case.code, from_baseline, relapses)
        events = [e for e in detect_events(subject, COHORT_RULES) if e.nevent]
        course.improved = any(e.event_type == "CDI" for e in events)
        course.worsened = any(e.event_type == "CDW" for e in events)
        first = detect_events(subject, FIRST_CDW_RULES)[0]
        course.days_edss_followed = max(0, (from_baseline[-1][0] - index).days)
        if first.nevent and first.date:
            course.days_to_cdw = max(0, (first.date - index).days)
    after = [d for d in relapses if d > index and (last_visit is None or d <= last_visit)]
    course.relapses_after = len(after)
    course.days_to_relapse = (after[0] - index).days if after else None
    scans = [s for s in case.mri_scans.all() if s.scanned_on > index]
    course.mri_after = len(scans)
    course.mri_active = any(s.active for s in scans)
    adverse = list(case.adverse_events.all())
    course.adverse_event = bool(adverse)
    course.severe_event = any(a.grade >= SEVERE_GRADE for a in adverse)
    course.serious_event = any(a.serious for a in adverse)
    course.related_event = any(a.related for a in adverse)
    return course


def _share(label: str, k: int, n: int, minimum: int, note: str = "") -> Figure:
    if n < minimum or n == 0:
        return Figure(label, n, shown=False, note=note)
    return Figure(label, n, shown=True, proportion=wilson(k, n), note=note)


def _figures(courses: list[PatientCourse], minimum: int) -> list[Figure]:
    n = len(courses)
    shown = n >= minimum and n > 0
    six = [c for c in courses if c.follow_up_days >= SIX_MONTHS_DAYS]
    twelve = [c for c in courses if c.follow_up_days >= TWELVE_MONTHS_DAYS]
    assessed = [c for c in six if c.has_baseline]
    followed = [c for c in courses if c.follow_up_days > 0]
    person_years = sum(c.follow_up_days for c in followed) / YEAR_DAYS
    imaged = [c for c in courses if c.mri_after]
    figures = [
        Figure("Patients treated in the period", n, shown, count=n),
        _share("With at least 6 months of follow-up", len(six), n, minimum),
        _share("With at least 12 months of follow-up", len(twelve), n, minimum),
        _share("Lost to follow-up", sum(c.lost for c in courses), n, minimum, note="counted in every figure they qualify for"),
        _share(
            "Confirmed EDSS improvement (12-week)", sum(c.improved for c in assessed), len(assessed), minimum, "of patients with 6 months"
        ),
        _share(
            "Confirmed EDSS worsening (12-week)", sum(c.worsened for c in assessed), len(assessed), minimum, "of patients with 6 months"
        ),
        _share(
            "No confirmed EDSS change",
            sum(not (c.improved or c.worsened) for c in assessed),
            len(assessed),
            minimum,
            "of patients with 6 months",
        ),
    ]
    if len(followed) >= minimum and person_years > 0:
        relapses = sum(c.relapses_after for c in followed)
        figures.append(Figure("Annualised relapse rate", len(followed), True, rate=poisson_rate(relapses, person_years)))
    else:
        figures.append(Figure("Annualised relapse rate", len(followed), False))
    figures.append(
        _share("No new MRI activity", sum(not c.mri_active for c in imaged), len(imaged), minimum, "of patients with an MRI after")
    )
    figures.extend(_safety(courses, minimum))
    return figures


SAFETY_NOTE = "patients with at least one, in treatment or follow-up"


def _safety(courses: list[PatientCourse], minimum: int) -> list[Figure]:
    """Patients with an adverse event, of every patient of the cohort (the same interval and withholding as the rest)."""
    n = len(courses)
    return [
        _share("Any adverse event", sum(c.adverse_event for c in courses), n, minimum, SAFETY_NOTE),
        _share("Adverse event of grade 3 or higher (CTCAE)", sum(c.severe_event for c in courses), n, minimum, SAFETY_NOTE),
        _share("Serious adverse event (ICH E2A)", sum(c.serious_event for c in courses), n, minimum, SAFETY_NOTE),
        _share("Adverse event related to the cells or the procedure", sum(c.related_event for c in courses), n, minimum, SAFETY_NOTE),
    ]


def _curves(courses: list[PatientCourse], minimum: int) -> list[Curve]:
    curves = []
    edss = [c for c in courses if c.has_baseline and c.days_edss_followed > 0]
    times = [float(c.days_to_cdw if c.days_to_cdw is not None else c.days_edss_followed) for c in edss]
    observed = [c.days_to_cdw is not None for c in edss]
    curves.append(_curve("Free of confirmed EDSS worsening", times, observed, minimum))
    followed = [c for c in courses if c.follow_up_days > 0]
    times = [float(c.days_to_relapse if c.days_to_relapse is not None else c.follow_up_days) for c in followed]
    observed = [c.days_to_relapse is not None for c in followed]
    curves.append(_curve("Free of relapse", times, observed, minimum))
    return curves


def _curve(label: str, times: list[float], observed: list[bool], minimum: int) -> Curve:
    n = len(times)
    if n < minimum or n == 0:
        return Curve(label, n, shown=False)
    return Curve(label, n, shown=True, steps=kaplan_meier(times, observed), events=sum(observed), times=times)
