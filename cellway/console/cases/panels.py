"""The spine's panels of the case page: the patient, assignment, ending the case, the timeline, the stage bar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cellway.cases import selectors
from cellway.cases.models import Case, CaseEvent
from cellway.cases.parts import Part
from cellway.cases.services import check_assign, check_end_case, check_link_patient
from cellway.cases.stages import ENDINGS, LABELS, MAIN_PATH, Stage
from cellway.console.cases import forms
from cellway.console.panels import CasePage, Panel
from cellway.errors import allowed

__all__ = ["ENDINGS", "assign", "end", "end_reason", "link_patient", "patient", "stage_bar", "timeline"]


def stage_bar(case: Case, history: list[CaseEvent] | None = None) -> list[dict[str, Any]]:
    """The journey so far, as it really went: a stage the case went past without reaching is shown as skipped.

    Arrived with the balance open under a finance manager's override, the case
    never was "Paid in full", and the bar says so.
    """
    stage = case.stage_enum
    if stage in ENDINGS:
        return []
    here = MAIN_PATH.index(stage)
    reached = selectors.stages_reached(case, history)
    bar = []
    for i, s in enumerate(MAIN_PATH):
        if i == here:
            state = "current"
        elif i > here:
            state = ""
        else:
            state = "done" if s in reached else "skipped"
        label = LABELS[s]
        if state == "skipped" and s == Stage.PAID:
            label = "Not paid in full"
        bar.append({"label": label, "state": state})
    return bar


def end_reason(page: CasePage) -> str:
    """Why the case ended, unless the reason comes from a part this person does not read (an unsatisfactory screening)."""
    case = page.case
    if case.stage_enum not in ENDINGS:
        return ""
    history = whole_history(page)
    if history is not None:
        ending = next((e for e in history if e.to_stage == case.stage), None)
    else:
        ending = case.events.filter(to_stage=case.stage).order_by("-at", "-id").first()
    return case.end_reason if ending is None or detail_readable(page, ending) else ""


def patient(page: CasePage) -> Panel:
    case = page.case
    message = case.inquiry.message if case.inquiry and page.reads(Part.INQUIRY) else ""
    return Panel(
        "patient",
        "console/panels/patient.html",
        {
            "contact": page.reads(Part.CONTACT),
            "inquiry": case.inquiry if page.reads(Part.INQUIRY) else None,
            "message": message,
            # Long messages show their first lines; the rest opens on demand.
            "message_is_long": len(message) > 400 or message.count("\n") > 5,
        },
        aside=True,
        medical=bool(message),
    )


def assign(page: CasePage) -> Panel | None:
    case = page.case
    if not allowed(check_assign, case=case, by=page.user):
        return None
    form = page.form("assign", lambda: forms.AssignForm(initial={"seen": case.specialist_id}))
    return Panel(
        "assign",
        "console/panels/assign.html",
        {"suggestions": selectors.suggested_specialists(case), "form": form},
    )


def link_patient(page: CasePage) -> Panel | None:
    """A website inquiry whose person matches an existing patient: offer to make the case theirs."""
    case = page.case
    if not allowed(check_link_patient, case=case, by=page.user):
        return None
    return Panel("link-patient", "console/panels/link_patient.html", {"inquiry": case.inquiry})


def end(page: CasePage) -> Panel | None:
    case = page.case
    if not allowed(check_end_case, case=case, by=page.user):
        return None
    form = page.form("end", lambda: forms.EndCaseForm(initial={"version": case.version}))
    return Panel("end", "console/panels/end.html", {"form": form, "open": page.is_open("end")}, aside=True)


TIMELINE_LATEST = 30
TIMELINE_ALL = 2000


@dataclass(frozen=True)
class TimelineRow:
    event: CaseEvent
    summary: str
    reason: str
    note: str = ""  # a note typed with what the event records (a session's, a visit's)


def timeline(page: CasePage) -> Panel:
    """What happened to the case, limited to the parts of it this person may read.

    A stage change is everyone's to see, but its summary and reason may come
    from a part this person does not read (a screening verdict's reason): then
    only the move itself is shown.
    """
    whole = page.request.GET.get("timeline") == "all"
    # The latest events; a long history is one click away, not rendered on every visit.
    limit = TIMELINE_ALL if whole else TIMELINE_LATEST
    events = list(selectors.timeline(page.case, page.user, limit=limit + 1))
    # The whole history, when it fits: the stage bar and the ending's reason read it instead of asking again.
    page.shared[WHOLE_HISTORY] = events if len(events) <= limit else None
    rows = [_row(page, e) for e in events[:limit]]
    context = {"events": [r.event for r in rows], "rows": rows, "more": len(events) > limit and not whole}
    return Panel("timeline", "console/panels/timeline.html", context, aside=True)


WHOLE_HISTORY = "whole_history"


def whole_history(page: CasePage) -> list[CaseEvent] | None:
    """The case's whole timeline (newest first) if the timeline panel read all of it, else None."""
    history: list[CaseEvent] | None = page.shared.get(WHOLE_HISTORY)
    return history


def _row(page: CasePage, event: CaseEvent) -> TimelineRow:
    if detail_readable(page, event):
        return TimelineRow(event, event.summary, event.reason, str((event.data or {}).get("note", "")))
    moved = (
        f"{LABELS[Stage(event.from_stage)]} → {LABELS[Stage(event.to_stage)]}" if event.from_stage and event.to_stage else "Stage changed"
    )
    return TimelineRow(event, moved, "")


def detail_readable(page: CasePage, event: CaseEvent) -> bool:
    """Whether the summary and reason of `event` come from a part this person reads."""
    part = (event.data or {}).get("part")
    return not part or page.reads(Part(part))
