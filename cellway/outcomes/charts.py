"""Server-rendered SVG charts: a measure over time, and Kaplan-Meier curves. No JavaScript, nothing fetched.

Presentation attributes only (no inline style: the CSP forbids it). Every
mark carries a <title>, and the pages show the same numbers in a table.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from cellway.outcomes.stats import SurvivalStep

W, H = 640, 230
LEFT, RIGHT, TOP, BOTTOM = 46, 14, 24, 34
INK, MUTED, LINE = "#1d2733", "#5b6775", "#dfe4ea"
BRAND, BAD, GOOD, WARN = "#0f6e6a", "#b3261e", "#1b6e35", "#a15c00"
FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True)
class Mark:
    """A confirmed event drawn on a series: its onset date, the value there, and what it was."""

    day: dt.date
    value: float
    kind: str  # "CDW" or "CDI"
    title: str


def _attr(text: str) -> str:
    return escape(text, quote=True)


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / max(1, ticks)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _date_ticks(first: dt.date, last: dt.date) -> list[dt.date]:
    months = (last.year - first.year) * 12 + last.month - first.month
    every = 1 if months <= 8 else 3 if months <= 30 else 6 if months <= 60 else 12
    ticks = []
    year, month = first.year, first.month
    while True:
        month_index = year * 12 + month - 1
        if month_index % every == 0:
            day = dt.date(year, month, 1)
            if first <= day <= last:
                ticks.append(day)
        month += 1
        if month > 12:
            year, month = year + 1, 1
        if dt.date(year, month, 1) > last:
            return ticks


@dataclass(frozen=True)
class _Plot:
    """Where a date and a value of one measure fall in the drawing area."""

    first: dt.date
    span_days: int
    y_floor: float
    y_top: float

    def x(self, day: dt.date) -> float:
        return LEFT + (day - self.first).days / self.span_days * (W - LEFT - RIGHT)

    def y(self, value: float) -> float:
        return TOP + (1 - (value - self.y_floor) / (self.y_top - self.y_floor)) * (H - TOP - BOTTOM)


def series_svg(
    *,
    title: str,
    unit: str,
    points: Sequence[tuple[dt.date, float]],
    therapy_days: Sequence[dt.date] = (),
    relapses: Sequence[dt.date] = (),
    marks: Sequence[Mark] = (),
    y_floor: float = 0.0,
    y_ceiling: float | None = None,
) -> str:
    """A line of one measure over time, therapy days as bands, relapses as triangles, events as rings."""
    if not points:
        return ""
    days = [d for d, _ in points] + list(therapy_days) + list(relapses)
    first, last = min(days) - dt.timedelta(days=10), max(days) + dt.timedelta(days=10)
    top_value = max(v for _, v in points)
    step = _nice_step(max(top_value - y_floor, 1.0))
    y_top = math.ceil(top_value / step) * step + (step if top_value % step == 0 else 0)
    if y_ceiling is not None:
        y_top = min(y_top, y_ceiling)
    plot = _Plot(first=first, span_days=max(1, (last - first).days), y_floor=y_floor, y_top=y_top)
    base, title_id = H - BOTTOM, f"t-{id(points)}"
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" role="img" aria-labelledby="{title_id}" {FONT}>',
            f'<title id="{title_id}">{_attr(title)}</title>',
            *_value_grid(plot, step, unit),
            *_date_axis(plot, last),
            *_therapy_bands(plot, therapy_days),
            *_measure_line(plot, points, unit),
            *_event_rings(plot, marks),
            *_relapse_triangles(plot, relapses),
            f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{base}" y2="{base}" stroke="{MUTED}"/>',
            "</svg>",
        ]
    )


def _value_grid(plot: _Plot, step: float, unit: str) -> list[str]:
    out = []
    value = plot.y_floor
    while value <= plot.y_top + 1e-9:
        y = plot.y(value)
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{LINE}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="{MUTED}">{value:g}</text>')
        value += step
    out.append(f'<text x="4" y="11" font-size="11" fill="{MUTED}">{_attr(unit)}</text>')
    return out


def _date_axis(plot: _Plot, last: dt.date) -> list[str]:
    out = []
    for n, tick in enumerate(_date_ticks(plot.first, last)):
        label = f"{tick:%b %Y}" if tick.month == 1 or n == 0 else f"{tick:%b}"
        x = plot.x(tick)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{H - BOTTOM}" y2="{H - BOTTOM + 4}" stroke="{MUTED}"/>')
        out.append(f'<text x="{x:.1f}" y="{H - BOTTOM + 16}" font-size="11" text-anchor="middle" fill="{MUTED}">{_attr(label)}</text>')
    return out


def _therapy_bands(plot: _Plot, therapy_days: Sequence[dt.date]) -> list[str]:
    out = [
        f'<rect x="{plot.x(day) - 2:.1f}" y="{TOP}" width="4" height="{H - TOP - BOTTOM}" fill="{BRAND}" opacity="0.25">'
        f"<title>Cell therapy {day:%d %b %Y}</title></rect>"
        for day in therapy_days
    ]
    if therapy_days:
        out.append(f'<text x="{plot.x(therapy_days[0]) + 5:.1f}" y="{TOP + 11}" font-size="11" fill="{BRAND}">cells</text>')
    return out


def _measure_line(plot: _Plot, points: Sequence[tuple[dt.date, float]], unit: str) -> list[str]:
    path = " ".join(f"{'M' if i == 0 else 'L'}{plot.x(d):.1f},{plot.y(v):.1f}" for i, (d, v) in enumerate(points))
    return [
        f'<path d="{path}" fill="none" stroke="{INK}" stroke-width="2"/>',
        *(
            f'<circle cx="{plot.x(d):.1f}" cy="{plot.y(v):.1f}" r="3.5" fill="{INK}">'
            f"<title>{d:%d %b %Y}: {v:g} {_attr(unit)}</title></circle>"
            for d, v in points
        ),
    ]


def _event_rings(plot: _Plot, marks: Sequence[Mark]) -> list[str]:
    return [
        f'<circle cx="{plot.x(mark.day):.1f}" cy="{plot.y(mark.value):.1f}" r="8" fill="none" '
        f'stroke="{BAD if mark.kind == "CDW" else GOOD}" stroke-width="2.5"><title>{_attr(mark.title)}</title></circle>'
        for mark in marks
    ]


def _relapse_triangles(plot: _Plot, relapses: Sequence[dt.date]) -> list[str]:
    base = H - BOTTOM
    return [
        f'<path d="M{plot.x(day) - 6:.1f},{base:.1f} L{plot.x(day) + 6:.1f},{base:.1f} L{plot.x(day):.1f},{base - 10:.1f} Z" fill="{WARN}">'
        f"<title>Relapse {day:%d %b %Y}</title></path>"
        for day in relapses
    ]


def survival_svg(*, title: str, steps: Sequence[SurvivalStep], horizon_days: float | None = None) -> str:
    """A Kaplan-Meier step curve with its 95 % band, censorings as ticks, time in months."""
    if not steps:
        return ""
    end = horizon_days or max(s.time for s in steps) or 1.0
    end_months = end / 30.4375
    x_step = 3 if end_months <= 18 else 6 if end_months <= 42 else 12

    def x(days: float) -> float:
        return LEFT + min(days, end) / end * (W - LEFT - RIGHT)

    def y(s: float) -> float:
        return TOP + (1 - s) * (H - TOP - BOTTOM)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" role="img" aria-labelledby="k-{id(steps)}" {FONT}>',
        f'<title id="k-{id(steps)}">{_attr(title)}</title>',
    ]
    for pct in range(0, 101, 25):
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(pct / 100):.1f}" y2="{y(pct / 100):.1f}" stroke="{LINE}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(pct / 100) + 4:.1f}" font-size="11" text-anchor="end" fill="{MUTED}">{pct}%</text>')
    month = 0
    while month <= end_months + 1e-9:
        px = x(month * 30.4375)
        out.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{H - BOTTOM}" y2="{H - BOTTOM + 4}" stroke="{MUTED}"/>')
        out.append(f'<text x="{px:.1f}" y="{H - BOTTOM + 16}" font-size="11" text-anchor="middle" fill="{MUTED}">{month}</text>')
        month += x_step
    out.append(f'<text x="{W - RIGHT}" y="{H - 2}" font-size="11" text-anchor="end" fill="{MUTED}">months after treatment</text>')
    upper, lower = [], []
    line = []
    for i, s in enumerate(steps):
        next_t = steps[i + 1].time if i + 1 < len(steps) else end
        upper += [(x(s.time), y(s.high)), (x(next_t), y(s.high))]
        lower += [(x(s.time), y(s.low)), (x(next_t), y(s.low))]
        line += [(x(s.time), y(s.survival)), (x(next_t), y(s.survival))]
    band = " ".join(f"{px:.1f},{py:.1f}" for px, py in upper + lower[::-1])
    out.append(f'<polygon points="{band}" fill="{BRAND}" opacity="0.15"/>')
    out.append(f'<polyline points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in line)}" fill="none" stroke="{BRAND}" stroke-width="2.5"/>')
    for s in steps:
        if s.censored:
            px, py = x(s.time), y(s.survival)
            out.append(
                f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{py - 5:.1f}" y2="{py + 5:.1f}" stroke="{INK}">'
                f"<title>{s.censored} censored at {s.time / 30.4375:.1f} months</title></line>"
            )
    out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{H - BOTTOM}" y2="{H - BOTTOM}" stroke="{MUTED}"/>')
    out.append("</svg>")
    return "".join(out)
