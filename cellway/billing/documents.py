"""Quote and invoice PDFs, drawn by WeasyPrint from HTML templates (`templates/billing/`).

WeasyPrint needs Pango and HarfBuzz from Debian, and fonts that hold the patient's name (Chinese,
Japanese, Korean, Arabic): `make pdf-deps` installs them. It is imported only when a PDF is drawn,
so the site starts without them; `unavailable()` says why a PDF cannot be drawn, and the pages answer
with that instead of an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from cellway.billing import pricing, rates
from cellway.billing.models import CreditNote, Invoice, Payment, Quote
from cellway.billing.money import format_money
from cellway.clinic import clinic_today, clinic_zone
from cellway.pdf import PdfUnavailable, render_pdf, unavailable

__all__ = ["PdfUnavailable", "credit_note_pdf", "invoice_pdf", "proforma_pdf", "quote_pdf", "receipt_pdf", "unavailable"]


@dataclass(frozen=True)
class Clinic:
    name: str
    address: str
    bank: str
    tax_note: str

    @classmethod
    def from_settings(cls) -> Clinic:
        return cls(
            name=settings.CLINIC_NAME,
            address=settings.CLINIC_ADDRESS,
            bank=settings.CLINIC_BANK_DETAILS,
            tax_note=settings.CLINIC_TAX_EXEMPTION_NOTE,
        )


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    return render_pdf(template, {"clinic": Clinic.from_settings(), **context})


def _amount(value: Decimal | str, currency: str) -> str:
    return format_money(Decimal(value), currency, "en")


def _local(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment, clinic_zone()).date() if moment else None


def _tax_label(line: dict[str, str]) -> str:
    """The line's tax category as printed; medical care marked exempt (*) where the clinic's setting says so."""
    # Quotes issued before lines carried a category: the same rule as pricing's, by the line's code.
    category = line.get("tax_category") or (pricing.TRAVEL if line["code"] in pricing.TRAVEL_CODES else pricing.MEDICAL)
    label = pricing.TAX_CATEGORIES.get(category, category)
    exempt = category == pricing.MEDICAL and settings.CLINIC_TAX_EXEMPTION_NOTE
    return f"{label}, exempt*" if exempt else label


def _indicative(amount: Decimal, currency: str, patient: Any, day: dt.date | None) -> dict[str, str] | None:
    """The amount in the patient's own currency at finance's rate of the document's day, as printed; None if none applies."""
    found = rates.indicative(amount, currency, patient, day or clinic_today())
    if found is None:
        return None
    return {
        "amount": _amount(found.converted, found.currency),
        "rate": f"1 {found.rate.base} = {found.rate.rate.normalize():f} {found.rate.target}",
        "rate_from": f"{found.rate.effective_from:%d %b %Y}",
        "currency": currency,
    }


def quote_pdf(quote: Quote) -> bytes:
    """The quote as the patient receives it and finance prints it: every line, the total, deposit and validity."""
    return _pdf("billing/quote.html", _quote_context(quote))


def _quote_context(quote: Quote) -> dict[str, Any]:
    lines = [
        {
            "description": line["description"],
            "quantity": Decimal(line["quantity"]).normalize(),
            "unit_price": _amount(line["unit_price"], quote.currency),
            "amount": _amount(line["amount"], quote.currency),
            "tax": _tax_label(line),
        }
        for line in quote.lines
    ]
    return {
        "quote": quote,
        "patient": quote.case.patient,
        "lines": lines,
        "adjustment": _amount(quote.adjustment, quote.currency) if quote.adjustment else "",
        # Who set the price by hand: the person who issued this version (billing.issue_quote, rule 3's recorded reason).
        "allowed_by": (quote.issued_by.get_full_name() or quote.issued_by.get_username()) if quote.adjustment else "",
        "total": _amount(quote.total, quote.currency),
        "deposit": _amount(quote.deposit, quote.currency),
        "issued_on": _local(quote.issued_at),
        "valid_until": quote.valid_until,
        "indicative": _indicative(quote.total, quote.currency, quote.case.patient, _local(quote.issued_at)),
        "deposit_days": settings.DEPOSIT_DAYS_BEFORE_ARRIVAL,
        "balance_days": settings.BALANCE_DAYS_BEFORE_THERAPY,
    }


def invoice_pdf(invoice: Invoice) -> bytes:
    """An invoice with its number, due date, amount and the clinic's bank details for the transfer."""
    context = {
        "invoice": invoice,
        "patient": invoice.case.patient,
        "amount": _amount(invoice.amount, invoice.currency),
        "quote_total": _amount(invoice.quote.total, invoice.currency),
        "indicative": _indicative(invoice.amount, invoice.currency, invoice.case.patient, invoice.issued_on),
    }
    return _pdf("billing/invoice.html", context)


def receipt_pdf(payment: Payment) -> bytes:
    """A receipt for one payment: what was received, when, how, against which invoice. A reversed payment's
    receipt says so in its title and gives the reason: a receipt is never silently withdrawn."""
    reversal = getattr(payment, "reversal", None) if payment.reversed_at else None
    context = {
        "payment": payment,
        "patient": payment.case.patient,
        "amount": _amount(payment.amount, payment.currency),
        "reversal": reversal,
    }
    return _pdf("billing/receipt.html", context)


def proforma_pdf(quote: Quote) -> bytes:
    """The quote as a pro-forma invoice, for a visa application or a sponsor: the same lines and total, marked as
    no demand for payment and no tax invoice (the deposit and balance invoices follow once dates are set)."""
    return _pdf("billing/quote.html", {**_quote_context(quote), "proforma": True})


def credit_note_pdf(note: CreditNote) -> bytes:
    """A credit note: what the cancellation policy gives back, row by row, what the clinic keeps, what is no
    longer owed and what is refunded, with the refund's state (to make, or made with its reference)."""
    refund_task = getattr(note, "refund_task", None)
    invoices = [inv.label for inv in note.quote.invoices.filter(cancelled_at__isnull=True).order_by("due_on", "pk")]
    context = {
        "note": note,
        "patient": note.case.patient,
        "invoices": invoices,
        "quote_total": _amount(note.quote.total, note.currency),
        "lines": [{"label": line["label"], "amount": _amount(line["amount"], note.currency)} for line in note.lines],
        "retained": _amount(note.retained, note.currency),
        "unpaid": _amount(note.amount - note.refund, note.currency),
        "refund": _amount(note.refund, note.currency),
        "amount": _amount(note.amount, note.currency),
        "refund_task": refund_task,
        "policy": settings.CANCELLATION_POLICY.describe(),
    }
    return _pdf("billing/credit_note.html", context)
