"""Quote and invoice PDFs drawn by WeasyPrint from HTML templates, read back with pypdf."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cellway.billing import documents
from cellway.billing import selectors as billing_selectors
from cellway.billing.models import Invoice
from cellway.cases.stages import Stage

pytestmark = pytest.mark.skipif(documents.unavailable() is not None, reason=f"No PDFs on this machine: {documents.unavailable()}")


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    # Whitespace made one space: a description may wrap inside its table cell.
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def has_font_for(lang: str) -> bool:
    """Whether fontconfig knows a font covering `lang` (fc-list ships with fontconfig, which WeasyPrint needs)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, f":lang={lang}"], capture_output=True, text=True, check=False)  # noqa: S603 (fixed arguments)
    return bool(found.stdout.strip())


def test_the_quote_pdf_has_every_line_the_total_the_deposit_and_its_validity(case_at, settings):
    settings.CLINIC_TAX_EXEMPTION_NOTE = "Medical care: exempt from VAT (Article 25, VAT Act)."
    case = case_at(Stage.QUOTED)
    quote = case.quotes.get()

    text = text_of(documents.quote_pdf(quote))

    assert f"Quote {case.code} · version 1" in text
    assert case.patient.full_name in text
    for line in quote.lines:
        assert line["description"] in text
    assert "€15,260.00" in text and "€4,578.00" in text
    valid = quote.issued_at.date() + dt.timedelta(days=settings.QUOTE_VALID_DAYS)
    assert f"Valid until {valid:%d %b %Y}" in text or valid.strftime("%d %b %Y") in text
    assert "* Medical care: exempt from VAT (Article 25, VAT Act)." in text
    assert "Medical care, exempt*" in text  # the cells, sessions and room
    assert "Travel and stay" in text and "Travel and stay, exempt" not in text  # transport, transfer, accommodation


def test_without_an_exemption_setting_no_tax_wording_is_printed(case_at, settings):
    settings.CLINIC_TAX_EXEMPTION_NOTE = ""
    case = case_at(Stage.QUOTED)

    assert "exempt" not in text_of(documents.quote_pdf(case.quotes.get())).lower()


def test_the_invoice_pdf_has_its_number_due_date_amount_and_the_clinics_bank_details(case_at, settings):
    settings.CLINIC_BANK_DETAILS = "IBAN RS35 1234 5678 9012 3456 78"
    case = case_at(Stage.SCHEDULED)
    deposit = Invoice.objects.get(case=case, kind="deposit")

    text = text_of(documents.invoice_pdf(deposit))

    assert f"Invoice {deposit.label}" in text
    assert f"{deposit.due_on:%d %b %Y}" in text
    assert "€4,578.00" in text
    assert "IBAN RS35 1234 5678 9012 3456 78" in text


@pytest.mark.skipif(not has_font_for("zh"), reason="No font for Chinese on this machine (make pdf-deps installs fonts-noto-cjk)")
def test_a_chinese_name_is_drawn_with_a_font_that_has_it(case_at):
    case = case_at(Stage.QUOTED)
    case.patient.full_name = "王小明"
    case.patient.save(update_fields=["full_name"])

    assert "王小明" in text_of(documents.quote_pdf(billing_selectors.quotes(case)[0]))


@pytest.mark.skipif(not has_font_for("ar"), reason="No font for Arabic on this machine (make pdf-deps installs fonts-hosny-amiri)")
def test_an_arabic_name_is_drawn_with_a_font_that_has_it(case_at):
    case = case_at(Stage.QUOTED)
    case.patient.full_name = "محمد علي"
    case.patient.save(update_fields=["full_name"])

    pdf = documents.quote_pdf(billing_selectors.quotes(case)[0])

    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    text = text_of(pdf)
    assert "محمد" in text or "دمحم" in text  # extraction may give right-to-left text in visual order
    assert any("Amiri" in f or "DejaVu" in f for f in fonts), fonts


def test_finance_opens_the_quote_and_invoice_pdfs_from_the_case_page(client, staff, case_at):
    case = case_at(Stage.SCHEDULED)
    client.force_login(staff["fiona"])
    page = client.get(reverse("console:case", args=[case.uuid])).text
    quote_url = reverse("console:quote-pdf", args=[case.uuid, 1])
    invoice_url = reverse("console:invoice-pdf", args=[case.uuid, "balance"])
    assert quote_url in page and invoice_url in page

    quote = client.get(quote_url)
    invoice = client.get(invoice_url)

    assert quote["Content-Type"] == "application/pdf" and "€15,260.00" in text_of(quote.content)
    assert invoice["Content-Type"] == "application/pdf" and "€10,682.00" in text_of(invoice.content)
    assert client.get(reverse("console:quote-pdf", args=[case.uuid, 9])).status_code == 404
    assert client.get(reverse("console:invoice-pdf", args=[case.uuid, "refund"])).status_code == 404


def test_roles_without_money_get_no_pdf(client, staff, case_at):
    case = case_at(Stage.SCHEDULED)
    url = reverse("console:quote-pdf", args=[case.uuid, 1])
    client.force_login(staff["lena"])
    assert client.get(url).status_code == 403
    client.force_login(staff["outsider"])
    assert client.get(url).status_code == 404


def test_a_receipt_names_the_payment_and_a_reversed_one_says_so(client, staff, case_at):
    from decimal import Decimal

    from cellway.billing import services as billing
    from cellway.clinic import clinic_today
    from cellway.demo.journey import bank_proof

    case = case_at(Stage.SCHEDULED)
    deposit = Invoice.objects.get(case=case, kind="deposit")
    payment = billing.record_payment(
        case=case,
        by=staff["fiona"],
        amount=Decimal("4578.00"),
        method="transfer",
        reference="TRF-2026-118",
        received_on=clinic_today(),
        proof=bank_proof("TRF-2026-118"),
    )
    client.force_login(staff["fiona"])
    url = reverse("console:receipt-pdf", args=[case.uuid, payment.uuid])
    text = text_of(client.get(url).content)
    assert "Receipt" in text and "€4,578.00" in text and "TRF-2026-118" in text and deposit.label in text
    assert "reversed" not in text.lower()
    assert f'href="{url}"' in client.get(reverse("console:case", args=[case.uuid])).content.decode()

    billing.reverse_payment(payment=payment, by=staff["fiona"], reason="Recorded on the wrong case")
    text = text_of(client.get(url).content)
    assert "payment reversed" in text and "Recorded on the wrong case" in text

    other = case_at(Stage.SCHEDULED)
    assert client.get(reverse("console:receipt-pdf", args=[other.uuid, payment.uuid])).status_code == 404
    client.force_login(staff["lena"])
    assert client.get(url).status_code == 403


def test_the_pro_forma_is_the_quote_marked_as_no_demand_for_payment(client, staff, case_at):
    case = case_at(Stage.QUOTED)
    client.force_login(staff["fiona"])
    response = client.get(reverse("console:proforma-pdf", args=[case.uuid, 1]))
    text = text_of(response.content)
    assert "Pro-forma invoice" in text and "not a demand for payment" in text and "€15,260.00" in text
    assert case.patient.full_name in text
    assert "Pro-forma" not in text_of(documents.quote_pdf(case.quotes.get()))  # the quote itself is unchanged
    assert client.get(reverse("console:proforma-pdf", args=[case.uuid, 7])).status_code == 404
