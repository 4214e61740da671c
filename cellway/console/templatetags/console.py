"""Template filters of the staff pages."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.forms import BoundField
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.html import format_html

from cellway.billing.money import format_money
from cellway.portal.selectors import reports_waiting
from cellway.treatment.models import SessionKind

register = template.Library()


@register.simple_tag
def field(bound: BoundField) -> str:
    """A form field with its label, help text and errors: `console/field.html`, drawn by the form renderer.

    That template is Jinja2 (`console/jinja2/`), like Django's widget templates it wraps (`cellway.renderers`):
    the case page draws a few dozen fields, and an `{% include %}` of a Django template per field cost about as
    much as the widgets themselves.
    """
    return bound.render("console/field.html")

# Queue and list pages show up to fifty cases; Django's `timesince` (about 40 µs, through lazy translations) and a
# `{% url %}` per row (about 30 µs) were a third of the liaison queue's CPU. These two give the same text and address.


@register.filter
def age(moment: dt.datetime | None) -> str:
    """How long ago, in the largest whole unit: '3 weeks', '1 day', '5 hours', '0 minutes' (the staff pages are in English)."""
    if moment is None:
        return ""
    seconds = max(0, int((timezone.now() - moment).total_seconds()))
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400), ("hour", 3600)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    count = seconds // 60
    return f"{count} minute{'' if count == 1 else 's'}"


_ANY_UUID = uuid.UUID(int=0)


@functools.lru_cache(maxsize=8)
def _case_url_around(prefix: str, urlconf: str | None) -> tuple[str, str]:
    before, _, after = reverse("console:case", args=[_ANY_UUID], urlconf=urlconf).partition(str(_ANY_UUID))
    return before, after


@register.filter
def case_url(case: object) -> str:
    """The case page's address, as `{% url 'console:case' case.uuid %}` gives it (reversed once per script prefix)."""
    before, after = _case_url_around(get_script_prefix(), get_urlconf())
    return f"{before}{case.uuid}{after}"  # type: ignore[attr-defined]


@register.filter
def money(value: object) -> str:
    """18080 -> '18,080.00': amounts with thousands separators and two decimals."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{amount:,.2f}"


@register.filter
def amount(value: object, currency: str) -> str:
    """An amount in `currency` written for the reader's language (Babel): '€18,080.00', '18.080,00 €', '¥1,200'."""
    if value is None or value == "":
        return ""
    try:
        decimal = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format_money(decimal, currency, translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE))


@register.filter
def number(value: object) -> str:
    """100000000 -> '100,000,000'; 100.0 -> '100'; 2.5 -> '2.5'."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).normalize()
    except InvalidOperation:
        return str(value)
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount:,f}"


@register.simple_tag(takes_context=True)
def refusal(context: template.Context, form_key: str) -> str:
    """The refusal of the form `form_key` on this case page, shown next to that form."""
    page = context.get("page")
    message = page.refusal(form_key) if page is not None else ""
    return format_html('<p class="refusal" role="alert">{}</p>', message) if message else ""


@register.filter
def session_kind(value: str) -> str:
    """ "physio" -> "Physiotherapy": a planned item's kind as the ward says it."""
    return str(SessionKind(value).label) if value in SessionKind.values else value


@register.simple_tag(takes_context=True)
def reports_from_home_waiting(context: template.Context) -> int:
    """How many reports from home wait for the signed-in person's review (the navigation's badge; one query, none
    for someone who does not review them)."""
    user = context.get("user")
    return reports_waiting(user) if user is not None else 0
