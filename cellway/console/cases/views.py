"""Staff pages of the spine: my work, the queues, the case list, a new inquiry, and the case page.

Every case is fetched through `get_case` (404 outside one's scope); every
write is a service call (`console.actions.case_action`).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cellway.accounts.models import User
from cellway.billing.models import balance_due_on, deposit_due_on
from cellway.cases import services as cases
from cellway.cases.models import Case
from cellway.cases.selectors import MEDICAL, get_case, search_cases, visible_cases
from cellway.cases.stages import LABELS, Stage
from cellway.console.billing import panels as billing_panels
from cellway.console.cases import forms, panels
from cellway.console.cases.queues import BY_KEY, QUEUES, queues_for
from cellway.console.conversations import panels as conversations_panels
from cellway.console.panels import CasePage, Panel, PanelSource, held_annotations
from cellway.console.plans import panels as plans_panels
from cellway.console.portal import panels as portal_panels
from cellway.console.records import panels as records_panels
from cellway.console.travel import panels as travel_panels
from cellway.console.treatment import panels as treatment_panels
from cellway.errors import Refusal
from cellway.records.selectors import with_missing_count

PAGE_SIZE = 50
# What a queue's row shows (console/cases/_case_table.html), and nothing more: fifty full cases with their
# patients, inquiries (the message) and specialists cost more to load than to draw.
QUEUE_ROW_FIELDS = (
    "uuid", "code", "stage", "stage_changed_at", "arrival_date", "first_therapy_day",
    "patient__full_name", "patient__country",
    "specialist__first_name", "specialist__last_name", "specialist__username",
    "inquiry__possible_duplicate", "inquiry__duplicate_because",
)  # fmt: skip

# The case page, top to bottom; the aside panels go to the right-hand column.
CASE_PANELS: list[PanelSource] = [
    panels.link_patient,
    records_panels.checklist,
    panels.assign,
    plans_panels.plan,
    billing_panels.quote,
    plans_panels.screening,
    travel_panels.dates,
    billing_panels.account,
    billing_panels.refund,
    travel_panels.logistics,
    treatment_panels.consent,
    treatment_panels.bedside,
    treatment_panels.sessions,
    treatment_panels.adverse_events,
    treatment_panels.protocol,
    treatment_panels.follow_up,
    treatment_panels.notes,
    conversations_panels.thread,
    panels.patient,
    portal_panels.portal_access,
    panels.end,
    panels.timeline,
]
# What the panels ask `page.holds` about, read with the case itself.
CASE_PROBES = (
    records_panels.HOLDS | plans_panels.HOLDS | billing_panels.HOLDS | travel_panels.HOLDS | treatment_panels.HOLDS | portal_panels.HOLDS
    | conversations_panels.HOLDS
)


def home(request: HttpRequest) -> HttpResponse:
    """The staff's start page; a visitor who is not signed in is on the clinic's address: the public site."""
    if not request.user.is_authenticated:
        return redirect("welcome")
    user: User = request.user
    mine = queues_for(user.role_names)
    visible = visible_cases(user)
    counts = dict(visible.values_list("stage").annotate(n=Count("id")).order_by())
    cards = [(q, sum(counts.get(s.value, 0) for s in q.stages)) for q in mine]
    return render(request, "console/cases/home.html", {"cards": cards, "no_role": not user.role_names})


@login_required
def queue(request: HttpRequest, key: str) -> HttpResponse:
    q = BY_KEY.get(key)
    if q is None:
        raise Http404("No such queue.")
    user: User = request.user  # type: ignore[assignment]
    if q not in queues_for(user.role_names):
        raise PermissionDenied("This queue belongs to another role.")
    qs = visible_cases(user).filter(stage__in=[s.value for s in q.stages]).order_by("stage_changed_at", "id")
    # The page's case ids are picked first (off the stage index), then only
    # those 50 cases are read with their patient, specialist and missing count:
    # a later page no longer joins and counts every case it skips, and the
    # page count is a plain COUNT(*). Same two queries as paginating `qs`.
    page = Paginator(qs.values("pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    cases_on_page = (
        qs.filter(pk__in=cast("QuerySet[Case, dict[str, Any]]", page.object_list))
        .select_related(None)
        .select_related("patient", "specialist", "inquiry")
        .only(*QUEUE_ROW_FIELDS)
    )
    if q.show_missing:
        missing = with_missing_count(Case.objects.filter(pk=OuterRef("pk")).order_by()).values("missing")
        cases_on_page = cases_on_page.annotate(missing=Subquery(missing))
    rows = [
        (
            case,
            deposit_due_on(case.arrival_date) if case.arrival_date else None,
            balance_due_on(case.first_therapy_day) if case.first_therapy_day else None,
        )
        for case in cases_on_page
    ]
    return render(request, "console/cases/queue.html", {"queue": q, "page": page, "rows": rows, "queues": QUEUES})


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    term = request.GET.get("q", "").strip()
    stages = [(s.value, LABELS[s]) for s in Stage]
    try:
        qs = search_cases(user, term)
    except Refusal as refusal:
        context = {"page": [], "term": "", "stage": "", "stages": stages, "refusal": refusal.message}
        return render(request, "console/cases/case_list.html", context, status=400)
    stage = request.GET.get("stage", "")
    if stage in {s.value for s in Stage}:
        qs = qs.filter(stage=stage)
    page = Paginator(qs.order_by("-opened_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "console/cases/case_list.html", {"page": page, "term": term, "stage": stage, "stages": stages})


@login_required
def new_inquiry(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not user.has_perm("cases.open_case"):
        raise PermissionDenied("Your role does not record inquiries.")
    form = forms.InquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inquiry = cases.record_inquiry(by=user, **form.cleaned_data)
            case = cases.open_case(inquiry=inquiry, by=user)
        except Refusal as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, f"Case {case.code} opened for {case.patient}.")
            return redirect("console:case", uuid=case.uuid)
    return render(request, "console/cases/inquiry_form.html", {"form": form}, status=422 if form.is_bound else 200)


@login_required
def case_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    case = get_case(request.user, uuid, related=("inquiry",), annotations=held_annotations(CASE_PROBES))  # type: ignore[arg-type]
    return render_case_page(request, case)


def case_panels(page: CasePage) -> list[Panel]:
    return [panel for source in CASE_PANELS if (panel := source(page)) is not None]


def render_case_page(
    request: HttpRequest,
    case: Case,
    *,
    bound: dict[str, Any] | None = None,
    refused: tuple[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    page = CasePage(request=request, user=user, case=case, bound=bound or {}, refused=refused, probes=CASE_PROBES)
    shown = case_panels(page)
    if any(p.medical for p in shown):
        cases.record_medical_read(case=case, by=user, subject="case-page", summary="Opened the case page")
    context = {
        "case": case,
        "page": page,
        "main": [p for p in shown if not p.aside],
        "aside": [p for p in shown if p.aside],
        "stage_bar": panels.stage_bar(case, panels.whole_history(page)),
        "ended": case.stage_enum in panels.ENDINGS,
        "end_reason": panels.end_reason(page),
        "medical_parts": MEDICAL,
    }
    return render(request, "console/cases/case_detail.html", context, status=status)
