"""move(): the one function that writes a stage, and lock_case, which it relies on. The table it enforces is in test_stages.py."""

from __future__ import annotations

import pytest
from django.db import transaction

from cellway.cases.models import CaseEvent
from cellway.cases.services import lock_case, move
from cellway.cases.stages import ENDINGS, Stage
from cellway.errors import StageConflict


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
