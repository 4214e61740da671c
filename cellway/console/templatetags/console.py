"""Template filters of the staff pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.html import format_html

from cellway.billing.money import format_money
from cellway.treatment.models import SessionKind

register = template.Library()


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
