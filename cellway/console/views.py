"""Staff console: thin views over the selectors and services.

Every case is fetched through `get_case` (404 outside one's scope); every
write is a service call; a refusal is shown to the person with what they
typed kept (422), and a role that may not act gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, ForeignObjectRel, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from cellway.accounts.models import User
from cellway.billing import services as billing
from cellway.billing.models import Quote, balance_due_on, deposit_due_on
from cellway.billing.selectors import Account
from cellway.cases import services as cases
from cellway.cases.models import Case
from cellway.cases.selectors import get_case, suggested_specialists, timeline, visible_cases
from cellway.cases.stages import ENDINGS, FINAL, LABELS, MAIN_PATH, Stage
from cellway.clinic import clinic_today
from cellway.console import forms
from cellway.console.queues import BY_KEY, QUEUES, queues_for
from cellway.errors import NotAllowed, Refusal
from cellway.outcomes.models import FollowUpAssessment
from cellway.plans import selectors as plans_selectors
from cellway.plans import services as plans
from cellway.plans.models import PlanStatus, ScreeningResult, Verdict
from cellway.records import selectors as records_selectors
from cellway.records import services as records
from cellway.records import views as records_views
from cellway.records.models import RecordItem
from cellway.records.selectors import with_missing_count as _with_missing
from cellway.travel import services as travel
from cellway.travel.models import LogisticsTask
from cellway.treatment import services as treatment
from cellway.treatment.models import PostTreatmentProtocol

PAGE_SIZE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    mine = queues_for(user.role_names)
    visible = visible_cases(user)
    counts = dict(visible.values_list("stage").annotate(n=Count("id")).order_by())
    cards = [(q, sum(counts.get(s.value, 0) for s in q.stages)) for q in mine]
    return render(request, "console/home.html", {"cards": cards, "no_role": not user.role_names})


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
    cases = qs.filter(pk__in=cast("QuerySet[Case, dict[str, Any]]", page.object_list))
    if q.show_missing:
        missing = _with_missing(Case.objects.filter(pk=OuterRef("pk")).order_by()).values("missing")
        cases = cases.annotate(missing=Subquery(missing))
    rows = [
        (
            case,
            deposit_due_on(case.arrival_date) if case.arrival_date else None,
            balance_due_on(case.first_therapy_day) if case.first_therapy_day else None,
        )
        for case in cases
    ]
    return render(request, "console/queue.html", {"queue": q, "page": page, "rows": rows, "queues": QUEUES})


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    qs = visible_cases(user)
    term = request.GET.get("q", "").strip()
    if term:
        qs = qs.filter(Q(code__icontains=term) | Q(patient__full_name__icontains=term) | Q(patient__email__iexact=term))
    stage = request.GET.get("stage", "")
    if stage in Stage.__members__.values() or stage in {s.value for s in Stage}:
        qs = qs.filter(stage=stage)
    page = Paginator(qs.order_by("-opened_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "console/case_list.html", {"page": page, "term": term, "stage": stage, "stages": [(s.value, LABELS[s]) for s in Stage]}
    )


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
    return render(request, "console/inquiry_form.html", {"form": form}, status=422 if form.is_bound else 200)


# --- The case page -----------------------------------------------------------------


# The case's related rows the page shows below the records checklist.
SECTIONS = ("plans", "quotes", "screenings", "payments", "balance_overrides", "logistics_tasks", "sessions", "protocol", "follow_ups")


def _has_rows(case: Case, relations: tuple[str, ...]) -> set[str]:
    """Which of `case`'s reverse relations hold rows, in one query of EXISTS probes.

    Written as SQL from the models' own table and column names: the same probes
    through the ORM cost several times more to build than to run.
    """
    qn = connection.ops.quote_name
    probes: list[str] = []
    for name in relations:
        rel = Case._meta.get_field(name)
        assert isinstance(rel, ForeignObjectRel)
        table, column = rel.field.model._meta.db_table, rel.field.column
        assert column is not None
        # Names from the models, quoted; the value is a bound parameter.
        probes.append(f"EXISTS (SELECT 1 FROM {qn(table)} WHERE {qn(column)} = %s)")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(probes), [case.pk] * len(probes))
        row = cursor.fetchone()
    return {name for name, present in zip(relations, row, strict=True) if present}


def case_context(request: HttpRequest, case: Case, bound: dict[str, djforms.BaseForm] | None = None) -> dict[str, Any]:
    """Everything the case page shows, in a bounded number of queries whatever the case's history."""
    user: User = request.user  # type: ignore[assignment]
    stage = case.stage_enum
    is_specialist = case.specialist_id == user.pk
    items = records_selectors.checklist(case)
    items.documents = plans_selectors.documents_for([case]).get(case.pk, [])
    # Most cases never get past records and triage: one query tells which of
    # the later sections hold rows, and only those are read.
    has = _has_rows(case, SECTIONS)
    plan_list = list(case.plans.select_related("signature__signer", "written_by").order_by("-version")) if "plans" in has else []
    signed_plan = next((p for p in plan_list if p.status == PlanStatus.SIGNED), None)
    draft_plan = next((p for p in plan_list if p.status == PlanStatus.DRAFT), None)
    quotes = list(case.quotes.select_related("issued_by", "acceptance_recorded_by").order_by("-version")) if "quotes" in has else []
    current_quote = next((q for q in quotes if q.status in ("issued", "accepted")), None)
    screenings = (
        list(case.screenings.select_related("recorded_by", "judged_by", "signature").order_by("-sample_date", "-recorded_at"))
        if "screenings" in has
        else []
    )
    pending = next((s for s in screenings if s.verdict == Verdict.PENDING), None)
    payments = list(case.payments.select_related("recorded_by")) if "payments" in has else []
    accepted = next((q for q in quotes if q.status == "accepted"), None)
    paid = sum((p.amount for p in payments), Decimal(0))
    acct = Account(quote=accepted, paid=paid)
    overrides = list(case.balance_overrides.select_related("granted_by")) if "balance_overrides" in has else []
    tasks = list(case.logistics_tasks.select_related("confirmed_by")) if "logistics_tasks" in has else []
    sessions = list(case.sessions.select_related("given_by")) if "sessions" in has else []
    protocol = PostTreatmentProtocol.objects.filter(case=case).select_related("issued_by").first() if "protocol" in has else None
    follow_ups = list(case.follow_ups.select_related("completed_by")) if "follow_ups" in has else []
    open_case = stage not in FINAL

    can = {
        "records": user.has_perm("records.manage_records") and stage in records.EDITABLE,
        "complete_records": user.has_perm("records.manage_records") and stage == Stage.INQUIRY,
        "reopen_records": user.has_perm("records.manage_records") and stage == Stage.TRIAGE,
        "assign": user.has_perm("cases.assign_case") and stage in (Stage.TRIAGE, Stage.REVIEW),
        "plan": is_specialist and stage == Stage.REVIEW and user.has_perm("plans.write_plan"),
        "revise_plan": is_specialist and stage == Stage.QUOTED,
        "accept_quote": user.has_perm("billing.record_acceptance") and stage == Stage.QUOTED,
        "revise_quote": user.has_perm("billing.issue_quote") and stage == Stage.QUOTED,
        "record_screening": user.has_perm("plans.record_screening") and stage in plans.SCREENING_STAGES,
        "judge": is_specialist and stage == Stage.ACCEPTED and pending is not None,
        "schedule": user.has_perm("travel.schedule_case") and stage in ({Stage.CLEARED} | travel.RESCHEDULABLE),
        "payment": user.has_perm("billing.record_payment") and stage in billing.PAYABLE and acct.balance_open,
        "override": user.has_perm("billing.override_balance")
        and stage in (Stage.DEPOSIT_PAID, Stage.ARRIVED, Stage.IN_TREATMENT)
        and acct.balance_open
        and not overrides,
        "confirm": user.has_perm("travel.confirm_logistics") and stage in travel.DEPOSIT_STAGES,
        "arrive": user.has_perm("travel.mark_arrived") and stage in (Stage.DEPOSIT_PAID, Stage.PAID),
        "session": user.has_perm("treatment.log_session") and stage in (Stage.ARRIVED, Stage.IN_TREATMENT),
        "complete": is_specialist and stage == Stage.IN_TREATMENT,
        "protocol": is_specialist and stage == Stage.TREATED,
        "assessment": user.has_perm("outcomes.record_assessment") and stage == Stage.FOLLOW_UP,
        "end": user.has_perm("cases.end_case") and open_case,
    }
    bound = bound or {}
    plan_initial = {f: getattr(draft_plan or signed_plan, f) for f in plans.PLAN_FIELDS} if (draft_plan or signed_plan) else {}
    ctx: dict[str, Any] = {
        "case": case,
        "can": can,
        "items": items,
        "signed_plan": signed_plan,
        "draft_plan": draft_plan,
        "quotes": quotes,
        "current_quote": current_quote,
        "screenings": screenings,
        "pending": pending,
        "payments": payments,
        "account": acct,
        "overrides": overrides,
        "tasks": tasks,
        "sessions": sessions,
        "protocol": protocol,
        "follow_ups": follow_ups,
        "events": list(timeline(case)),
        "stage_bar": _stage_bar(stage),
        "ended": stage in ENDINGS,
        "deposit_due": deposit_due_on(case.arrival_date) if case.arrival_date else None,
        "balance_due": balance_due_on(case.first_therapy_day) if case.first_therapy_day else None,
        "suggestions": suggested_specialists(case) if can["assign"] else [],
        "f": {
            "assign": bound.get("assign") or forms.AssignForm(),
            "plan": bound.get("plan") or forms.PlanForm(initial=plan_initial),
            "sign": bound.get("sign") or forms.SignForm(),
            "screening": bound.get("screening") or forms.ScreeningForm(),
            "judge": bound.get("judge") or forms.JudgeForm(initial={"result": pending.uuid if pending else None}),
            "schedule": bound.get("schedule")
            or forms.ScheduleForm(initial={"arrival_date": case.arrival_date, "first_therapy_day": case.first_therapy_day}),
            "payment": bound.get("payment")
            or forms.PaymentForm(initial={"amount": _suggested_amount(acct), "received_on": clinic_today()}),
            "override": bound.get("override") or forms.OverrideForm(),
            "revise_quote": bound.get("revise_quote") or forms.ReviseQuoteForm(),
            "session": bound.get("session") or forms.SessionForm(),
            "protocol": bound.get("protocol") or forms.ProtocolForm(),
            "end": bound.get("end") or forms.EndCaseForm(initial={"version": case.version}),
            "reason": bound.get("reason") or forms.ReasonForm(),
        },
    }
    for key, form in ctx["f"].items():
        # Several forms on one page: each its own ids, so every label finds its field.
        form.auto_id = f"{key}-%s"
    return ctx


def _suggested_amount(acct: Account) -> Any:
    if acct.quote is None:
        return None
    return acct.quote.deposit - acct.paid if not acct.deposit_paid else acct.outstanding


def _stage_bar(stage: Stage) -> list[tuple[str, str]]:
    if stage in ENDINGS:
        return []
    here = MAIN_PATH.index(stage)
    return [(LABELS[s], "done" if i < here else "current" if i == here else "") for i, s in enumerate(MAIN_PATH)]


@login_required
def case_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    case = get_case(request.user, uuid)  # type: ignore[arg-type]
    return render(request, "console/case_detail.html", case_context(request, case))


@login_required
def protocol_document(request: HttpRequest, uuid: str) -> HttpResponse:
    case = get_case(request.user, uuid)  # type: ignore[arg-type]
    protocol = PostTreatmentProtocol.objects.filter(case=case).select_related("issued_by", "signature").first()
    if protocol is None:
        raise Http404("No protocol has been issued for this case.")
    return render(request, "console/protocol.html", {"case": case, "protocol": protocol, "follow_ups": list(case.follow_ups.all())})


# The download lives with the records app (scan status, quarantine, read trail); the console URL stays.
record_file = records_views.download


# --- Actions: one form, one service call ---------------------------------------------

Handler = Callable[[Case, dict[str, Any], User], str]


def _action(form_class: type[djforms.BaseForm] | None, name: str, handler: Handler) -> Callable[..., HttpResponse]:
    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest, uuid: str) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        case = get_case(user, uuid)
        if request.method == "GET":
            # A reload of the address a refused form left in the bar: show the case.
            return redirect("console:case", uuid=case.uuid)
        form = form_class(request.POST, request.FILES) if form_class else None
        if form is not None and not form.is_valid():
            messages.error(request, "Please correct the highlighted fields.")
            return _refused_page(request, case, {name: form})
        try:
            done = handler(case, form.cleaned_data if form else {}, user)
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.message) from None
        except Refusal as refusal:
            messages.error(request, refusal.message)
            case.refresh_from_db()
            return _refused_page(request, case, {name: form} if form else None)
        messages.success(request, done)
        return redirect(reverse("console:case", kwargs={"uuid": case.uuid}) + f"#{name}")

    view.__name__ = f"act_{name}"
    return view


def _refused_page(request: HttpRequest, case: Case, bound: dict[str, djforms.BaseForm] | None) -> HttpResponse:
    """The case page again, with the refusal, what was typed, and the case's own address in the bar."""
    response = render(request, "console/case_detail.html", case_context(request, case, bound), status=422)
    response["HX-Replace-Url"] = reverse("console:case", kwargs={"uuid": case.uuid})
    return response


def _item(case: Case, pk: int) -> RecordItem:
    try:
        return case.record_items.get(pk=pk)
    except RecordItem.DoesNotExist:
        raise Refusal("That checklist item is not part of this case.") from None


def _set_item(case: Case, d: dict[str, Any], user: User) -> str:
    item = records.set_item_status(item=_item(case, d["item"]), status=d["status"], note=d["note"], by=user)
    return f"{item.get_kind_display()} marked {item.get_status_display().lower()}."


def _attach(case: Case, d: dict[str, Any], user: User) -> str:
    record = records.attach_file(item=_item(case, d["item"]), upload=d["file"], by=user)
    return f"{record.original_name} attached."


def _complete_records(case: Case, d: dict[str, Any], user: User) -> str:
    records.mark_records_complete(case=case, by=user)
    return "Records complete; the case waits for the liaison officer."


def _reopen_records(case: Case, d: dict[str, Any], user: User) -> str:
    records.reopen_records(case=case, by=user, reason=d["reason"])
    return "Records reopened."


def _assign(case: Case, d: dict[str, Any], user: User) -> str:
    cases.assign_case(case=case, specialist=d["specialist"], by=user, reason=d["reason"])
    return f"Assigned to {d['specialist']}."


def _save_plan(case: Case, d: dict[str, Any], user: User) -> str:
    plan = plans.save_plan(case=case, by=user, **d)
    return f"Plan v{plan.version} saved as a draft. Sign it to issue the quote."


def _sign_plan(case: Case, d: dict[str, Any], user: User) -> str:
    draft = case.plans.filter(status=PlanStatus.DRAFT).first()
    if draft is None:
        raise Refusal("There is no draft plan to sign.")
    plan = plans.sign_plan(plan=draft, by=user, password=d["password"])
    return f"Plan v{plan.version} signed; the quote has been issued."


def _revise_plan(case: Case, d: dict[str, Any], user: User) -> str:
    plans.revise_plan(case=case, by=user, reason=d["reason"])
    return "The case is back in review for a new plan version."


def _accept_quote(case: Case, d: dict[str, Any], user: User) -> str:
    try:
        quote = case.quotes.get(uuid=d["quote"])
    except Quote.DoesNotExist:
        raise Refusal("That quote is not part of this case.") from None
    billing.accept_quote(quote=quote, by=user, note=d["note"])
    return f"Quote v{quote.version} accepted."


def _revise_quote(case: Case, d: dict[str, Any], user: User) -> str:
    quote = billing.revise_quote(case=case, by=user, adjustment=d["adjustment"], reason=d["reason"])
    return f"Quote v{quote.version} issued: {quote.total} {quote.currency}."


def _record_screening(case: Case, d: dict[str, Any], user: User) -> str:
    plans.record_screening(
        case=case, by=user, sample_date=d["sample_date"], markers=d["markers"], laboratory=d["laboratory"], report=d.get("report")
    )
    return "Screening result recorded; it waits for the specialist's verdict."


def _judge(case: Case, d: dict[str, Any], user: User) -> str:
    try:
        result = case.screenings.get(uuid=d["result"])
    except ScreeningResult.DoesNotExist:
        raise Refusal("That screening result is not part of this case.") from None
    plans.judge_screening(result=result, by=user, verdict=d["verdict"], reason=d["reason"], password=d["password"])
    return (
        "Screening judged satisfactory."
        if d["verdict"] == Verdict.SATISFACTORY
        else "Screening judged unsatisfactory: the case is refused."
    )


def _schedule(case: Case, d: dict[str, Any], user: User) -> str:
    case = travel.schedule_case(
        case=case, by=user, arrival_date=d["arrival_date"], first_therapy_day=d["first_therapy_day"], reason=d["reason"]
    )
    if case.stage_enum == Stage.ACCEPTED:
        return "Dates moved. The screening no longer counts for the new first therapy day: the case is back to screening."
    return "Dates saved."


def _payment(case: Case, d: dict[str, Any], user: User) -> str:
    payment = billing.record_payment(case=case, by=user, **d)
    return f"Payment of {payment.amount} {payment.currency} recorded."


def _override(case: Case, d: dict[str, Any], user: User) -> str:
    billing.grant_balance_override(case=case, by=user, reason=d["reason"], password=d["password"])
    return "Override signed: sessions may start with the balance open."


def _confirm(case: Case, d: dict[str, Any], user: User) -> str:
    try:
        task = case.logistics_tasks.get(pk=d["task"])
    except LogisticsTask.DoesNotExist:
        raise Refusal("That task is not part of this case.") from None
    task = travel.confirm_task(task=task, by=user, details=d["details"])
    return f"{task.get_kind_display()} confirmed."


def _arrive(case: Case, d: dict[str, Any], user: User) -> str:
    travel.mark_arrived(case=case, by=user)
    return "Arrival recorded."


def _session(case: Case, d: dict[str, Any], user: User) -> str:
    session = treatment.log_session(case=case, by=user, **d)
    return f"{session.get_kind_display()} logged."


def _complete(case: Case, d: dict[str, Any], user: User) -> str:
    treatment.complete_treatment(case=case, by=user)
    return "Treatment complete. Issue the post-treatment protocol next."


def _protocol(case: Case, d: dict[str, Any], user: User) -> str:
    treatment.issue_protocol(case=case, by=user, instructions=d["instructions"], password=d["password"])
    return "Protocol issued and signed; follow-up assessments are scheduled."


def _assessment(case: Case, d: dict[str, Any], user: User) -> str:
    try:
        assessment = case.follow_ups.get(pk=d["assessment"])
    except FollowUpAssessment.DoesNotExist:
        raise Refusal("That assessment is not part of this case.") from None
    treatment.complete_assessment(assessment=assessment, by=user, notes=d["notes"])
    return f"{assessment.months_after}-month assessment recorded."


def _end(case: Case, d: dict[str, Any], user: User) -> str:
    case = cases.end_case(case=case, to=Stage(d["ending"]), by=user, reason=d["reason"], expected_version=d["version"])
    return f"Case ended: {case.get_stage_display()}."


ACTIONS: dict[str, Callable[..., HttpResponse]] = {
    "item-status": _action(forms.ItemStatusForm, "records", _set_item),
    "attach": _action(forms.AttachForm, "records", _attach),
    "records-complete": _action(None, "records", _complete_records),
    "records-reopen": _action(forms.ReasonForm, "reason", _reopen_records),
    "assign": _action(forms.AssignForm, "assign", _assign),
    "plan": _action(forms.PlanForm, "plan", _save_plan),
    "plan-sign": _action(forms.SignForm, "sign", _sign_plan),
    "plan-revise": _action(forms.ReasonForm, "reason", _revise_plan),
    "quote-accept": _action(forms.AcceptQuoteForm, "quote", _accept_quote),
    "quote-revise": _action(forms.ReviseQuoteForm, "revise_quote", _revise_quote),
    "screening": _action(forms.ScreeningForm, "screening", _record_screening),
    "screening-judge": _action(forms.JudgeForm, "judge", _judge),
    "schedule": _action(forms.ScheduleForm, "schedule", _schedule),
    "payment": _action(forms.PaymentForm, "payment", _payment),
    "override": _action(forms.OverrideForm, "override", _override),
    "confirm": _action(forms.ConfirmTaskForm, "logistics", _confirm),
    "arrived": _action(None, "logistics", _arrive),
    "session": _action(forms.SessionForm, "session", _session),
    "complete": _action(None, "sessions", _complete),
    "protocol-issue": _action(forms.ProtocolForm, "protocol", _protocol),
    "assessment": _action(forms.AssessmentForm, "follow_up", _assessment),
    "end": _action(forms.EndCaseForm, "end", _end),
}


@login_required
def price_list(request: HttpRequest) -> HttpResponse:
    """The active price list and its history; the clinic administrator publishes a new version."""
    user: User = request.user  # type: ignore[assignment]
    if not (user.has_perm("billing.edit_price_list") or user.has_perm("billing.issue_quote")):
        raise PermissionDenied("The price list is for finance and the clinic administrator.")
    from cellway.billing.models import PRICE_FIELDS, PriceList, price_label

    active = PriceList.objects.filter(active=True).select_related("created_by").first()
    initial = {name: getattr(active, name) for name in PRICE_FIELDS} | {"currency": active.currency} if active else {}
    form = forms.PriceListForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not user.has_perm("billing.edit_price_list"):
            raise PermissionDenied("Only the clinic administrator changes the price list.")
        if form.is_valid():
            data = dict(form.cleaned_data)
            currency = data.pop("currency").upper()
            try:
                new = billing.publish_price_list(by=user, currency=currency, prices=data)
            except Refusal as refusal:
                messages.error(request, refusal.message)
            else:
                messages.success(request, f"Price list v{new.version} is now active. Quotes already issued keep their prices.")
                return redirect("console:price_list")
        status = 422
    rows = [(price_label(n), getattr(active, n) if active else None) for n in PRICE_FIELDS]
    history = PriceList.objects.select_related("created_by").order_by("-version")[:20]
    return render(
        request,
        "console/price_list.html",
        {"active": active, "rows": rows, "form": form, "history": history, "can_edit": user.has_perm("billing.edit_price_list")},
        status=status,
    )
