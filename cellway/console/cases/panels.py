"""The spine's panels of the case page: the patient, assignment, ending the case, the timeline, the stage bar."""

from __future__ import annotations

from typing import Any

from cellway.cases import selectors
from cellway.cases.models import Case
from cellway.cases.parts import Part
from cellway.cases.services import check_assign, check_end_case
from cellway.cases.stages import ENDINGS, LABELS, MAIN_PATH, Stage
from cellway.console.cases import forms
from cellway.console.panels import CasePage, Panel
from cellway.errors import allowed

__all__ = ["ENDINGS", "assign", "end", "patient", "stage_bar", "timeline"]


def stage_bar(case: Case) -> list[dict[str, Any]]:
    """The journey so far, as it really went: a stage the case went past without reaching is shown as skipped.

    Arrived with the balance open under a finance manager's override, the case
    never was "Paid in full", and the bar says so.
    """
    stage = case.stage_enum
    if stage in ENDINGS:
        return []
    here = MAIN_PATH.index(stage)
    reached = selectors.stages_reached(case)
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


def end(page: CasePage) -> Panel | None:
    case = page.case
    if not allowed(check_end_case, case=case, by=page.user):
        return None
    form = page.form("end", lambda: forms.EndCaseForm(initial={"version": case.version}))
    return Panel("end", "console/panels/end.html", {"form": form, "open": page.is_open("end")}, aside=True)


def timeline(page: CasePage) -> Panel:
    """What happened to the case, limited to the parts of it this person may read."""
    return Panel("timeline", "console/panels/timeline.html", {"events": list(selectors.timeline(page.case, page.user))}, aside=True)
