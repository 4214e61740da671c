"""Reads of the outcomes registry, scoped to the person asking.

A patient's measures are reached through their case (`get_case`: 404 outside
one's scope); seeing them also takes `outcomes.view_outcomes` (403 without),
the follow-up registry `outcomes.view_registry`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.cases.selectors import visible_cases
from cellway.cases.stages import Stage
from cellway.errors import NotAllowed
from cellway.outcomes import conf
from cellway.outcomes.confirmed_change import Event, Rules, Subject, detect_events
from cellway.outcomes.models import FollowUpAssessment, MriScan, Relapse, ReportedScore, Visit

VIEW_REGISTRY = "outcomes.view_registry"
# The events shown on a patient's page: every confirmed change, baseline
# re-set after each (roving), confirmed at 12 weeks (84 days) -- the usual
# reading for a clinic following one patient.
PATIENT_RULES = {
    outcome: Rules(outcome=outcome, event="multiple", baseline="roving", conf_days=(84,)) for outcome in ("edss", "t25fw", "nhpt")
}
OUTCOME_LABELS = {"edss": "EDSS", "t25fw": "Timed 25-foot walk (s)", "nhpt": "9-hole peg test, mean of hands (s)"}


def require_registry(user: User) -> None:
    if not user.has_perm(VIEW_REGISTRY):
        raise NotAllowed("Your role does not show the follow-up registry.")


@dataclass
class History:
    """Everything measured for one case, oldest first."""

    case: Case
    visits: list[Visit]
    relapses: list[Relapse]
    scans: list[MriScan]
    therapy_days: list[dt.date]
    follow_ups: list[FollowUpAssessment]
    events: dict[str, list[Event]] = field(default_factory=dict)

    def series(self, outcome: str) -> list[tuple[dt.date, float]]:
        """(date, value) of one outcome at the visits where it was measured."""
        out = []
        for v in self.visits:
            value = {"edss": v.edss, "t25fw": v.t25fw_seconds, "nhpt": v.nhpt_seconds}[outcome]
            if value is not None:
                out.append((v.seen_on, float(value)))
        return out

    def confirmed(self) -> list[tuple[str, Event]]:
        """Every confirmed event of every outcome, by onset date."""
        found = [(outcome, e) for outcome, events in self.events.items() for e in events if e.nevent]
        return sorted(found, key=lambda pair: (pair[1].date or dt.date.min, pair[0]))


def history(case: Case) -> History:
    """A case's measures and its confirmed events (in a fixed number of queries)."""
    visits = list(
        case.outcome_visits.select_related("assessment", "recorded_by").prefetch_related(
            Prefetch("reported", queryset=ReportedScore.objects.select_related("measure").order_by("measure__name"))
        )
    )
    relapses = list(case.relapses.all())
    scans = list(case.mri_scans.all())
    therapy_days = sorted(set(case.sessions.filter(kind__in=["iv", "it"]).values_list("day", flat=True)))
    follow_ups = list(case.follow_ups.select_related("completed_by"))
    h = History(case, visits, relapses, scans, therapy_days, follow_ups)
    relapse_days = [r.onset_on for r in relapses]
    for outcome, rules in PATIENT_RULES.items():
        h.events[outcome] = detect_events(Subject(case.code, h.series(outcome), relapse_days), rules)
    return h


def open_assessments(case: Case) -> list[FollowUpAssessment]:
    return list(case.follow_ups.filter(completed_at__isnull=True, missed__isnull=True).order_by("due_on"))


@dataclass(frozen=True)
class OverdueRow:
    assessment: FollowUpAssessment
    days_overdue: int
    lost: bool


def overdue(user: User, today: dt.date) -> list[OverdueRow]:
    """Assessments past due and not recorded, of the cases in follow-up the user can see, most overdue first."""
    require_registry(user)
    cases = visible_cases(user).filter(stage=Stage.FOLLOW_UP)
    qs: QuerySet[FollowUpAssessment] = (
        FollowUpAssessment.objects.filter(case__in=cases.values("pk"), completed_at__isnull=True, missed__isnull=True, due_on__lt=today)
        .select_related("case__patient", "case__condition", "case__specialist")
        .order_by("due_on", "pk")
    )
    lost_after = conf.lost_after_days()
    return [OverdueRow(a, (today - a.due_on).days, (today - a.due_on).days > lost_after) for a in qs]


def due_soon(user: User, today: dt.date, days: int = 30) -> QuerySet[FollowUpAssessment]:
    require_registry(user)
    cases = visible_cases(user).filter(stage=Stage.FOLLOW_UP)
    return (
        FollowUpAssessment.objects.filter(
            case__in=cases.values("pk"),
            completed_at__isnull=True,
            missed__isnull=True,
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=days),
        )
        .select_related("case__patient", "case__specialist")
        .order_by("due_on", "pk")
    )


def last_treatment_day(case: Case) -> dt.date | None:
    """The day of the last session given: follow-up is counted from it."""
    return case.sessions.order_by("-day").values_list("day", flat=True).first()
