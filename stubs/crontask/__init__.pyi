# crontask ships no type information; this is the one name Cellway uses, as its source defines it
# (crontask/__init__.py), so that a scheduled job keeps the Task type `@task` gives it.
from collections.abc import Callable
from typing import Any, TypeVar

from apscheduler.triggers.base import BaseTrigger
from django.tasks import Task

_T = TypeVar("_T", bound=Task[..., Any])

def cron(
    schedule: str | BaseTrigger, *, sentry_monitor_config: dict[str, dict[str, str | int] | str] | None = ...
) -> Callable[[_T], _T]: ...
