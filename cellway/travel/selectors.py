"""Reads of scheduling and logistics."""

from __future__ import annotations

from cellway.cases.models import Case
from cellway.travel.models import LogisticsTask, TaskStatus


def logistics_tasks(case: Case) -> list[LogisticsTask]:
    return list(case.logistics_tasks.select_related("confirmed_by").order_by("kind"))


def confirmed_tasks(case: Case) -> list[LogisticsTask]:
    return list(case.logistics_tasks.filter(status=TaskStatus.CONFIRMED))


def task_kinds(case: Case) -> set[str]:
    return set(case.logistics_tasks.values_list("kind", flat=True))
