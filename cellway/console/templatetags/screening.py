"""Template tags for the liaison queue: screening reports missing or about to lapse, for a page of cases in one query."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join

from cellway.plans.selectors import documents_for
from cellway.records.documents import DocumentState

register = template.Library()


@register.simple_tag
def documents_for_rows(rows: list[tuple[Any, ...]]) -> dict[int, Any]:
    """Document statuses keyed by case id for the queue's rows (each row starts with its case)."""
    return documents_for(row[0] for row in rows)


@register.simple_tag
def document_badges(documents: dict[int, Any], case: Any) -> str:
    flagged = [d for d in documents.get(case.pk, []) if d.flagged]
    if not flagged:
        return format_html('<span class="badge {}">in order</span>', "good")
    words = {DocumentState.MISSING: "missing", DocumentState.LAPSING: "lapses", DocumentState.LAPSED: "lapsed"}
    return format_html_join(
        " ",
        '<span class="badge {}" title="{}">{} {}{}</span>',
        (
            (
                "warn" if d.state == DocumentState.LAPSING else "bad",
                d.detail,
                "Screening report",
                words[d.state],
                f" {d.expires_on:%d %b}" if d.expires_on and d.state != DocumentState.MISSING else "",
            )
            for d in flagged
        ),
    )
