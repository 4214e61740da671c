"""The free-text limits' one check (pure: no database)."""

from __future__ import annotations

import pytest

from cellway import limits
from cellway.errors import Refusal


def test_text_up_to_the_limit_passes():
    limits.check_length("x" * limits.REASON, limits.REASON, "The reason")


def test_text_over_the_limit_is_refused_with_what_and_how_much():
    with pytest.raises(Refusal, match=r"The reason is too long: 2,001 characters, at most 2,000\."):
        limits.check_length("x" * (limits.REASON + 1), limits.REASON, "The reason")


def test_a_nul_character_is_refused_because_postgresql_cannot_store_it():
    with pytest.raises(Refusal, match="The note cannot contain a NUL character"):
        limits.check_length("ok\x00", limits.NOTE, "The note")
