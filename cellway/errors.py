"""Refusals the services raise. Views show `.message` to the person acting."""

from __future__ import annotations


class Refusal(Exception):
    """A rule says no. Nothing has been written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StageConflict(Refusal):
    """The case is no longer where the person acting believed it was (someone acted first)."""


class NotAllowed(Refusal):
    """The person may see the case but may not do this (HTTP 403)."""
