"""PDF documents of a lot: the ISBT 128 vial label (100 × 100 mm) and the Certificate of Analysis.

Drawn with ReportLab (Code 128 and Data Matrix built in, no system
dependency). Takes plain values, no models: the console gathers them
(`cellway.cells.selectors`) and serves the bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from cellway.cells import isbt128

# Bitstream Vera ships with ReportLab (its licence beside it): unlike the PDF standard fonts it has ≥, ≤ and °.
REGULAR, BOLD = "Vera", "VeraBd"
pdfmetrics.registerFont(TTFont(REGULAR, "Vera.ttf"))
pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))

LABEL_TEMPLATE = "vial-label v1"  # printed on every label: which template drew it
LABEL_SIZE = (100 * mm, 100 * mm)


@dataclass(frozen=True)
class VialLabel:
    clinic: str
    product_name: str
    din: isbt128.Din
    product: isbt128.ProductCode
    local_codes: bool  # no ICCBBA facility number or product code configured: say so, large
    vial: int
    vials: int
    cells_per_vial: int
    volume_ml: str
    storage: str
    expires_local: dt.datetime  # naive wall-clock time in the clinic's zone
    expires_zone: str
    expires_utc: dt.datetime
    # Patient-specific labels only:
    patient: str = ""
    case_code: str = ""
    coi: isbt128.Din | None = None
    infusion: str = ""


def _barcode(canvas: Canvas, data: str, x: float, y: float, width: float, height: float) -> None:
    drawing = createBarcodeDrawing("Code128", value=data, barHeight=height, humanReadable=False, quiet=False)
    scale = min(1.0, width / drawing.width)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(scale, 1)
    renderPDF.draw(drawing, canvas, 0, 0)
    canvas.restoreState()


def _datamatrix(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    drawing = createBarcodeDrawing("ECC200DataMatrix", value=data)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(size / drawing.width, size / drawing.height)
    renderPDF.draw(drawing, canvas, 0, 0)
    canvas.restoreState()


def _check_box(canvas: Canvas, text: str, check: str, x: float, y: float) -> None:
    """The eye-readable identifier with its check character in a box, as ISBT 128 prints it."""
    canvas.setFont(BOLD, 10)
    canvas.drawString(x, y, text)
    left = x + canvas.stringWidth(text, BOLD, 10) + 2 * mm
    canvas.rect(left - 1 * mm, y - 1 * mm, 5 * mm, 4.6 * mm)
    canvas.drawString(left, y, check)


def vial_label(label: VialLabel) -> bytes:
    """One 100 × 100 mm label: DIN, product code, expiry (Code 128 each), a Data Matrix, and the patient's Chain of Identity."""
    out = io.BytesIO()
    c = Canvas(out, pagesize=LABEL_SIZE)
    c.setTitle(f"Label {label.din.thirteen} vial {label.vial}")
    left, top = 5 * mm, 95 * mm
    c.setFont(BOLD, 9)
    c.drawString(left, top - 3 * mm, label.clinic)
    c.setFont(REGULAR, 8)
    c.drawString(left, top - 7 * mm, f"{label.product_name}, vial {label.vial} of {label.vials}")
    if label.local_codes:
        c.setFillColor(colors.red)
        c.setFont(BOLD, 7.5)
        c.drawString(left, top - 11 * mm, isbt128.LOCAL_WARNING)
        c.setFillColor(colors.black)
    # DIN
    _barcode(c, label.din.data, left, 70 * mm, 58 * mm, 9 * mm)
    _check_box(c, f"DIN {label.din.eye_readable[:-2]}", label.din.check, left, 65 * mm)
    # Product code
    _barcode(c, label.product.data, left, 52 * mm, 58 * mm, 8 * mm)
    c.setFont(REGULAR, 8)
    c.drawString(left, 48 * mm, f"Product {label.product.description} {label.product.donation_type} division {label.product.division}")
    c.drawString(left, 44.5 * mm, f"{label.cells_per_vial:,} cells in {label.volume_ml} mL · store {label.storage}")
    # Expiry: local time, UTC beneath
    _barcode(c, isbt128.expiry_data(label.expires_local), left, 33 * mm, 58 * mm, 8 * mm)
    c.setFont(BOLD, 9)
    c.drawString(left, 29 * mm, f"EXP {label.expires_local:%d %b %Y %H:%M} {label.expires_zone}")
    c.setFont(REGULAR, 7.5)
    c.drawString(left, 25.5 * mm, f"= {label.expires_utc:%d %b %Y %H:%M} UTC")
    # Data Matrix: DIN + product code (the division is the vial)
    _datamatrix(c, isbt128.label_data(label.din, label.product), 68 * mm, 60 * mm, 27 * mm)
    if label.coi is not None:
        c.setFont(BOLD, 8)
        c.drawString(left, 20 * mm, f"FOR {label.patient} ({label.case_code}) ONLY · {label.infusion}")
        _barcode(c, isbt128.coi_data(label.coi), left, 9 * mm, 58 * mm, 8 * mm)
        _check_box(c, f"COI {label.coi.eye_readable[:-2]}", label.coi.check, left, 4.5 * mm)
    c.setFont(REGULAR, 6)
    c.drawRightString(95 * mm, 3 * mm, LABEL_TEMPLATE)
    c.showPage()
    c.save()
    return out.getvalue()


@dataclass(frozen=True)
class CoaLine:
    test: str
    specification: str
    result: str
    method: str
    measured: str  # who and when
    verdict: str


@dataclass(frozen=True)
class Certificate:
    clinic: str
    product_name: str
    din: str
    donor: str
    collection_date: str
    passage: int
    cells_per_vial: int
    vials: int
    expires: str
    lines: Sequence[CoaLine]
    released_by: str
    released_at: str
    meaning: str
    digest: str


def certificate_of_analysis(coa: Certificate) -> bytes:
    """The lot's Certificate of Analysis (A4): identity, every test with specification and result, the release signature."""
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4)
    c.setTitle(f"Certificate of Analysis {coa.din}")
    width, height = A4
    y = height - 20 * mm
    c.setFont(BOLD, 14)
    c.drawString(20 * mm, y, f"{coa.clinic}: Certificate of Analysis")
    y -= 9 * mm
    c.setFont(REGULAR, 9.5)
    for line in (
        f"Product: {coa.product_name}",
        f"DIN: {coa.din}    Donor: {coa.donor}    Collected: {coa.collection_date}",
        f"Passage {coa.passage} · {coa.cells_per_vial:,} cells per vial · {coa.vials} vials · Expires {coa.expires}",
    ):
        c.drawString(20 * mm, y, line)
        y -= 5.5 * mm
    y -= 3 * mm
    columns = (20 * mm, 78 * mm, 108 * mm, 135 * mm, 178 * mm)
    c.setFont(BOLD, 8.5)
    for x, title in zip(columns, ("Test", "Specification", "Result", "Method, measured by", "Verdict"), strict=True):
        c.drawString(x, y, title)
    y -= 5 * mm
    c.setFont(REGULAR, 8)
    for row in coa.lines:
        if y < 40 * mm:
            c.showPage()
            c.setFont(REGULAR, 8)
            y = height - 20 * mm
        for x, text, room in zip(
            columns,
            (row.test, row.specification, row.result, f"{row.method}, {row.measured}", row.verdict),
            (56, 28, 25, 41, 20),
            strict=True,
        ):
            c.drawString(x, y, _fit(c, text, room * mm))
        y -= 4.8 * mm
    y -= 6 * mm
    c.setFont(BOLD, 9.5)
    c.drawString(20 * mm, y, f"Released by {coa.released_by} on {coa.released_at}: {coa.meaning}")
    c.setFont(REGULAR, 7.5)
    c.drawString(20 * mm, y - 5 * mm, f"Electronic signature, SHA-256 of the signed results: {coa.digest}")
    c.showPage()
    c.save()
    return out.getvalue()


def _fit(c: Canvas, text: str, room: float) -> str:
    while text and c.stringWidth(text, REGULAR, 8) > room:
        text = text[:-2] + "…"
    return text


def wristband(*, clinic: str, patient: str, case_code: str, coi: isbt128.Din) -> bytes:
    """The patient's wristband label (250 × 25 mm): name, case, and the Chain of Identity as Code 128 with its check character."""
    out = io.BytesIO()
    c = Canvas(out, pagesize=(250 * mm, 25 * mm))
    c.setTitle(f"Wristband {case_code}")
    c.setFont(BOLD, 10)
    c.drawString(5 * mm, 17 * mm, f"{patient} · {case_code}")
    c.setFont(REGULAR, 7)
    c.drawString(5 * mm, 12.5 * mm, clinic)
    _check_box(c, f"COI {coi.eye_readable[:-2]}", coi.check, 5 * mm, 5 * mm)
    _barcode(c, isbt128.coi_data(coi), 90 * mm, 5 * mm, 80 * mm, 14 * mm)
    c.showPage()
    c.save()
    return out.getvalue()
