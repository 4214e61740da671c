"""Reads of a case's travel arrangements."""

from __future__ import annotations

from cellway.cases.models import Case
from cellway.travel.models import LogisticsTask


def logistics_tasks(case: Case) -> list[LogisticsTask]:
    return list(case.logistics_tasks.select_related("confirmed_by").order_by("kind"))
