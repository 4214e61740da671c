"""Refusals the services raise. Views show `.message` to the person acting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Refusal(Exception):
    """A rule says no. Nothing has been written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StageConflict(Refusal):
    """The case is no longer where the person acting believed it was (someone acted first)."""


class NotAllowed(Refusal):
    """The person may see the case but may not do this (HTTP 403)."""


def allowed(check: Callable[..., None], /, **kwargs: Any) -> bool:
    """Whether `check(**kwargs)` passes: the interfaces offer an action only when the service's own check would."""
    try:
        check(**kwargs)
    except Refusal:
        return False
    return True
