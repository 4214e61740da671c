"""Reads of quotes, payments and overrides."""

from __future__ import annotations

from cellway.billing.models import BalanceOverride, Payment, Quote
from cellway.cases.models import Case


def quote_versions(case: Case) -> list[Quote]:
    """Every version of the case's quote, newest first."""
    return list(case.quotes.select_related("issued_by", "acceptance_recorded_by").order_by("-version"))


def payments(case: Case) -> list[Payment]:
    return list(case.payments.select_related("recorded_by").order_by("received_on", "id"))


def overrides(case: Case) -> list[BalanceOverride]:
    return list(case.balance_overrides.select_related("granted_by"))
