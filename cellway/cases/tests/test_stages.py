"""The stage table, walked exhaustively (pure, no database); and the move function that enforces it."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction

from cellway.cases.models import CaseEvent
from cellway.cases.services import lock_case, move
from cellway.cases.stages import ENDINGS, FINAL, OPEN, Stage, can_move
from cellway.errors import StageConflict

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
}


def test_the_stages_are_open_or_final_and_the_endings_are_declined_refused_and_withdrawn():
    assert ENDINGS == {Stage.DECLINED, Stage.REFUSED, Stage.WITHDRAWN}
    assert FINAL == ENDINGS | {Stage.CLOSED}
    assert OPEN | FINAL == set(Stage)
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


# --- move(): the one function that writes a stage ----------------------------------------


@pytest.fixture
def triage_case(case_at):
    return case_at(Stage.TRIAGE)


@pytest.mark.parametrize("to", sorted(set(Stage) - {Stage.REVIEW, Stage.INQUIRY} - ENDINGS))
def test_a_disallowed_move_raises_stage_conflict_and_writes_nothing(triage_case, staff, to):
    events, version = CaseEvent.objects.filter(case=triage_case).count(), triage_case.version

    with pytest.raises(StageConflict) as refused, transaction.atomic():
        move(lock_case(triage_case), to=to, by=staff["liam"])

    assert refused.value.message == f"{triage_case.code} cannot go from 'Liaison triage' to '{to.label}'."
    triage_case.refresh_from_db()
    assert triage_case.stage == Stage.TRIAGE
    assert triage_case.version == version
    assert CaseEvent.objects.filter(case=triage_case).count() == events


def test_an_allowed_move_changes_the_stage_bumps_the_version_and_writes_one_event(triage_case, staff):
    version = triage_case.version

    with transaction.atomic():
        event = move(lock_case(triage_case), to=Stage.INQUIRY, by=staff["liam"], reason="MRI is from 2019")

    triage_case.refresh_from_db()
    assert triage_case.stage == Stage.INQUIRY
    assert triage_case.version == version + 1
    assert (event.kind, event.from_stage, event.to_stage, event.actor, event.reason) == (
        "stage", "triage", "inquiry", staff["liam"], "MRI is from 2019")


def test_lock_case_refuses_a_case_that_is_no_longer_in_the_stage_the_caller_expected(triage_case):
    with pytest.raises(StageConflict) as refused, transaction.atomic():
        lock_case(triage_case, expected=Stage.INQUIRY, doing="mark records complete")

    assert refused.value.message.startswith(f"Cannot mark records complete: {triage_case.code} is now 'Liaison triage' (moved by ")
    assert refused.value.message.endswith("Reload the page.")
