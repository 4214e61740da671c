"""The stage table, walked exhaustively (pure, no database: `make test-engines` runs it). The move function that
enforces it is tested in test_move.py."""

from __future__ import annotations

import itertools

import pytest

from cellway.cases.stages import ENDINGS, FINAL, OPEN, Stage, can_move

MAIN_PATH = [Stage.INQUIRY, Stage.TRIAGE, Stage.REVIEW, Stage.QUOTED, Stage.ACCEPTED, Stage.CLEARED, Stage.SCHEDULED,
             Stage.DEPOSIT_PAID, Stage.PAID, Stage.ARRIVED, Stage.IN_TREATMENT, Stage.TREATED, Stage.FOLLOW_UP, Stage.CLOSED]

# Every move the clinic allows besides an ending, and why it exists.
ALLOWED = {
    *zip(MAIN_PATH, MAIN_PATH[1:], strict=False),
    (Stage.TRIAGE, Stage.INQUIRY),          # the liaison officer finds records missing
    (Stage.QUOTED, Stage.REVIEW),           # the plan is revised
    (Stage.CLEARED, Stage.ACCEPTED),        # a newer screening result awaits its verdict
    (Stage.SCHEDULED, Stage.PAID),          # the whole amount paid at once
    (Stage.DEPOSIT_PAID, Stage.ARRIVED),    # arrival before the balance is due
    (Stage.SCHEDULED, Stage.ACCEPTED),      # a moved date: the screening no longer counts (rule 5)
    (Stage.DEPOSIT_PAID, Stage.ACCEPTED),
    (Stage.PAID, Stage.ACCEPTED),
    (Stage.ARRIVED, Stage.PAID),            # a mistaken arrival undone, with the reason
    (Stage.ARRIVED, Stage.DEPOSIT_PAID),
}


def test_the_stages_are_open_or_final_and_the_endings_are_declined_refused_and_withdrawn():
    assert {Stage.DECLINED, Stage.REFUSED, Stage.WITHDRAWN} == ENDINGS
    assert ENDINGS | {Stage.CLOSED} == FINAL
    assert set(Stage) == OPEN | FINAL
    assert not OPEN & FINAL


@pytest.mark.parametrize(("current", "to"), sorted(ALLOWED))
def test_each_move_on_the_journey_is_allowed(current, to):
    assert can_move(current, to)


@pytest.mark.parametrize("current", sorted(OPEN))
@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_every_open_stage_may_end(current, ending):
    assert can_move(current, ending)


@pytest.mark.parametrize("current", sorted(FINAL))
def test_nothing_moves_out_of_a_final_stage(current):
    assert [to for to in Stage if can_move(current, to)] == []


def test_every_other_move_is_disallowed():
    disallowed = [
        (current, to) for current, to in itertools.product(Stage, Stage)
        if (current, to) not in ALLOWED and not (current in OPEN and to in ENDINGS)
    ]
    assert [(c, t) for c, t in disallowed if can_move(c, t)] == []
    # The table is not empty by accident: the moves skipping ahead and staying put are among them.
    assert (Stage.INQUIRY, Stage.REVIEW) in disallowed
    assert (Stage.ACCEPTED, Stage.SCHEDULED) in disallowed
    assert (Stage.TREATED, Stage.CLOSED) in disallowed
    assert all((s, s) in disallowed for s in Stage)
