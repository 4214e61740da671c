"""Billing pages: the price list, a payment's proof, finance's receivables and the accountant's CSV."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from cellway.accounts.models import User
from cellway.billing import documents, refunds, selectors, services
from cellway.billing.models import PRICE_FIELDS, Payment, PriceList, price_label
from cellway.cases.parts import Part
from cellway.cases.selectors import get_case, visible_cases
from cellway.clinic import clinic_today
from cellway.console.access import require_part
from cellway.console.billing import forms
from cellway.errors import Refusal
from cellway.pdf import pdf_response


@login_required
def price_list(request: HttpRequest) -> HttpResponse:
    """The active price list and its history; the clinic administrator publishes a new version."""
    user: User = request.user  # type: ignore[assignment]
    if not (user.has_perm("billing.edit_price_list") or user.has_perm("billing.issue_quote")):
        raise PermissionDenied("The price list is for finance and the clinic administrator.")
    today = clinic_today()
    active = selectors.price_list_on(today)
    latest = PriceList.objects.filter(active=True).first()
    initial = {name: getattr(latest, name) for name in PRICE_FIELDS} | {"currency": latest.currency} if latest else {}
    initial["effective_from"] = today
    form = forms.PriceListForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not user.has_perm("billing.edit_price_list"):
            raise PermissionDenied("Only the clinic administrator changes the price list.")
        if form.is_valid():
            data = dict(form.cleaned_data)
            currency = data.pop("currency").upper()
            effective_from = data.pop("effective_from")
            try:
                new = services.publish_price_list(by=user, currency=currency, prices=data, effective_from=effective_from)
            except Refusal as refusal:
                messages.error(request, refusal.message)
            else:
                when = "now in force" if new.effective_from <= today else f"in force from {new.effective_from:%d %b %Y}"
                messages.success(request, f"Price list v{new.version} is {when}. Quotes already issued keep their prices.")
                return redirect("console:price_list")
        status = 422
    rows = [(price_label(n), getattr(active, n) if active else None) for n in PRICE_FIELDS]
    history = PriceList.objects.select_related("created_by").order_by("-version")[:20]
    return render(
        request,
        "console/billing/price_list.html",
        {
            "active": active,
            "today": today,
            "rows": rows,
            "form": form,
            "history": history,
            "can_edit": user.has_perm("billing.edit_price_list"),
        },
        status=status,
    )


@login_required
@require_GET
def payment_proof(request: HttpRequest, uuid: str, payment: str) -> FileResponse:
    """The bank's proof of a payment, as an attachment: the case in one's scope (else 404), money readable (else 403)."""
    user: User = request.user  # type: ignore[assignment]
    case = get_case(user, uuid)
    require_part(user, Part.MONEY)
    found = Payment.objects.filter(case=case, uuid=payment).exclude(proof="").first()
    if found is None:
        raise Http404("No proof is kept for that payment.")
    name = f"proof-{case.code}-{found.reference}{PurePosixPath(str(found.proof.name)).suffix}"
    response = FileResponse(found.proof.open("rb"), as_attachment=True, filename=name, content_type="application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    return response


def _finance(request: HttpRequest) -> User:
    """Finance's pages: for those who record payments (finance and the finance manager)."""
    user: User = request.user  # type: ignore[assignment]
    if not user.has_perm("billing.record_payment"):
        raise PermissionDenied("Receivables are finance's work.")
    return user


@login_required
@require_GET
def receivables(request: HttpRequest) -> HttpResponse:
    """Every case with an open balance whatever its stage, with amount, due date and days overdue; what falls due
    in the next 30 days; the ageing of what is open. A fixed number of queries however many cases owe."""
    user = _finance(request)
    today = clinic_today()
    rows = selectors.receivables(visible_cases(user), today=today)
    currencies = sorted({row.currency for row in rows})
    context = {
        "rows": rows,
        "today": today,
        "upcoming": selectors.upcoming(rows, today=today),
        "currencies": currencies,
        "ageing": [(label, [(c, amounts.get(c)) for c in currencies]) for _key, label, amounts in selectors.ageing(rows)],
        "overpaid": selectors.refunds_due(visible_cases(user)),
        "refunds_due": list(refunds.refunds_due(visible_cases(user))),
    }
    return render(request, "console/billing/receivables.html", context)


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ (or a tab or return) gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
@require_GET
def export(request: HttpRequest, what: str) -> HttpResponse:
    """Invoices, payments (reversals marked) or credit notes with their refunds, of the cases in one's scope, as CSV."""
    user = _finance(request)
    cases = visible_cases(user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cellway-{what}-{clinic_today():%Y-%m-%d}.csv"'
    response["Cache-Control"] = "private, no-store"
    out = csv.writer(response)
    if what == "invoices":
        out.writerow(["number", "case", "patient", "kind", "issued_on", "due_on", "amount", "currency", "cancelled"])
        for inv in selectors.invoices_for_export(cases):
            out.writerow(
                _cell(v)
                for v in (
                    inv.label, inv.case.code, inv.case.patient.full_name, inv.kind, inv.issued_on, inv.due_on,
                    inv.amount, inv.currency, "yes" if inv.cancelled_at else "",
                )
            )  # fmt: skip
    elif what == "payments":
        out.writerow(["received_on", "case", "patient", "method", "reference", "invoice", "amount", "currency", "reversed", "reason"])
        for pay in selectors.payments_for_export(cases):
            reversal = getattr(pay, "reversal", None) if pay.reversed_at else None
            out.writerow(
                _cell(v)
                for v in (
                    pay.received_on, pay.case.code, pay.case.patient.full_name, pay.method, pay.reference,
                    pay.invoice.label if pay.invoice else "", pay.amount, pay.currency,
                    pay.reversed_at.date() if pay.reversed_at else "", reversal.reason if reversal else "",
                )
            )  # fmt: skip
    elif what == "refunds":
        out.writerow(
            ["credit_note", "case", "patient", "issued_on", "reason", "credited", "kept", "refund", "currency", "refund_method",
             "refund_status", "refund_reference", "refunded_on"]
        )  # fmt: skip
        for note in refunds.credit_notes_for_export(cases):
            task = getattr(note, "refund_task", None)
            out.writerow(
                _cell(v)
                for v in (
                    note.label, note.case.code, note.case.patient.full_name, note.issued_on, note.reason, note.amount,
                    note.retained, note.refund, note.currency, task.method if task else "", task.status if task else "",
                    task.reference if task else "", task.paid_on if task and task.paid_on else "",
                )
            )  # fmt: skip
    else:
        raise Http404("Invoices, payments or refunds.")
    return response


def _pdf_response(make: Callable[[], bytes], filename: str) -> HttpResponse:
    """A PDF inline, or a page saying why this server cannot draw one (WeasyPrint's libraries missing): never a 500."""
    try:
        pdf = make()
    except documents.PdfUnavailable as why:
        return HttpResponse(f"PDFs cannot be drawn on this server: {why}", status=503, content_type="text/plain; charset=utf-8")
    return pdf_response(pdf, filename, inline=True)


@login_required
@require_GET
def quote_pdf(request: HttpRequest, uuid: str, version: int) -> HttpResponse:
    """A version of the case's quote as the patient receives it."""
    user: User = request.user  # type: ignore[assignment]
    case = get_case(user, uuid, related=("patient",))
    require_part(user, Part.MONEY)
    quote = case.quotes.filter(version=version).first()
    if quote is None:
        raise Http404("The case has no quote of that version.")
    quote.case = case
    return _pdf_response(lambda: documents.quote_pdf(quote), f"quote-{case.code}-v{version}.pdf")


@login_required
@require_GET
def invoice_pdf(request: HttpRequest, uuid: str, kind: str) -> HttpResponse:
    """The live deposit or balance invoice of the case's accepted quote, with the clinic's bank details."""
    user: User = request.user  # type: ignore[assignment]
    case = get_case(user, uuid, related=("patient",))
    require_part(user, Part.MONEY)
    invoice = case.invoices.filter(kind=kind, cancelled_at__isnull=True).select_related("quote").first()
    if invoice is None:
        raise Http404("No such invoice has been issued yet: invoices are issued once the dates are set.")
    invoice.case = case
    return _pdf_response(lambda: documents.invoice_pdf(invoice), f"{invoice.label}.pdf")


@login_required
@require_GET
def proforma_pdf(request: HttpRequest, uuid: str, version: int) -> HttpResponse:
    """A version of the case's quote as a pro-forma invoice (visa, sponsor)."""
    user: User = request.user  # type: ignore[assignment]
    case = get_case(user, uuid, related=("patient",))
    require_part(user, Part.MONEY)
    quote = case.quotes.filter(version=version).first()
    if quote is None:
        raise Http404("The case has no quote of that version.")
    quote.case = case
    return _pdf_response(lambda: documents.proforma_pdf(quote), f"pro-forma-{case.code}-v{version}.pdf")


@login_required
@require_GET
def receipt_pdf(request: HttpRequest, uuid: str, payment: str) -> HttpResponse:
    """The receipt for one payment of the case (a reversed one says so)."""
    user: User = request.user  # type: ignore[assignment]
    case = get_case(user, uuid, related=("patient",))
    require_part(user, Part.MONEY)
    found = case.payments.filter(uuid=payment).select_related("invoice", "quote", "reversal").first()
    if found is None:
        raise Http404("The case has no such payment.")
    found.case = case
    return _pdf_response(lambda: documents.receipt_pdf(found), f"receipt-{case.code}-{found.received_on:%Y-%m-%d}.pdf")


@login_required
@require_GET
def credit_note_pdf(request: HttpRequest, uuid: str, note: str) -> HttpResponse:
    """A credit note of the case: what the policy gave back, row by row, and the refund's state."""
    user: User = request.user  # type: ignore[assignment]
    case = get_case(user, uuid, related=("patient",))
    require_part(user, Part.MONEY)
    found = case.credit_notes.filter(uuid=note).select_related("quote", "refund_task").first()
    if found is None:
        raise Http404("The case has no such credit note.")
    found.case = case
    return _pdf_response(lambda: documents.credit_note_pdf(found), f"{found.label}.pdf")
