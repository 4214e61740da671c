from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pct(value: float | None, digits: int = 0) -> str:
    """0.4231 -> '42' (digits=0) or '42.3' (digits=1); the page adds the % sign."""
    if value is None:
        return "–"
    return f"{value * 100:.{int(digits)}f}"
