"""The list pages' own filters: the same text and address as Django's `timesince` and `{% url %}`, for less."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from cellway.cases.models import Case
from cellway.console.templatetags.console import age, case_url

NOW = timezone.now()


@pytest.mark.parametrize(
    ("ago", "shown"),
    [
        (dt.timedelta(seconds=30), "0 minutes"),
        (dt.timedelta(minutes=1), "1 minute"),
        (dt.timedelta(minutes=59, seconds=59), "59 minutes"),
        (dt.timedelta(hours=1), "1 hour"),
        (dt.timedelta(hours=23, minutes=59), "23 hours"),
        (dt.timedelta(days=1), "1 day"),
        (dt.timedelta(days=6, hours=23), "6 days"),
        (dt.timedelta(days=7), "1 week"),
        (dt.timedelta(days=29), "4 weeks"),
        (dt.timedelta(days=30), "1 month"),
        (dt.timedelta(days=364), "12 months"),
        (dt.timedelta(days=365 * 2 + 1), "2 years"),
    ],
)
def test_age_is_the_largest_whole_unit(ago, shown, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    assert age(NOW - ago) == shown


def test_age_of_nothing_or_of_a_moment_to_come(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    assert age(None) == ""
    assert age(NOW + dt.timedelta(hours=3)) == "0 minutes"  # a clock a little ahead never shows a negative age


def test_case_url_is_the_reversed_address_under_any_script_prefix():
    case = Case(code="CW-2026-0001")
    assert case_url(case) == reverse("console:case", args=[case.uuid])
    set_script_prefix("/clinic/")
    try:
        assert case_url(case) == f"/clinic/cases/{case.uuid}/" == reverse("console:case", args=[case.uuid])
    finally:
        set_script_prefix("/")
    assert case_url(case) == reverse("console:case", args=[case.uuid])
