"""The portal's pages: thin views over the portal's selectors and services and the domains' own.

Every page about a case fetches the person's grant through `selectors.grant_for` / `grant_with_scope`:
a case they were not let into, or a part their grant does not open, is 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cellway.audit.services import check_signed
from cellway.billing import documents, paylinks
from cellway.billing.checkout import check_pay_by_card
from cellway.billing.models import Invoice, Quote, QuoteStatus
from cellway.billing.money import format_money
from cellway.billing.selectors import invoice_states
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today, clinic_zone
from cellway.errors import NotAllowed, Refusal, StageConflict, allowed
from cellway.outcomes.charts import series_svg
from cellway.outcomes.models import ReportedScore
from cellway.pdf import pdf_response, render_pdf
from cellway.plans.screening_rule import earliest_sample_date
from cellway.plans.selectors import valid_screening
from cellway.portal import services, thread
from cellway.portal.forms import AcceptQuoteForm, HelperForm, QuestionnaireForm, ReportForm, SignConsentForm, VisaLetterForm
from cellway.portal.models import PatientReport, PortalGrant, Scope
from cellway.portal.selectors import (
    certificates,
    grant_for,
    grant_with_scope,
    helpers,
    measures,
    open_grants,
    planned_stay,
    questionnaires_due,
    visa_letters,
)
from cellway.portal.words import FILE_STATES, INVOICE_KINDS, RECORD_KINDS, REVIEW_OUTCOMES, STANDING, TASK_KINDS
from cellway.records import public
from cellway.records import services as records
from cellway.records.models import RecordKind
from cellway.records.selectors import missing_items, sent_file_state, sent_files
from cellway.records.services import human_size
from cellway.travel.selectors import confirmed_tasks
from cellway.treatment import selectors as treatment_selectors
from cellway.treatment.models import ConsentDocument
from cellway.treatment.selectors import consents_to_sign_online
from cellway.treatment.services import CONSENT_STAGES


def _money(amount: Decimal | str, currency: str) -> str:
    return format_money(Decimal(amount), currency, translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE))


@require_GET
def sign_in(request: HttpRequest) -> HttpResponse:
    """The portal's entry: allauth's sign-in by emailed code, coming back to the portal (to the portal page a mail
    linked to, `?next=/portal/...`, else the portal's home)."""
    back = request.GET.get("next", "")
    if not back.startswith("/portal/") or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("portal:home")
    if request.user.is_authenticated:
        return redirect(back)
    return redirect(reverse("account_request_login_code") + "?" + urlencode({"next": back}))


@login_required(login_url="portal:sign_in")
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The cases the person was let into: straight to it when there is one."""
    grants = list(open_grants(request.user))
    if len(grants) == 1:
        return redirect("portal:case", uuid=grants[0].case.uuid)
    return render(request, "portal/home.html", {"grants": grants})


@dataclass(frozen=True)
class QuoteView:
    quote: Quote
    lines: list[dict[str, str]]
    total: str
    deposit: str
    digest: str
    form: AcceptQuoteForm | None


def _shown_quote(grant: PortalGrant) -> Quote | None:
    """The quote the person reads: the one to accept, or the one accepted."""
    return grant.case.quotes.filter(status__in=[QuoteStatus.ISSUED, QuoteStatus.ACCEPTED]).order_by("-version").first()


def _quote_view(grant: PortalGrant, form: AcceptQuoteForm | None = None) -> QuoteView | None:
    quote = _shown_quote(grant)
    if quote is None:
        return None
    lines = [{**line, "amount": _money(line["amount"], quote.currency)} for line in quote.lines]
    digest = quote.document_digest()
    if form is None and allowed(services.check_accept_quote, grant=grant, quote=quote):
        form = AcceptQuoteForm(initial={"quote": quote.uuid, "version": quote.version, "digest": digest})
    elif not allowed(services.check_accept_quote, grant=grant, quote=quote):
        form = None
    return QuoteView(quote, lines, _money(quote.total, quote.currency), _money(quote.deposit, quote.currency), digest, form)


def _itinerary(grant: PortalGrant) -> list[tuple[str, str]]:
    case = grant.case
    rows: list[tuple[str, str]] = []
    if case.arrival_date:
        rows.append((_("Arrival"), _date(case.arrival_date)))
    if case.first_therapy_day:
        rows.append((_("First therapy day"), _date(case.first_therapy_day)))
    for task in confirmed_tasks(case):
        rows.append((str(TASK_KINDS.get(task.kind, task.kind)), task.details or _("confirmed")))
    return rows


def _with_case(invoice: Invoice, case: Case) -> Invoice:
    invoice.case = case  # the case is at hand: no query more
    return invoice


def _date(day: dt.date) -> str:
    from django.utils.formats import date_format

    return date_format(day, "DATE_FORMAT")


def _case_context(request: HttpRequest, grant: PortalGrant, quote_form: AcceptQuoteForm | None = None) -> dict[str, Any]:
    case = grant.case
    stage = case.stage_enum
    now_words, next_words = STANDING[stage]
    context: dict[str, Any] = {
        "grant": grant,
        "case": case,
        "standing": now_words,
        "next": next_words,
        "is_rtl": translation.get_language_bidi(),
    }
    if grant.allows(Scope.RECORDS) and stage in services.UPLOAD_STAGES:
        context["records"] = _records_section(grant)
    if grant.allows(Scope.SCREENING) and case.first_therapy_day and stage in {Stage.ACCEPTED, Stage.CLEARED, Stage.SCHEDULED}:
        context["screening_from"] = _date(earliest_sample_date(case.first_therapy_day, settings.SCREENING_MAX_AGE_MONTHS))
        context["screening_done"] = valid_screening(case) is not None
    elif grant.allows(Scope.SCREENING) and stage == Stage.ACCEPTED:
        context["screening_months"] = settings.SCREENING_MAX_AGE_MONTHS
    if grant.allows(Scope.PAYMENTS):
        context["quote"] = _quote_view(grant, quote_form)
        today = clinic_today()
        context["invoices"] = [
            {
                "code": state.invoice.kind,
                "kind": INVOICE_KINDS.get(state.invoice.kind, state.invoice.kind),
                "amount": _money(state.invoice.amount, state.invoice.currency),
                "open": _money(state.open_amount, state.invoice.currency),
                "due": _date(state.invoice.due_on),
                "settled": state.settled,
                "overdue": state.days_overdue(today) > 0,
                # The invoice's pay link (billing's page, the same one the patient is mailed): "Pay by card".
                "pay_url": reverse("billing:pay", kwargs={"token": paylinks.token_for(state.invoice)})
                if allowed(check_pay_by_card, invoice=_with_case(state.invoice, case), state=state)
                else "",
            }
            for state in invoice_states(case)
        ]
        context["receipts"] = [
            {"uuid": p.uuid, "day": _date(p.received_on), "amount": _money(p.amount, p.currency)}
            for p in case.payments.order_by("received_on", "pk")
        ]
    if grant.allows(Scope.ITINERARY):
        context["itinerary"] = _itinerary(grant)
    if grant.allows(Scope.ITINERARY):
        context["visa_letters"] = visa_letters(case)
        context["may_request_visa_letter"] = allowed(services.check_request_visa_letter, grant=grant)
    if grant.allows(Scope.DOCUMENTS):
        context["documents"] = {
            "protocol": treatment_selectors.protocol_issued(case),
            "discharge_summary": treatment_selectors.discharge_summary_ready(case),
            "certificates": [{"lot": lot.uuid, "din": str(lot.din), "product": str(lot.product)} for lot, _c in certificates(case)],
        }
    context["manages_helpers"] = allowed(services.check_manage_helpers, grant=grant)
    if allowed(services.check_answer_questionnaire, grant=grant):
        context["questionnaires_due"] = len(questionnaires_due(case))
    context["follow_up"] = _follows_up(grant)
    if allowed(services.check_sign_consent, grant=grant) and stage in CONSENT_STAGES:
        context["consents_to_sign"] = len(consents_to_sign_online(case))
    # Messages with the care team (scope messages): portal/thread.py.
    context.update(thread.section(grant))
    return context


def _records_section(grant: PortalGrant) -> dict[str, Any]:
    """The records still missing, the upload (which record each file is for) and the files sent from the portal."""
    missing = [item.kind for item in missing_items(grant.case)]
    kinds = [*missing, *(k for k in (RecordKind.MEDIA,) if k not in missing), RecordKind.UNSORTED]
    sent = sent_files(grant.case, sources=(services.PORTAL_UPLOAD, public.SOURCE))
    may_upload, uploads_full = True, False
    try:
        services.check_upload_record(grant=grant)
    except services.UploadsFull:
        may_upload, uploads_full = False, True  # said so where the upload was
    except Refusal:
        may_upload = False
    return {
        "missing": [str(RECORD_KINDS.get(kind, kind)) for kind in missing],
        "kinds": [(kind, str(RECORD_KINDS.get(kind, kind))) for kind in kinds],
        "may_upload": may_upload,
        "uploads_full": uploads_full,
        # Left to right inside a right-to-left sentence ("4.0 GiB", not "GiB 4.0").
        "accepted": format_html('<bdi dir="ltr">{}</bdi>', ", ".join(public.accepted_names())),
        "limit": format_html('<bdi dir="ltr">{}</bdi>', human_size(public.max_bytes())),
        "sent": [
            {"file": f, "kind": RECORD_KINDS.get(f.item.kind, f.item.kind), "state": state, "words": FILE_STATES[state]}
            for f in sent
            for state in [sent_file_state(f)]
        ],
    }


def _limit_refusal(refusal: Refusal, name: str) -> tuple[str, int]:
    """A file over a limit: the case's number of portal uploads, or the size of one file."""
    if isinstance(refusal, services.UploadsFull):
        return _(
            "%(name)s was not sent: this case has received as many files through the portal as it takes (%(limit)s). "
            "Please send anything more to your care team by email."
        ) % {"name": name, "limit": settings.PORTAL_UPLOADS_PER_CASE}, 409
    limit = human_size(public.max_bytes())
    return _("%(name)s is too large: the largest file we accept is %(limit)s.") % {"name": name, "limit": limit}, 413


def _upload_refusal(refusal: Refusal, name: str) -> tuple[str, int]:
    """A refused upload, in the person's language, and its HTTP status."""
    if isinstance(refusal, NotAllowed):
        raise Http404("No such page.")
    if isinstance(refusal, services.RecordsClosed):
        return _("We are no longer collecting records for this case. Please send anything new to your care team by email."), 409
    if isinstance(refusal, services.UploadsFull | records.TooLarge):
        return _limit_refusal(refusal, name)
    if isinstance(refusal, records.EmptyFile):
        return _("%(name)s is empty (0 bytes), so it may not have copied fully; please send it again.") % {"name": name}, 422
    if isinstance(refusal, records.WrongType):
        return _("%(name)s is not a kind of file we accept for this record. We accept %(types)s.") % {
            "name": name,
            "types": ", ".join(refusal.accepted),
        }, 415
    if isinstance(refusal, records.BadArchive):
        return _("%(name)s is an archive we cannot open safely (damaged, or not what it says it is).") % {"name": name}, 422
    return _("%(name)s could not be received. Please try again, or send it by email.") % {"name": name}, 422


def _upload_one(grant: PortalGrant, kind: str, upload: Any) -> tuple[str, int]:
    name = public.file_name(upload.name or "file")
    try:
        services.upload_record(grant=grant, kind=kind, upload=upload)
    except Refusal as refusal:
        return _upload_refusal(refusal, name)
    return _("%(name)s is received. We check every file before your care team opens it.") % {"name": name}, 200


@login_required(login_url="portal:sign_in")
@require_POST
def upload_record(request: HttpRequest, uuid: str) -> HttpResponse:
    """Files (``file``) for one record (``kind``), through the records intake: one at a time from the page's script
    (which shows the upload's progress), answered in JSON; without JavaScript every file chosen, answered with the
    case page. A refused file leaves the case as it was."""
    grant = grant_with_scope(request.user, uuid, Scope.RECORDS)
    wants_json = request.headers.get("X-Requested-With") == "XMLHttpRequest"
    uploads = request.FILES.getlist("file")  # the page's script sends one; the plain form all those chosen
    kind = str(request.POST.get("kind", ""))
    if not uploads:
        message, status = _("Choose a file to send."), 422
    elif kind not in records.SENT_KINDS:
        message, status = _("Choose which record this file is."), 422
    else:
        answers = [_upload_one(grant, kind, upload) for upload in uploads]
        message, status = " ".join(m for m, _s in answers), max(s for _m, s in answers)
    if wants_json:
        return JsonResponse({"error": message} if status >= 400 else {"message": message}, status=status)
    if status < 400:
        messages.success(request, message)
        return redirect(reverse("portal:case", kwargs={"uuid": grant.case.uuid}) + "#records")
    grant.case.refresh_from_db()
    context = _case_context(request, grant)
    if "records" in context:
        context["upload_error"] = message  # shown where the file was chosen
    else:
        messages.error(request, message)  # the case has moved on: no upload on the page
    return render(request, "portal/case.html", context, status=status)


@login_required(login_url="portal:sign_in")
@require_GET
def case_page(request: HttpRequest, uuid: str) -> HttpResponse:
    """Where the case stands and what is needed next, with the parts the person's grant opens."""
    grant = grant_for(request.user, uuid)
    return render(request, "portal/case.html", _case_context(request, grant))


def _client_address(request: HttpRequest) -> str | None:
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


@login_required(login_url="portal:sign_in")
@require_POST
def accept_quote(request: HttpRequest, uuid: str) -> HttpResponse:
    """Accept the quote exactly as the page showed it (its version and digest travel with the form)."""
    grant = grant_with_scope(request.user, uuid, Scope.PAYMENTS)
    form = AcceptQuoteForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/case.html", _case_context(request, grant, form), status=422)
    try:
        quote = grant.case.quotes.get(uuid=form.cleaned_data["quote"])
    except Quote.DoesNotExist:
        raise Http404("No such quote.") from None
    try:
        services.accept_quote(
            grant=grant,
            quote=quote,
            shown_version=form.cleaned_data["version"],
            shown_digest=form.cleaned_data["digest"],
            address=_client_address(request),
        )
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    except StageConflict:
        messages.error(request, _("The quote changed since you opened the page. Here is the current one: read it before accepting."))
        grant.case.refresh_from_db()
        return render(request, "portal/case.html", _case_context(request, grant), status=409)
    except Refusal:
        messages.error(request, _("This quote can no longer be accepted. Your care team will send you a new one."))
        grant.case.refresh_from_db()
        return render(request, "portal/case.html", _case_context(request, grant), status=422)
    messages.success(request, _("Thank you: you accepted the quote. We will write to you about the screening next."))
    return redirect("portal:case", uuid=grant.case.uuid)


def _pdf(make: Callable[[], bytes], filename: str) -> HttpResponse:
    """A PDF to download, or a plain answer saying this server cannot draw one (never a 500)."""
    try:
        pdf = make()
    except documents.PdfUnavailable:
        return HttpResponse(_("This document cannot be produced right now; please try again later."), status=503, content_type="text/plain")
    return pdf_response(pdf, filename)


@login_required(login_url="portal:sign_in")
@require_GET
def quote_pdf(request: HttpRequest, uuid: str) -> HttpResponse:
    """The quote to accept (or accepted), as the clinic prints it."""
    grant = grant_with_scope(request.user, uuid, Scope.PAYMENTS)
    quote = _shown_quote(grant)
    if quote is None:
        raise Http404("No quote yet.")
    quote.case = grant.case
    return _pdf(lambda: documents.quote_pdf(quote), f"quote-{grant.case.code}-v{quote.version}.pdf")


@login_required(login_url="portal:sign_in")
@require_GET
def invoice_pdf(request: HttpRequest, uuid: str, kind: str) -> HttpResponse:
    """The live deposit or balance invoice, with where to pay."""
    grant = grant_with_scope(request.user, uuid, Scope.PAYMENTS)
    invoice = grant.case.invoices.filter(kind=kind, cancelled_at__isnull=True).select_related("quote").first()
    if invoice is None:
        raise Http404("No such invoice.")
    invoice.case = grant.case
    return _pdf(lambda: documents.invoice_pdf(invoice), f"{invoice.label}.pdf")


@login_required(login_url="portal:sign_in")
@require_GET
def receipt_pdf(request: HttpRequest, uuid: str, payment: str) -> HttpResponse:
    """The receipt for one payment of the case."""
    grant = grant_with_scope(request.user, uuid, Scope.PAYMENTS)
    found = grant.case.payments.filter(uuid=payment).select_related("invoice", "quote", "reversal").first()
    if found is None:
        raise Http404("No such payment.")
    found.case = grant.case
    return _pdf(lambda: documents.receipt_pdf(found), f"receipt-{grant.case.code}-{found.received_on:%Y-%m-%d}.pdf")


@login_required(login_url="portal:sign_in")
@require_GET
def protocol_pdf(request: HttpRequest, uuid: str) -> HttpResponse:
    """The post-treatment protocol the specialist issued, in the person's language around the doctor's own words."""
    grant = grant_with_scope(request.user, uuid, Scope.DOCUMENTS)
    case = grant.case
    protocol = treatment_selectors.protocol(case)
    if protocol is None:
        raise Http404("No protocol has been issued for this case.")
    if not check_signed(signature=protocol.signature, content=protocol.as_signed_content(), seen_by=request.user):
        # Not what the specialist signed: the clinic is told (check_signed), the patient is not given it.
        return HttpResponse(_("This document cannot be produced right now; please try again later."), status=503, content_type="text/plain")
    services.record_download(grant=grant, subject="protocol", what="the post-treatment protocol")
    context = {"clinic": settings.CLINIC_NAME, "case": case, "protocol": protocol, "follow_ups": treatment_selectors.follow_ups(case)}
    return _pdf(lambda: render_pdf("portal/pdf/protocol.html", context), f"protocol-{case.code}.pdf")


@login_required(login_url="portal:sign_in")
@require_GET
def discharge_summary_pdf(request: HttpRequest, uuid: str) -> HttpResponse:
    """The discharge summary: the rows the ward prints (``treatment.selectors.discharge_summary``) under headings in
    the person's language; what the clinic recorded (items, terms, grades, dates, the doctor's words) stays as written.
    WeasyPrint, as the protocol: the ward's ReportLab page has no Arabic shaping or Chinese fonts."""
    grant = grant_with_scope(request.user, uuid, Scope.DOCUMENTS)
    case = grant.case
    if not treatment_selectors.discharge_summary_ready(case):
        raise Http404("The discharge summary is written once treatment is complete.")
    services.record_download(grant=grant, subject="discharge-summary", what="the discharge summary")
    s = treatment_selectors.discharge_summary(case)
    tables = [
        {
            "title": _("What was given"),
            "header": (_("Day"), _("Planned item"), _("Given"), _("Route"), _("Cells given (lot, vial, cells)")),
            "rows": s.given,
        },
        {"title": _("Planned but not given"), "header": (_("Item"), _("Why")), "rows": s.set_aside},
        {
            "title": _("Adverse events"),
            "header": (_("Onset"), _("Event"), _("Grade (CTCAE v5)"), _("Serious"), _("Related"), _("Outcome")),
            "rows": s.adverse_events,
        },
        {
            "title": _("Vital signs outside the usual range"),
            "header": (_("Day"), _("Session"), _("When"), _("Values"), _("Outside the usual range")),
            "rows": s.excursions,
        },
        {"title": _("Informed consent"), "header": (_("Therapy"), _("Form"), _("Signed"), _("Withdrawn")), "rows": s.consents},
    ]
    context = {"s": s, "tables": tables}
    return _pdf(lambda: render_pdf("portal/pdf/discharge_summary.html", context), f"discharge-summary-{case.code}.pdf")


@login_required(login_url="portal:sign_in")
@require_GET
def certificate_pdf(request: HttpRequest, uuid: str, lot: str) -> HttpResponse:
    """The Certificate of Analysis of a cell lot the patient received."""
    grant = grant_with_scope(request.user, uuid, Scope.DOCUMENTS)
    found = next(((given, c) for given, c in certificates(grant.case) if str(given.uuid) == str(lot)), None)
    if found is None:
        raise Http404("This patient received no vial of that lot.")
    given, certificate = found
    services.record_download(grant=grant, subject=f"coa:{lot}", what=f"the Certificate of Analysis of lot {given.din}")
    from cellway.cells import documents as cell_documents  # ReportLab loads Pillow: not at start-up

    return _pdf(lambda: cell_documents.certificate_of_analysis(certificate), f"coa-{given.din}.pdf")


@login_required(login_url="portal:sign_in")
def visa_letter(request: HttpRequest, uuid: str) -> HttpResponse:
    """Ask for the clinic's visa invitation letter: the passport details in, the letter issued at once."""
    grant = grant_with_scope(request.user, uuid, Scope.ITINERARY)
    if request.method not in {"GET", "POST"}:
        return HttpResponse(status=405)
    try:
        services.check_request_visa_letter(grant=grant)
    except Refusal as refusal:
        if request.method == "POST":
            messages.error(request, refusal.message)
        return render(request, "portal/visa_letter.html", {"grant": grant, "case": grant.case, "letters": visa_letters(grant.case)})
    form = VisaLetterForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                letter = services.request_visa_letter(grant=grant, **form.cleaned_data)
            except Refusal as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, _("Your visa invitation letter is ready to download."))
                return redirect(f"{reverse('portal:visa_letter', kwargs={'uuid': grant.case.uuid})}#letter-{letter.uuid}")
    context = {"grant": grant, "case": grant.case, "form": form, "letters": visa_letters(grant.case), "stay": planned_stay(grant.case)}
    return render(request, "portal/visa_letter.html", context, status=status)


@login_required(login_url="portal:sign_in")
@require_GET
def visa_letter_pdf(request: HttpRequest, uuid: str, letter: str) -> HttpResponse:
    """A visa invitation letter issued for the case, as the clinic signs it off."""
    grant = grant_with_scope(request.user, uuid, Scope.ITINERARY)
    found = next((v for v in visa_letters(grant.case) if str(v.uuid) == str(letter)), None)
    if found is None:
        raise Http404("No such letter.")
    context = {"clinic": settings.CLINIC_NAME, "address": settings.CLINIC_ADDRESS, "case": grant.case, "letter": found}
    with translation.override("en"):  # the letter is read by a consulate: in English
        return _pdf(lambda: render_pdf("portal/pdf/visa_letter.html", context), f"visa-invitation-{grant.case.code}.pdf")


@login_required(login_url="portal:sign_in")
@require_GET
def itinerary_ics(request: HttpRequest, uuid: str) -> HttpResponse:
    """The stay as an iCalendar file: arrival and the first therapy day, all-day events."""
    from icalendar import Calendar, Event  # here, not at start-up (0.1 s in every process that loads the URLs)

    grant = grant_with_scope(request.user, uuid, Scope.ITINERARY)
    case = grant.case
    calendar = Calendar()
    calendar.add("prodid", "-//Cellway//Patient portal//EN")
    calendar.add("version", "2.0")
    stamp = timezone.now()
    for key, title, day in (
        ("arrival", _("Arrival at %(clinic)s") % {"clinic": settings.CLINIC_NAME}, case.arrival_date),
        ("therapy", _("First therapy day at %(clinic)s") % {"clinic": settings.CLINIC_NAME}, case.first_therapy_day),
    ):
        if day is None:
            continue
        event = Event()
        event.add("uid", f"{case.uuid}-{key}@cellway")
        event.add("dtstamp", stamp)
        event.add("summary", title)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{case.code}-itinerary.ics"'
    return response


@login_required(login_url="portal:sign_in")
def people(request: HttpRequest, uuid: str) -> HttpResponse:
    """Who else sees the case: the patient lets a family member or helper in, and out again."""
    grant = grant_for(request.user, uuid)
    if not allowed(services.check_manage_helpers, grant=grant):
        raise Http404("No such page.")
    form = HelperForm()
    status = 200
    if request.method == "POST" and request.POST.get("revoke"):
        try:
            helper = services.revoke_access(grant=grant, helper_uuid=request.POST["revoke"])
        except Refusal as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("%(email)s can no longer see your case.") % {"email": helper.person.email})
        return redirect("portal:people", uuid=grant.case.uuid)
    if request.method == "POST":
        form = HelperForm(request.POST)
        if form.is_valid():
            try:
                helper = services.grant_access(grant=grant, **form.cleaned_data)
            except Refusal as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(
                    request, _("%(email)s can now see your case. We sent them how to sign in.") % {"email": helper.person.email}
                )
                return redirect("portal:people", uuid=grant.case.uuid)
        status = 422
    elif request.method != "GET":
        return HttpResponse(status=405)
    return render(
        request, "portal/people.html", {"grant": grant, "case": grant.case, "form": form, "helpers": helpers(grant)}, status=status
    )


@login_required(login_url="portal:sign_in")
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The person's language: the portal and their mails from now on."""
    try:
        services.set_language(person=request.user, language=request.POST.get("language", ""))  # type: ignore[arg-type]
    except Refusal as refusal:
        messages.error(request, refusal.message)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("portal:home")
    return redirect(back)


def _sign_posted(request: HttpRequest, grant: PortalGrant) -> tuple[int, dict[int, SignConsentForm]]:
    """Sign the form posted; the status to show the page again with (0 when signed), and a refused form by document."""
    posted = str(request.POST.get("document", ""))
    form = SignConsentForm(request.POST, auto_id=f"consent-{posted if posted.isdigit() else 0}-%s")
    if not form.is_valid():
        return 422, ({int(posted): form} if posted.isdigit() else {})
    document = ConsentDocument.objects.filter(pk=form.cleaned_data["document"]).first()
    if document is None:
        raise Http404("No such form.")
    try:
        services.sign_consent(grant=grant, document=document, shown_sha256=form.cleaned_data["sha256"], address=_client_address(request))
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    except StageConflict:
        messages.error(request, _("This form changed or was already signed since you opened the page. Read the current one below."))
        return 409, {}
    except Refusal:
        messages.error(request, _("This form cannot be signed now. Your care team will tell you what is needed."))
        return 422, {}
    messages.success(request, _("Thank you: your consent is signed and recorded."))
    return 0, {}


@login_required(login_url="portal:sign_in")
def consent(request: HttpRequest, uuid: str) -> HttpResponse:
    """The consent forms to sign: the patient's own language, the full text, signed by ticking and sending it."""
    grant = grant_for(request.user, uuid)
    if not allowed(services.check_sign_consent, grant=grant):
        raise Http404("No such page.")
    status, refused = 200, dict[int, SignConsentForm]()
    if request.method == "POST":
        status, refused = _sign_posted(request, grant)
        if status == 0:
            return redirect("portal:consent", uuid=grant.case.uuid)
        grant.case.refresh_from_db()
    elif request.method != "GET":
        return HttpResponse(status=405)
    documents_to_sign = consents_to_sign_online(grant.case) if grant.case.stage_enum in CONSENT_STAGES else []
    forms_ = [
        (d, refused.get(d.pk) or SignConsentForm(initial={"document": d.pk, "sha256": d.sha256}, auto_id=f"consent-{d.pk}-%s"))
        for d in documents_to_sign
    ]
    signed = grant.case.consents.select_related("document", "signed_by", "withdrawal").order_by("-recorded_at")
    return render(request, "portal/consent.html", {"grant": grant, "case": grant.case, "forms": forms_, "signed": signed}, status=status)


def _follows_up(grant: PortalGrant) -> bool:
    """Whether the follow-up page is open to this person on this case."""
    return grant.case.stage_enum in services.REPORT_STAGES and (grant.acts_for_patient or grant.allows(Scope.QUESTIONNAIRES))


def _course(grant: PortalGrant, language: str) -> list[dict[str, Any]]:
    """The person's own measured course: each measure's answers over time, as a chart and as a table."""
    scores = ReportedScore.objects.filter(visit__case=grant.case).select_related("measure", "visit").order_by("visit__seen_on")
    by_measure: dict[str, dict[str, Any]] = {}
    for score in scores:
        entry = by_measure.setdefault(score.measure.code, {"measure": score.measure, "points": []})
        entry["points"].append((score.visit.seen_on, float(score.value)))
    out = []
    for entry in by_measure.values():
        measure = entry["measure"]
        title = measure.question(language)
        svg = series_svg(title=title, unit="", points=entry["points"], y_floor=float(measure.low), y_ceiling=float(measure.high))
        out.append({"title": title, "svg": svg, "rows": [(_date(d), v) for d, v in entry["points"]]})
    return out


@login_required(login_url="portal:sign_in")
def follow_up(request: HttpRequest, uuid: str) -> HttpResponse:
    """Follow-up from home: the questionnaire of each open follow-up point, a relapse or symptom to report, the course."""
    grant = grant_for(request.user, uuid)
    if not _follows_up(grant):
        raise Http404("No such page.")
    language = translation.get_language() or settings.LANGUAGE_CODE
    asked = measures()
    may_answer = allowed(services.check_answer_questionnaire, grant=grant)
    due = questionnaires_due(grant.case) if may_answer else []
    status, bound_answers, bound_report = 200, None, None
    if request.method == "POST" and request.POST.get("action") == "answer":
        status, bound_answers = _answer_posted(request, grant, asked, language)
    elif request.method == "POST" and request.POST.get("action") == "report":
        status, bound_report = _report_posted(request, grant)
    elif request.method != "GET":
        return HttpResponse(status=405 if request.method != "POST" else 400)
    if status == 0:
        return redirect("portal:follow_up", uuid=grant.case.uuid)
    questionnaires = [
        (
            a,
            bound_answers
            if bound_answers is not None and str(bound_answers.data.get("assessment")) == str(a.pk)
            else QuestionnaireForm(initial={"assessment": a.pk}, measures=asked, language=language, auto_id=f"q{a.pk}-%s"),
        )
        for a in due
    ]
    context = {
        "grant": grant,
        "case": grant.case,
        "questionnaires": questionnaires,
        "report_form": bound_report or ReportForm(auto_id="report-%s"),
        "may_report": allowed(services.check_report_symptom, grant=grant),
        "course": _course(grant, language),
        "reports": [(r, _review_words(r)) for r in grant.case.portal_reports.all()[:20]],
    }
    return render(request, "portal/follow_up.html", context, status=status)


def _review_words(report: PatientReport) -> str:
    """What became of a report from home, in plain words in the reader's language."""
    from django.utils.formats import date_format

    if report.reviewed_at is None:
        return str(REVIEW_OUTCOMES[""])
    day = date_format(timezone.localtime(report.reviewed_at, clinic_zone()).date(), "DATE_FORMAT")
    return str(REVIEW_OUTCOMES[report.decision]) % {"day": day}


def _answer_posted(request: HttpRequest, grant: PortalGrant, asked: list[Any], language: str) -> tuple[int, QuestionnaireForm | None]:
    posted = str(request.POST.get("assessment", ""))
    form = QuestionnaireForm(request.POST, measures=asked, language=language, auto_id=f"q{posted if posted.isdigit() else 0}-%s")
    if not form.is_valid():
        return 422, form
    assessment = grant.case.follow_ups.filter(pk=form.cleaned_data["assessment"]).first()
    if assessment is None:
        raise Http404("No such follow-up point.")
    try:
        services.answer_questionnaire(grant=grant, assessment=assessment, answers=form.answers())
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    except StageConflict:
        messages.error(request, _("This questionnaire is closed or was already answered today."))
        return 409, None
    except Refusal:
        messages.error(request, _("An answer is outside its scale: each question shows the numbers it takes."))
        return 422, form
    messages.success(request, _("Thank you: your answers are with your care team."))
    return 0, None


def _report_posted(request: HttpRequest, grant: PortalGrant) -> tuple[int, ReportForm | None]:
    form = ReportForm(request.POST, auto_id="report-%s")
    if not form.is_valid():
        return 422, form
    try:
        services.report_symptom(grant=grant, **form.cleaned_data)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    except Refusal as refusal:
        messages.error(request, _("We could not send this report: %(reason)s") % {"reason": refusal.message})
        return 422, form
    messages.success(request, _("Your report is with your care team; a doctor will look at it and contact you."))
    return 0, None
