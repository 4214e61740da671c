"""The engine against its reference, pymsprog 1.0.7, field by field.

Every combination of outcome, event mode, baseline and confirmation periods
that Cellway offers runs on a synthetic cohort (seeds vary across the
combinations, so together they cover several cohorts) and must give exactly
pymsprog's event table: same rows, same order, same value in every column.

pymsprog is slow (a few ms per patient per run), so each run uses a cohort of
a size that keeps the whole module near half a minute.
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING

import pytest

from cellway.outcomes.confirmed_change import Rules, detect_cohort, row_columns
from cellway.outcomes.tests import cohort as C

if TYPE_CHECKING:
    import pandas as pd

OUTCOMES = ("edss", "t25fw", "nhpt")
EVENTS = ("firstCDW", "firstCDI", "first", "multiple", "firstPIRA", "firstRAW")
CONF_DAYS = ((84,), (84, 168), (168,))
PATIENTS = 100


@functools.cache
def _cohort(seed: int, size: int) -> tuple[list[C.Patient], pd.DataFrame, pd.DataFrame]:
    patients = C.generate_cohort(size, seed)
    visits, relapses = C.to_dataframes(patients)
    return patients, visits, relapses


def _compare(seed: int, size: int, rules: Rules, **extra: object) -> None:
    patients, visits, relapses = _cohort(seed, size)
    kwargs = C.pymsprog_kwargs(rules.outcome, rules.event, rules.baseline, rules.conf_days)
    kwargs.update(extra)
    reference = C.run_pymsprog(visits, relapses, **kwargs)
    _assert_same(patients, reference, rules)


def _assert_same(patients: list[C.Patient], reference: pd.DataFrame, rules: Rules) -> None:
    cols = row_columns(rules.conf_days)
    if "CDW_type" not in reference.columns:
        cols.remove("CDW_type")  # pymsprog leaves it out when it does not classify
    ours = [e.as_row(rules.conf_days) for e in detect_cohort(C.subjects(patients, rules.outcome), rules)]
    diffs = C.differences(C.normalise_ours(ours, cols), C.normalise_reference(reference, cols))
    assert diffs == [], "\n".join(diffs)
    assert len(ours) >= len(patients)


def _crashes_pymsprog(event: str, baseline: str, conf_days: tuple[int, ...]) -> bool:
    # See the module docstring of confirmed_change: pymsprog's np.min of an
    # empty list when a skipped CDW lacks a confirmation in one window.
    return event in ("firstPIRA", "firstRAW") and baseline in ("fixed", "roving_impr") and len(conf_days) > 1


_COMBOS = [combo for combo in itertools.product(OUTCOMES, EVENTS, ("fixed", "roving"), CONF_DAYS[:2]) if not _crashes_pymsprog(*combo[1:])]
# Seeds rotate across combinations so that together they cover five cohorts.
_MAIN = [
    pytest.param(11 + i % 5, *combo, id=f"{combo[0]}-{combo[1]}-{combo[2]}-{'+'.join(map(str, combo[3]))}")
    for i, combo in enumerate(_COMBOS)
]


@pytest.mark.parametrize(("seed", "outcome", "event", "baseline", "conf_days"), _MAIN)
def test_events_match_pymsprog(seed: int, outcome: str, event: str, baseline: str, conf_days: tuple[int, ...]) -> None:
    _compare(seed, PATIENTS, Rules(outcome=outcome, event=event, baseline=baseline, conf_days=conf_days))


@pytest.mark.parametrize(
    ("event", "baseline"),
    [
        ("firstCDW", "roving_impr"),
        ("multiple", "roving_impr"),
        ("multiple", "roving_wors"),
        ("firstPIRA", "roving_wors"),
        ("firstRAW", "roving_wors"),
        ("firstPIRA", "roving_impr"),
    ],
)
def test_one_sided_roving_baselines_match_pymsprog(event: str, baseline: str) -> None:
    _compare(21, PATIENTS, Rules(outcome="edss", event=event, baseline=baseline))


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_confirmation_at_168_days_only_matches_pymsprog(outcome: str) -> None:
    _compare(23, PATIENTS, Rules(outcome=outcome, event="multiple", baseline="roving", conf_days=(168,)))


def test_conf_days_order_is_respected_like_pymsprog() -> None:
    # The search resumes at the first confirmation of the first listed window.
    _compare(24, PATIENTS, Rules(event="multiple", baseline="roving", conf_days=(168, 84)))


@pytest.mark.parametrize("event", ["multiple", "firstPIRA"])
def test_non_default_relapse_windows_match_pymsprog(event: str) -> None:
    rules = Rules(
        event=event,
        baseline="roving",
        conf_days=(84,),
        conf_tol_days=(14, 180),
        relapse_to_bl=(60, 0),
        relapse_to_event=(14, 0),
        relapse_to_conf=(0, 0),
        relapse_assoc=(30, 0),
    )
    _compare(
        25,
        PATIENTS,
        rules,
        conf_tol_days=[14, 180],
        relapse_to_bl=[60, 0],
        relapse_to_event=[14, 0],
        relapse_to_conf=[0, 0],
        relapse_assoc=[30, 0],
    )


def _reference_without_crashing_subjects(
    visits: pd.DataFrame, relapses: pd.DataFrame, ids: list[str], kwargs: dict[str, object]
) -> tuple[list[pd.DataFrame], list[str]]:
    """Run pymsprog on ``ids``, bisecting away the subjects it raises on."""
    try:
        return [C.run_pymsprog(visits, relapses, subjects=ids, **kwargs)], []
    except ValueError:
        if len(ids) == 1:
            return [], ids
    half = len(ids) // 2
    left, bad_left = _reference_without_crashing_subjects(visits, relapses, ids[:half], kwargs)
    right, bad_right = _reference_without_crashing_subjects(visits, relapses, ids[half:], kwargs)
    return left + right, bad_left + bad_right


@pytest.mark.parametrize(("outcome", "event"), list(itertools.product(OUTCOMES, ("firstPIRA", "firstRAW"))))
def test_where_pymsprog_raises_the_other_subjects_still_match(outcome: str, event: str) -> None:
    import pandas as pd

    rules = Rules(outcome=outcome, event=event, baseline="fixed", conf_days=(84, 168))
    patients, visits, relapses = _cohort(31, 80)
    kwargs = C.pymsprog_kwargs(outcome, event, "fixed", (84, 168))
    frames, crashed = _reference_without_crashing_subjects(visits, relapses, [p.id for p in patients], kwargs)
    kept = [p for p in patients if p.id not in crashed]
    reference = pd.concat(frames, ignore_index=True)
    # pymsprog orders rows by subject within each call; restore cohort order.
    order = {p.id: i for i, p in enumerate(kept)}
    reference = reference.sort_values(by="id", key=lambda s: s.map(order), kind="stable")
    _assert_same(kept, reference, rules)
    # Our engine answers for the subjects pymsprog cannot handle.
    crashed_patients = [p for p in patients if p.id in crashed]
    assert all(detect_cohort(C.subjects(crashed_patients, outcome), rules))
