"""The discharge summary as a PDF (ReportLab): what was given, what was set aside, adverse events, vital-sign excursions.

Plain data in, bytes out; no Django here. `console/treatment/views.py` gathers the rows through the selectors.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

# Bitstream Vera ships with ReportLab (its licence beside it): it has °, ₂ and the arrows the rows use.
REGULAR, BOLD = "Vera", "VeraBd"
pdfmetrics.registerFont(TTFont(REGULAR, "Vera.ttf"))
pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))

BODY = ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=12)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9.5)
HEADING = ParagraphStyle("heading", parent=BODY, fontName=BOLD, fontSize=11, leading=15, spaceBefore=8, spaceAfter=3)
TITLE = ParagraphStyle("title", parent=BODY, fontName=BOLD, fontSize=15, leading=19)


@dataclass(frozen=True)
class Summary:
    clinic: str
    patient: str
    case_code: str
    condition: str
    arrival: str
    treatment_dates: str
    completed: str
    # Each a list of rows (already worded); an empty list prints "None".
    given: Sequence[Sequence[str]] = field(default_factory=list)  # day, item, what was given, route, vials (lot, vial, cells)
    set_aside: Sequence[Sequence[str]] = field(default_factory=list)  # item, reason
    adverse_events: Sequence[Sequence[str]] = field(default_factory=list)  # onset, event, grade, serious, related, outcome
    excursions: Sequence[Sequence[str]] = field(default_factory=list)  # day, session, phase, values, outside the usual range
    consents: Sequence[Sequence[str]] = field(default_factory=list)  # therapy, form version, signed, withdrawn
    protocol: str = ""  # the post-treatment protocol's text, if issued


def _escape(text: str) -> str:
    # Vera has no subscript two: SpO₂ is drawn with ReportLab's own subscript.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("₂", "<sub>2</sub>")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> Flowable:
    if not rows:
        return Paragraph("None.", BODY)
    data = [[Paragraph(f"<b>{_escape(h)}</b>", SMALL) for h in header]]
    data += [[Paragraph(_escape(cell), SMALL) for cell in row] for row in rows]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def discharge_summary(s: Summary) -> bytes:
    """The A4 discharge summary; its pages are numbered and carry the case code."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Discharge summary {s.case_code}",
    )
    story: list[Flowable] = [
        Paragraph(f"{_escape(s.clinic)}: discharge summary", TITLE),
        Spacer(1, 3 * mm),
        Paragraph(f"<b>{_escape(s.patient)}</b> · {_escape(s.case_code)} · {_escape(s.condition)}", BODY),
        Paragraph(f"Arrived {_escape(s.arrival)} · treatment {_escape(s.treatment_dates)} · completed {_escape(s.completed)}", BODY),
        Paragraph("What was given", HEADING),
        _table(("Day", "Planned item", "Given", "Route", "Cells given (lot DIN, vial, cells)"), s.given, (20, 34, 50, 20, 54)),
    ]
    if s.set_aside:
        story += [Paragraph("Planned but not given", HEADING), _table(("Item", "Why"), s.set_aside, (50, 128))]
    story += [
        Paragraph("Adverse events", HEADING),
        _table(("Onset", "Event", "Grade (CTCAE v5)", "Serious", "Related", "Outcome"), s.adverse_events, (20, 40, 28, 30, 30, 30)),
        Paragraph("Vital signs outside the usual range", HEADING),
        _table(("Day", "Session", "When", "Values", "Outside the usual range"), s.excursions, (20, 32, 16, 55, 55)),
        Paragraph("Informed consent", HEADING),
        _table(("Therapy", "Form", "Signed", "Withdrawn"), s.consents, (60, 58, 25, 35)),
    ]
    if s.protocol:
        story += [Paragraph("Post-treatment protocol", HEADING), Paragraph(_escape(s.protocol).replace("\n", "<br/>"), BODY)]

    def footer(canvas: object, document: object) -> None:
        canvas.setFont(REGULAR, 7)  # type: ignore[attr-defined]
        canvas.drawRightString(  # type: ignore[attr-defined]
            A4[0] - 16 * mm,
            9 * mm,
            f"{s.case_code} · discharge summary · page {document.page}",  # type: ignore[attr-defined]
        )

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
