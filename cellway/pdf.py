"""PDFs drawn from HTML templates with WeasyPrint (quotes, invoices, the condition eBooks).

WeasyPrint needs Pango from Debian (`make pdf-deps`); it is imported only when a PDF is asked for, so that
start-up does not load Pango and a machine without it still runs everything else.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string


class PdfUnavailable(Exception):
    pass


@cache
def unavailable() -> str | None:
    """Why PDFs cannot be drawn on this machine (WeasyPrint or its libraries missing), or None if they can."""
    try:
        import weasyprint  # noqa: F401, PLC0415 - loads Pango: only when a PDF is asked for
    except (ImportError, OSError) as missing:
        return f"WeasyPrint cannot load its libraries ({missing}); run `make pdf-deps`."
    return None


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """The template rendered with ``context``, as a PDF. PdfUnavailable says why not, on a machine without Pango."""
    why = unavailable()
    if why is not None:
        raise PdfUnavailable(why)
    from weasyprint import HTML  # noqa: PLC0415

    return bytes(HTML(string=render_to_string(template, context)).write_pdf())


def pdf_response(pdf: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """A drawn PDF as an answer: a download (or shown in the browser if `inline`), never stored by a cache."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
