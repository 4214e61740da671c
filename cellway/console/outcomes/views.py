"""Outcomes pages: a patient's measures over time, the follow-up registry, the cohort report, the FHIR export.

Thin views: cases through `get_case` (404 outside one's scope), reading
measures takes `outcomes.view_outcomes` (403 without), every write is a
service call; a refusal is shown with what was typed kept (422).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cellway.accounts.models import User
from cellway.cases.models import Case, Condition
from cellway.cases.parts import Part
from cellway.cases.selectors import get_case, may_read
from cellway.cases.services import record_medical_read, record_medical_reads
from cellway.clinic import clinic_today
from cellway.console.access import require_part
from cellway.console.outcomes import forms
from cellway.console.treatment.forms import AdverseEventForm
from cellway.errors import NotAllowed, Refusal, StageConflict, allowed
from cellway.outcomes import charts, cohort, conf, fhir, selectors, services
from cellway.outcomes.confirmed_change import Event
from cellway.outcomes.models import FS_FIELDS
from cellway.outcomes.stats import survival_at
from cellway.portal import selectors as portal_selectors
from cellway.portal import services as portal_services
from cellway.portal.models import PatientReport, ReviewDecision
from cellway.treatment import selectors as treatment_selectors

SERIES = [
    ("edss", "EDSS", "EDSS", 10.0),
    ("t25fw", "Timed 25-foot walk", "s", None),
    ("nhpt", "9-hole peg test (mean of hands)", "s", None),
]
EVENT_NAMES = {"CDW": "Confirmed worsening", "CDI": "Confirmed improvement"}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _viewable_case(request: HttpRequest, uuid: str) -> Case:
    """The case if in scope (else 404) and the person reads outcome measures (else 403)."""
    case = get_case(_user(request), uuid)
    require_part(_user(request), Part.OUTCOMES)
    return case


def _event_title(outcome: str, e: Event) -> str:
    kind = EVENT_NAMES.get(e.event_type, e.event_type)
    if e.CDW_type:
        kind += f" ({e.CDW_type})"
    conf = e.confirmations[0].date if e.confirmations else None
    return f"{kind} of {selectors.OUTCOME_LABELS[outcome]}: {e.bl_value:g} → {e.value:g} from {e.date:%d %b %Y}" + (
        f", confirmed {conf:%d %b %Y}" if conf else ""
    )


def patient_context(request: HttpRequest, case: Case, bound: dict[str, djforms.Form] | None = None) -> dict[str, Any]:
    user = _user(request)
    h = selectors.history(case)
    relapse_days = [r.onset_on for r in h.relapses]
    charts_out = []
    for outcome, title, unit, ceiling in SERIES:
        points = h.series(outcome)
        if not points:
            continue
        marks = [
            charts.Mark(e.date, float(e.value), e.event_type, _event_title(outcome, e))
            for e in h.events[outcome]
            if e.nevent and e.date is not None and e.value is not None
        ]
        svg = charts.series_svg(
            title=f"{title} of {case.patient} over time",
            unit=unit,
            points=points,
            therapy_days=h.therapy_days,
            relapses=relapse_days,
            marks=marks,
            y_ceiling=ceiling,
        )
        charts_out.append({"title": title, "svg": mark_safe(svg), "n": len(points)})  # noqa: S308 - built by charts.py, every text escaped
    events = [{"outcome": selectors.OUTCOME_LABELS[o], "e": e, "title": _event_title(o, e)} for o, e in h.confirmed()]
    can_record = user.has_perm("outcomes.record_assessment") and case.stage_enum in services.MEASURABLE
    open_assessments = [a for a in h.follow_ups if a.completed_at is None]
    bound = bound or {}
    nearest = min(open_assessments, key=lambda a: abs((a.due_on - clinic_today()).days), default=None)
    visit_form = bound.get("visit") or forms.VisitForm(
        assessments=open_assessments, initial={"seen_on": clinic_today(), "assessment": nearest.pk if nearest else None}
    )
    return {
        "case": case,
        "h": h,
        "charts": charts_out,
        "events": events,
        "can_record": can_record,
        "visit_form": visit_form,
        "relapse_form": bound.get("relapse") or forms.RelapseForm(),
        "mri_form": bound.get("mri") or forms.MriForm(),
        # Adverse events are part of treatment: shown to those who may read it (the same roles as outcomes).
        "adverse_events": treatment_selectors.adverse_events(case) if may_read(user, Part.TREATMENT) else None,
        "notes": treatment_selectors.notes(case, outcomes=True) if may_read(user, Part.TREATMENT) else None,
        "today": clinic_today(),
    }


@login_required
@require_GET
def patient(request: HttpRequest, uuid: str) -> HttpResponse:
    case = _viewable_case(request, uuid)
    record_medical_read(case=case, by=_user(request), subject="outcomes", summary="Opened the outcome measures")
    return render(request, "console/outcomes/patient.html", patient_context(request, case))


Handler = Callable[[Case, djforms.Form, User], str]


def _write(name: str, form_factory: Callable[[HttpRequest, Case], djforms.Form], handler: Handler) -> Callable[..., HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, uuid: str) -> HttpResponse:
        case = _viewable_case(request, uuid)
        form = form_factory(request, case)
        if not form.is_valid():
            messages.error(request, "Please correct the highlighted fields.")
            return render(request, "console/outcomes/patient.html", patient_context(request, case, {name: form}), status=422)
        try:
            done = handler(case, form, _user(request))
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.message) from None
        except Refusal as refusal:
            messages.error(request, refusal.message)
            return render(request, "console/outcomes/patient.html", patient_context(request, case, {name: form}), status=422)
        messages.success(request, done)
        return redirect(reverse("outcomes:patient", kwargs={"uuid": case.uuid}) + f"#{name}")

    view.__name__ = f"record_{name}"
    return view


def _visit_form(request: HttpRequest, case: Case) -> djforms.Form:
    return forms.VisitForm(request.POST, assessments=selectors.open_assessments(case))


def _record_visit(case: Case, form: djforms.Form, user: User) -> str:
    visit = services.record_visit(case=case, by=user, **form.service_kwargs())  # type: ignore[attr-defined]
    edss = f" EDSS {visit.edss}." if visit.edss is not None else ""
    return f"Visit of {visit.seen_on:%d %b %Y} recorded.{edss}"


def _record_relapse(case: Case, form: djforms.Form, user: User) -> str:
    relapse = services.record_relapse(case=case, by=user, **form.cleaned_data)
    return f"Relapse from {relapse.onset_on:%d %b %Y} recorded."


def _record_mri(case: Case, form: djforms.Form, user: User) -> str:
    scan = services.record_mri(case=case, by=user, **form.cleaned_data)
    return f"MRI of {scan.scanned_on:%d %b %Y} recorded."


record_visit = _write("visit", _visit_form, _record_visit)
record_relapse = _write("relapse", lambda request, case: forms.RelapseForm(request.POST), _record_relapse)
record_mri = _write("mri", lambda request, case: forms.MriForm(request.POST), _record_mri)


@login_required
@require_POST
def edss_preview(request: HttpRequest, uuid: str) -> HttpResponse:
    """The EDSS computed from the scores typed so far (htmx swaps it in beside the form)."""
    case = _viewable_case(request, uuid)
    if not _user(request).has_perm("outcomes.record_assessment"):
        raise PermissionDenied("Your role does not record visits.")
    scores = {name: request.POST.get(name, "").strip() for name in FS_FIELDS}
    computed, error = None, ""
    try:
        computed, _ = services.computed_edss(scores)
    except Refusal as refusal:
        error = refusal.message
    chosen = request.POST.get("edss", "")
    differs = bool(chosen) and computed is not None and chosen != f"{computed:.1f}"
    return render(request, "console/outcomes/_edss_preview.html", {"case": case, "computed": computed, "error": error, "differs": differs})


@login_required
@require_GET
def fhir_export(request: HttpRequest, uuid: str) -> HttpResponse:
    """The patient's observations as a FHIR R4B Bundle (JSON); the read is written to the case trail."""
    case = _viewable_case(request, uuid)
    bundle = fhir.case_bundle(case)
    record_medical_read(case=case, by=_user(request), subject="fhir", summary="Outcome observations exported as FHIR")
    response = HttpResponse(bundle.model_dump_json(exclude_none=True, indent=2), content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="{case.code}-observations.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def registry(request: HttpRequest) -> HttpResponse:
    """Who is overdue for follow-up, and who is due in the next 30 days (in the user's scope)."""
    user = _user(request)
    today = clinic_today()
    try:
        rows = selectors.overdue(user, today)
        soon = list(selectors.due_soon(user, today))
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    return render(
        request,
        "console/outcomes/registry.html",
        {"rows": rows, "soon": soon, "today": today, "lost_after": conf.lost_after_days(), "lost": sum(r.lost for r in rows)},
    )


@login_required
@require_GET
def cohort_report(request: HttpRequest) -> HttpResponse:
    """The clinic's outcomes by condition and period, with intervals; small figures withheld."""
    user = _user(request)
    if not user.has_perm("outcomes.view_cohort_report"):
        raise PermissionDenied("Your role does not show the cohort report.")
    today = clinic_today()
    ms = Condition.objects.filter(code="ms").first() or Condition.objects.first()
    initial = {"condition": ms.pk if ms else None, "start": dt.date(today.year - 3, 1, 1), "end": today}
    form = forms.CohortForm(request.GET if "condition" in request.GET else initial)
    result, curves = None, []
    if form.is_valid():
        result = cohort.report(today=today, **form.cleaned_data)
        curves = [
            {
                "c": c,
                "svg": mark_safe(charts.survival_svg(title=c.label, steps=c.steps)) if c.shown else "",  # noqa: S308 - escaped by charts.py
                "marks": [cohort_point(c, months) for months in (6, 12, 24)] if c.shown else [],
            }
            for c in result.curves
        ]
    return render(
        request, "console/outcomes/cohort.html", {"form": form, "r": result, "curves": curves, "lost_after": conf.lost_after_days()}
    )


def cohort_point(curve: cohort.Curve, months: int) -> dict[str, Any]:
    days = months * 30.4375
    return {"months": months, "s": survival_at(curve.steps, days), "at_risk": curve.at_risk(days)}


# --- Reports from home (relapse or new symptom, adverse-event candidates) ------------------------------------------

REPORTS_PER_PAGE = 50


@login_required
@require_GET
def patient_reports(request: HttpRequest) -> HttpResponse:
    """The reports patients sent from home, in the user's scope: waiting ones first, then the newest. Treatment
    content: 403 for a role that does not read it; each case shown is a medical read on its trail."""
    user = _user(request)
    try:
        rows = portal_selectors.patient_reports(user)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    page = Paginator(rows, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    record_medical_reads(cases=[r.case for r in page], by=user, subject="portal-reports", summary="Read the reports from home")
    return render(
        request,
        "console/outcomes/reports.html",
        {"page": page, "may_review": user.has_perm(portal_selectors.REVIEW_PERMISSION)},
    )


def _review_forms(request: HttpRequest, report: PatientReport) -> tuple[forms.ReviewReportForm, AdverseEventForm, forms.RelapseForm]:
    # The adverse event's and the relapse's fields are needed only when recording one: the browser must not ask for
    # them otherwise.
    if request.method == "POST":
        return (
            forms.ReviewReportForm(request.POST),
            AdverseEventForm(request.POST, prefix="ae", use_required_attribute=False),
            forms.RelapseForm(request.POST, prefix="relapse", use_required_attribute=False),
        )
    initial = {"onset_on": report.started_on, "description": report.description}
    return (
        forms.ReviewReportForm(),
        AdverseEventForm(prefix="ae", initial=initial, use_required_attribute=False),
        forms.RelapseForm(prefix="relapse", initial={"onset_on": report.started_on}, use_required_attribute=False),
    )


@login_required
@require_http_methods(["GET", "POST"])
def patient_report(request: HttpRequest, uuid: str) -> HttpResponse:
    """One report from home and, for whoever reviews it, the review: an adverse event recorded, or judged not one."""
    user = _user(request)
    try:
        report = portal_selectors.patient_report(user, uuid)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    record_medical_read(case=report.case, by=user, subject=f"portal-report:{report.uuid}", summary="Read a report from home")
    form, ae_form, relapse_form = _review_forms(request, report)
    status = 200
    if request.method == "POST":
        status = _review_posted(request, report, form, ae_form, relapse_form)
        if status == 0:
            return redirect("outcomes:patient_reports")
        report = portal_selectors.patient_report(user, uuid)  # as it is now (a colleague's review, shown as refused)
    context = {
        "report": report,
        "form": form,
        "ae_form": ae_form,
        "relapse_form": relapse_form,
        "may_review": allowed(portal_services.check_review_report, report=report, by=user),
    }
    return render(request, "console/outcomes/report.html", context, status=status)


def _what_is_recorded(decision: str, ae_form: AdverseEventForm, relapse_form: forms.RelapseForm) -> dict[str, Any] | None:
    """The adverse event or the relapse the review records (as ``review_report`` takes them); None if its form is
    not valid. Only the decided one's form is read."""
    if decision == ReviewDecision.ADVERSE_EVENT:
        return {"adverse_event": ae_form.cleaned_data} if ae_form.is_valid() else None
    if decision == ReviewDecision.RELAPSE:
        return {"relapse": relapse_form.cleaned_data} if relapse_form.is_valid() else None
    return {}


def _review_posted(
    request: HttpRequest, report: PatientReport, form: forms.ReviewReportForm, ae_form: AdverseEventForm, relapse_form: forms.RelapseForm
) -> int:
    """Review the report as posted; the status to show the page again with, 0 when done."""
    user = _user(request)
    try:
        portal_services.check_review_report(report=report, by=user)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    except StageConflict as refusal:
        messages.error(request, refusal.message)
        return 409
    if not form.is_valid():
        messages.error(request, "Choose what the report is.")
        return 422
    decision = form.cleaned_data["decision"]
    recorded = _what_is_recorded(decision, ae_form, relapse_form)
    if recorded is None:
        messages.error(
            request, f"Please correct the highlighted fields of the {'relapse' if decision == ReviewDecision.RELAPSE else 'adverse event'}."
        )
        return 422
    try:
        done = portal_services.review_report(report=report, by=user, decision=decision, note=form.cleaned_data["note"], **recorded)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    except StageConflict as refusal:
        messages.error(request, refusal.message)
        return 409
    except Refusal as refusal:
        messages.error(request, refusal.message)
        return 422
    messages.success(request, f"{done.case.code}: report from home reviewed, {ReviewDecision(done.decision).label.lower()}.")
    return 0
