"""Refusals the services raise. Views show `.message` to the person acting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Refusal(Exception):
    """A rule says no. Nothing has been written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self._message = message

    @property
    def message(self) -> str:
        return self._message


class StageConflict(Refusal):
    """The case is no longer where the person acting believed it was (someone acted first)."""


class NotAllowed(Refusal):
    """The person may see the case but may not do this (HTTP 403)."""


def allowed(check: Callable[..., None], /, **kwargs: Any) -> bool:
    """Whether `check(**kwargs)` lets the action through: the interface offers an action only if so.

    The service calls the same check before it writes, so what is offered and
    what is done cannot drift apart.
    """
    try:
        check(**kwargs)
    except Refusal:
        return False
    return True
