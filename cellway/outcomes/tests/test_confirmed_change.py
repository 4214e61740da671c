"""Hand-made subjects that try to break each confirmed-change rule.

Each case states the answer worked out from the rules in
``confirmed_change``'s docstring, and (except where pymsprog cannot run the
case) also checks that pymsprog 1.0.7 gives the same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from cellway.outcomes.confirmed_change import (
    Event,
    Rules,
    RulesError,
    Subject,
    VisitError,
    bounds_for,
    detect_cohort,
    detect_events,
    exact,
    row_columns,
)
from cellway.outcomes.csvio import CsvError, main, read_visits, rules_from_options, run_events_file
from cellway.outcomes.tests import cohort as C

DAY0 = dt.date(2020, 1, 1)


def day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def subject(visits: Sequence[tuple[int, float]], relapses: Sequence[int] = (), sid: str = "S1") -> Subject:
    return Subject(sid, [(day(d), v) for d, v in visits], [day(r) for r in relapses])


def run(s: Subject, check_reference: bool = True, **settings: object) -> list[Event]:
    rules = Rules(**settings)  # type: ignore[arg-type]
    events = detect_events(s, rules)
    if check_reference:
        assert_matches_pymsprog([s], rules)
    return events


def assert_matches_pymsprog(subjects: list[Subject], rules: Rules) -> None:
    visits = pd.DataFrame([(s.id, d, v) for s in subjects for d, v in s.visits], columns=["id", "date", rules.outcome])
    visits["date"] = pd.to_datetime(visits["date"])
    relapses = pd.DataFrame([(s.id, d) for s in subjects for d in s.relapses], columns=["id", "date"])
    relapses["date"] = pd.to_datetime(relapses["date"])
    reference = C.run_pymsprog(
        visits,
        relapses if len(relapses) else None,  # type: ignore[arg-type]
        **C.pymsprog_kwargs(rules.outcome, rules.event, rules.baseline, rules.conf_days),
    )
    cols = row_columns(rules.conf_days)
    if "CDW_type" not in reference.columns:
        cols.remove("CDW_type")
    ours = [e.as_row(rules.conf_days) for e in detect_cohort(subjects, rules)]
    diffs = C.differences(C.normalise_ours(ours, cols), C.normalise_reference(reference, cols))
    assert diffs == [], "\n".join(diffs)


def only(events: list[Event]) -> Event:
    assert len(events) == 1
    return events[0]


def no_event(events: list[Event], follow_up: int) -> None:
    e = only(events)
    assert (e.nevent, e.event_type, e.CDW_type) == (0, "", "")
    assert e.total_fu == e.time2event == follow_up
    assert e.date is None and e.confirmations == ()


# -- confirmation ------------------------------------------------------------------


def test_a_confirmed_worsening_is_reported_with_its_confirmation() -> None:
    e = only(run(subject([(0, 2.0), (90, 3.0), (180, 3.0)])))
    assert (e.nevent, e.event_type, e.CDW_type) == (1, "CDW", "PIRA")
    assert (e.date, e.value, e.bl_date, e.bl_value) == (day(90), 3.0, day(0), 2.0)
    assert (e.time2event, e.bl2event, e.total_fu) == (90, 90, 180)
    assert [(c.conf_days, c.date, c.value) for c in e.confirmations] == [(84, day(180), 3.0)]
    assert (e.sust_days, e.sust_last) == (90, True)


def test_a_worsening_that_falls_back_is_not_confirmed() -> None:
    no_event(run(subject([(0, 2.0), (90, 3.0), (180, 2.0), (270, 2.0)])), follow_up=270)


def test_a_worsening_at_the_last_visit_is_not_confirmed() -> None:
    no_event(run(subject([(0, 2.0), (90, 2.0), (180, 3.0)])), follow_up=180)


def test_an_intermediate_visit_that_dips_breaks_the_confirmation() -> None:
    # Day 130 is too early to confirm (40 days) but must still hold: 2.5 does
    # not. The search resumes after the onset; day 180 onward is a new onset.
    s = subject([(0, 2.0), (90, 3.0), (130, 2.5), (180, 3.0), (270, 3.0)])
    e = only(run(s))
    assert (e.date, e.bl_date) == (day(180), day(0))
    assert e.confirmations[0].date == day(270)


def test_every_intermediate_visit_must_hold_not_just_the_confirmation() -> None:
    no_event(run(subject([(0, 2.0), (90, 3.0), (130, 2.5), (180, 3.0)])), follow_up=180)


@pytest.mark.parametrize(("gap", "confirmed"), [(76, False), (77, True), (814, True), (815, False)])
def test_confirmation_window_is_84_days_minus_7_to_plus_730_5(gap: int, confirmed: bool) -> None:
    events = run(subject([(0, 2.0), (100, 3.0), (100 + gap, 3.0)]))
    assert (events[0].nevent == 1) is confirmed


def test_a_later_visit_that_no_longer_holds_ends_the_sustained_period() -> None:
    e = only(run(subject([(0, 2.0), (90, 3.0), (180, 3.0), (270, 3.5), (360, 2.0), (450, 3.0)])))
    assert (e.sust_days, e.sust_last) == (180, False)  # held to day 270


def test_168_day_confirmation_needs_a_visit_from_day_161() -> None:
    e = only(run(subject([(0, 2.0), (90, 3.0), (180, 3.0), (251, 3.0)]), conf_days=(168,)))
    assert e.confirmations[0].date == day(251)
    no_event(run(subject([(0, 2.0), (90, 3.0), (180, 3.0), (250, 3.0)]), conf_days=(168,)), follow_up=250)
    no_event(run(subject([(0, 2.0), (90, 3.0), (180, 3.0)]), conf_days=(168,)), follow_up=180)


def test_84_or_168_reports_each_window_that_confirms() -> None:
    e = only(run(subject([(0, 2.0), (90, 3.0), (180, 3.0), (260, 3.0)]), conf_days=(84, 168)))
    assert [(c.conf_days, c.date) for c in e.confirmations] == [(84, day(180)), (168, day(260))]


# -- thresholds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "onset", "is_event"),
    [
        (0.0, 1.0, False),
        (0.0, 1.5, True),
        (1.0, 1.5, False),
        (1.0, 2.0, True),
        (5.0, 5.5, False),
        (5.0, 6.0, True),
        (5.5, 6.0, True),
    ],
)
def test_edss_change_needs_1_5_from_0_then_1_0_to_5_0_then_0_5(baseline: float, onset: float, is_event: bool) -> None:
    events = run(subject([(0, baseline), (90, onset), (180, onset)]))
    assert (events[0].nevent == 1) is is_event


@pytest.mark.parametrize("outcome", ["t25fw", "nhpt"])
@pytest.mark.parametrize(("later", "kind"), [(11.9, ""), (12.0, "CDW"), (8.1, ""), (8.0, "CDI")])
def test_timed_tests_change_by_20_percent_and_higher_is_worse(outcome: str, later: float, kind: str) -> None:
    e = only(run(subject([(0, 10.0), (90, later), (180, later)]), outcome=outcome, event="first"))
    assert e.event_type == kind


@pytest.mark.parametrize("outcome", ["t25fw", "nhpt"])
@pytest.mark.parametrize(
    ("before", "later", "kind"),
    [
        (4.0, 4.8, "CDW"),  # 4.8 - 4.0 is 0.7999999999999998 in binary floating point
        (4.0, 4.7, ""),
        (10.5, 12.6, "CDW"),
        (4.0, 3.2, "CDI"),  # 3.2 - 4.0 is -0.7999999999999998
        (4.0, 3.3, ""),
        (22.0, 17.6, "CDI"),
    ],
)
def test_exactly_20_percent_is_a_change(outcome: str, before: float, later: float, kind: str) -> None:
    # "At least 20 %", computed in decimal: pymsprog misses these (a known
    # difference, shown against it in test_against_pymsprog.py).
    e = only(run(subject([(0, before), (90, later), (180, later)]), check_reference=False, outcome=outcome, event="first"))
    assert (e.event_type, e.value) == (kind, later if kind else None)


def test_exactly_20_percent_holds_at_confirmation_and_between() -> None:
    # Every comparison is exact, not only the onset's: 4.8 at the intermediate
    # and confirmation visits holds the worsening from 4.0.
    e = only(run(subject([(0, 4.0), (90, 5.0), (130, 4.8), (180, 4.8)]), check_reference=False, outcome="t25fw"))
    assert (e.event_type, e.date, e.sust_days, e.sust_last) == ("CDW", day(90), 90, True)
    assert [(c.date, c.value) for c in e.confirmations] == [(day(180), 4.8)]


def test_edss_off_the_half_step_grid_is_exact_too() -> None:
    # 2.3 - 1.3 is 0.9999999999999998 in floating point; it is 1.0.
    e = only(run(subject([(0, 1.3), (90, 2.3), (180, 2.3)]), check_reference=False))
    assert (e.event_type, e.date) == ("CDW", day(90))


def test_decimal_values_give_the_same_events_as_their_floats() -> None:
    floats = subject([(0, 4.0), (90, 4.8), (180, 4.8)])
    decimals = Subject("S1", [(d, Decimal(repr(v))) for d, v in floats.visits])
    rules = Rules(outcome="t25fw")
    assert detect_events(decimals, rules) == detect_events(floats, rules)
    assert only(detect_events(decimals, rules)).value == 4.8


def test_a_float_stands_for_the_decimal_it_prints_as() -> None:
    assert exact(4.8) == Decimal("4.8") and exact(0.1 + 0.2) == Decimal("0.30000000000000004")
    assert exact(Decimal("4.80")) == Decimal("4.8") and exact(3) == Decimal(3)
    worse, better = bounds_for("t25fw")(Decimal("4.0"))
    assert (worse, better) == (Decimal("4.8"), Decimal("3.2"))
    assert bounds_for("edss")(Decimal(0)) == (Decimal("1.5"), Decimal("-1.5"))
    assert bounds_for("edss")(Decimal("5.0")) == (Decimal("6.0"), Decimal("4.0"))
    assert bounds_for("edss")(Decimal("5.5")) == (Decimal("6.0"), Decimal("5.0"))
    # The smallest float: Python's default 28-digit context would round
    # 1 + 5e-324 to 1; the engine's threshold keeps every digit.
    assert Decimal(1) + Decimal("5e-324") == Decimal(1)
    assert bounds_for("edss")(exact(5e-324))[0] == Decimal("1." + "0" * 323 + "5")


# -- relapses ---------------------------------------------------------------------------


def test_a_baseline_within_30_days_after_a_relapse_moves_to_the_next_visit() -> None:
    # Relapse 10 days before the first visit: the 4.0 is relapse-inflated.
    s = subject([(0, 4.0), (60, 2.0), (150, 3.0), (240, 3.0)], relapses=[-10])
    e = only(run(s))
    assert (e.bl_date, e.bl_value, e.date) == (day(60), 2.0, day(150))
    assert (e.time2event, e.bl2event) == (150, 90)


@pytest.mark.parametrize(("relapse", "baseline_day"), [(-29, 60), (-30, 0)])
def test_30_days_after_a_relapse_a_visit_can_be_baseline(relapse: int, baseline_day: int) -> None:
    s = subject([(0, 2.0), (60, 2.0), (150, 3.0), (240, 3.0)], relapses=[relapse])
    assert only(run(s)).bl_date == day(baseline_day)


def test_a_relapse_long_before_follow_up_still_makes_a_worsening_raw() -> None:
    # 40 days before the first visit, the onset 45 days after the relapse:
    # within relapse_assoc (90 days), so RAW. pymsprog drops relapses more
    # than 30 days before the first visit and says PIRA (a known difference:
    # test_against_pymsprog.py runs this case through both).
    e = only(run(subject([(0, 2.0), (5, 3.5), (95, 3.5)], relapses=[-40]), check_reference=False))
    assert (e.event_type, e.CDW_type, e.date) == ("CDW", "RAW", day(5))
    assert e.pira_confirmations == ()


@pytest.mark.parametrize(("relapse", "kind"), [(-85, "RAW"), (-86, "PIRA"), (-300, "PIRA")])
def test_a_relapse_before_follow_up_counts_for_raw_like_any_other(relapse: int, kind: str) -> None:
    # Onset on day 5: RAW needs a relapse at most 90 days before it (day -85).
    # Day -86 is neither RAW nor in PIRA's [onset - 90, onset + 30]; the
    # confirmation on day 95 is clear of both. The baseline stays on day 0.
    s = subject([(0, 2.0), (5, 3.5), (95, 3.5)], relapses=[relapse])
    e = only(run(s, check_reference=False))
    assert (e.CDW_type, e.bl_date, e.date) == (kind, day(0), day(5))


def test_a_confirmation_within_30_days_after_a_relapse_does_not_count() -> None:
    no_event(run(subject([(0, 2.0), (90, 3.0), (180, 3.0)], relapses=[160])), follow_up=180)


def test_a_confirmation_30_days_after_a_relapse_counts_but_is_not_pira() -> None:
    e = only(run(subject([(0, 2.0), (90, 3.0), (180, 3.0)], relapses=[150])))
    assert (e.event_type, e.CDW_type) == ("CDW", "undefined")
    assert e.pira_confirmations == ()


def test_an_onset_within_90_days_after_a_relapse_is_raw() -> None:
    e = only(run(subject([(0, 2.0), (90, 3.5), (180, 3.5), (270, 3.5)], relapses=[60])))
    assert (e.event_type, e.CDW_type, e.date) == ("CDW", "RAW", day(90))


@pytest.mark.parametrize(("relapse", "kind"), [(89, "PIRA"), (90, "RAW"), (180, "RAW"), (181, "undefined")])
def test_raw_boundary_is_90_days_before_onset_or_the_onset_day(relapse: int, kind: str) -> None:
    # Onset on day 180; confirmations on days 300 and 400. A relapse the day
    # after onset is not RAW, but it falls in PIRA's [onset - 90, onset + 30].
    s = subject([(0, 2.0), (180, 3.5), (300, 3.5), (400, 3.5)], relapses=[relapse])
    assert only(run(s)).CDW_type == kind


def test_pira_needs_a_confirmation_clear_of_relapses() -> None:
    # Relapse 20 days after the first confirmation, and 140 days after onset:
    # not RAW; confirmation day 180 has it in [90, 210], day 300 is clear.
    s = subject([(0, 2.0), (90, 3.0), (180, 3.0), (300, 3.0)], relapses=[200])
    e = only(run(s))
    assert e.CDW_type == "PIRA"
    assert [(c.conf_days, c.date) for c in e.pira_confirmations] == [(84, day(300))]
    assert [(c.conf_days, c.date) for c in e.confirmations] == [(84, day(180))]


# -- baselines and event modes ----------------------------------------------------------

IMPROVE_THEN_WORSEN = [(0, 4.0), (90, 2.5), (180, 2.5), (270, 3.5), (360, 3.5)]


def test_roving_baseline_resets_at_the_confirmation_of_an_improvement() -> None:
    e = only(run(subject(IMPROVE_THEN_WORSEN), baseline="roving"))
    assert (e.event_type, e.date, e.bl_date, e.bl_value) == ("CDW", day(270), day(180), 2.5)


def test_fixed_baseline_does_not_see_that_worsening() -> None:
    no_event(run(subject(IMPROVE_THEN_WORSEN), baseline="fixed"), follow_up=360)


def test_first_cdi_reports_the_improvement() -> None:
    e = only(run(subject(IMPROVE_THEN_WORSEN), event="firstCDI"))
    assert (e.event_type, e.CDW_type, e.date, e.value, e.bl_value) == ("CDI", "", day(90), 2.5, 4.0)


def test_multiple_reports_every_event_in_order() -> None:
    events = run(subject(IMPROVE_THEN_WORSEN), event="multiple", baseline="roving")
    assert [(e.nevent, e.event_type, e.date) for e in events] == [(1, "CDI", day(90)), (2, "CDW", day(270))]


def test_first_reports_the_earliest_event_of_either_kind() -> None:
    e = only(run(subject(IMPROVE_THEN_WORSEN), event="first", baseline="roving"))
    assert (e.event_type, e.date) == ("CDI", day(90))


RAW_THEN_PIRA = [(0, 2.0), (90, 3.5), (180, 3.5), (540, 3.5), (630, 4.5), (720, 4.5)]


def test_first_pira_with_fixed_baseline_skips_the_raw_onset_and_searches_from_the_next_visit() -> None:
    # The RAW onset at day 90 is skipped; the search resumes at day 180, where
    # the same worsening (still 1.5 above the fixed baseline) is now 120 days
    # from the relapse and confirmed at day 540: a PIRA, as in pymsprog.
    e = only(run(subject(RAW_THEN_PIRA, relapses=[60]), event="firstPIRA"))
    assert (e.CDW_type, e.date, e.bl_date) == ("PIRA", day(180), day(0))


def test_first_pira_with_roving_baseline_rebaselines_after_the_raw() -> None:
    e = only(run(subject(RAW_THEN_PIRA, relapses=[60]), event="firstPIRA", baseline="roving"))
    assert (e.CDW_type, e.date, e.bl_date, e.bl_value) == ("PIRA", day(630), day(180), 3.5)


def test_first_raw_reports_the_raw() -> None:
    e = only(run(subject(RAW_THEN_PIRA, relapses=[60]), event="firstRAW"))
    assert (e.CDW_type, e.date) == ("RAW", day(90))


def test_first_raw_without_relapses_finds_nothing() -> None:
    no_event(run(subject(RAW_THEN_PIRA), event="firstRAW"), follow_up=720)


def test_skipped_event_with_two_windows_where_pymsprog_raises() -> None:
    # firstRAW, fixed baseline, 84 and 168 days: the PIRA at day 90 is skipped;
    # its 168-day window (day 250) falls after the change stopped holding (day
    # 200), which makes pymsprog 1.0.7 raise. We go on from day 180, as
    # pymsprog does for every other skipped event, and find the RAW.
    s = subject([(0, 2.0), (90, 3.0), (180, 3.0), (200, 2.0), (250, 3.0), (400, 2.0), (480, 3.5), (570, 3.5)], relapses=[450])
    rules = Rules(event="firstRAW", conf_days=(84, 168))
    with pytest.raises(ValueError, match="zero-size array"):
        assert_matches_pymsprog([s], rules)
    e = only(detect_events(s, rules))
    assert (e.CDW_type, e.date) == ("RAW", day(480))


# -- input -----------------------------------------------------------------------------


def test_a_subject_without_visits_gives_one_empty_row() -> None:
    no_event(run(subject([]), check_reference=False), follow_up=0)


def test_a_single_visit_gives_one_empty_row() -> None:
    no_event(run(subject([(0, 3.0)])), follow_up=0)


def test_a_single_visit_within_a_relapse_gives_one_empty_row() -> None:
    no_event(run(subject([(0, 3.0)], relapses=[-5])), follow_up=0)


def test_unsorted_visits_are_sorted_by_date() -> None:
    shuffled = subject([(180, 3.0), (0, 2.0), (90, 3.0)])
    assert run(shuffled) == run(subject([(0, 2.0), (90, 3.0), (180, 3.0)]))


@pytest.mark.parametrize(("twins", "is_event"), [([(90, 2.0), (90, 3.0)], True), ([(90, 3.0), (90, 2.0)], False)])
def test_of_two_visits_on_one_day_the_last_given_counts(twins: list[tuple[int, float]], is_event: bool) -> None:
    events = run(subject([(0, 2.0), *twins, (180, 3.0)]))
    assert (events[0].nevent == 1) is is_event


def test_subjects_keep_their_input_order() -> None:
    subjects = [subject([(0, 2.0)], sid=sid) for sid in ("b", "a", "c")]
    assert [e.id for e in detect_cohort(subjects, Rules())] == ["b", "a", "c"]


@pytest.mark.parametrize(
    ("outcome", "value"),
    [
        ("edss", 10.5),
        ("edss", -0.5),
        ("t25fw", -1.0),
        ("nhpt", math.nan),
        ("t25fw", math.inf),
        ("nhpt", Decimal("NaN")),
        ("t25fw", Decimal("-0.1")),
        ("edss", Decimal("10.01")),
    ],
)
def test_out_of_range_values_are_refused(outcome: str, value: float | Decimal) -> None:
    with pytest.raises(VisitError, match=f"subject S1: {outcome} value"):
        detect_events(subject([(0, 2.0), (90, value)]), Rules(outcome=outcome))


@pytest.mark.parametrize(
    "settings",
    [{"outcome": "sdmt"}, {"event": "lastCDW"}, {"baseline": "moving"}, {"conf_days": ()}, {"conf_days": (84, 84)}, {"conf_days": (0,)}],
)
def test_unknown_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(RulesError):
        Rules(**settings)  # type: ignore[arg-type]


# -- CSV batch path (cellway.outcomes.csvio) ----------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


VISITS_CSV = """id,date,edss,t25fw
A,2020-01-01,2.0,5.0
A,2020-03-31,3.0,
A,2020-06-29,3.0,6.5
B,2020-01-01,4.0,7.0
"""


def test_events_file_matches_the_engine_row_for_row(tmp_path: Path) -> None:
    visits = write(tmp_path / "v.csv", VISITS_CSV)
    relapses = write(tmp_path / "r.csv", "id,date\nB,2019-12-20\nZ,2020-01-01\n")
    out = tmp_path / "events.csv"
    rules = Rules(event="multiple", conf_days=(84, 168))
    summary = run_events_file(visits, relapses, rules, out)
    assert (summary.subjects, summary.visits, summary.relapses, summary.events) == (2, 4, 2, 1)
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == row_columns((84, 168))
    assert [(r["id"], r["nevent"], r["event_type"], r["date"], r["conf84_date"]) for r in rows] == [
        ("A", "1", "CDW", "2020-03-31", "2020-06-29"),
        ("B", "0", "", "", ""),
    ]
    expected = detect_cohort([subject([(0, 2.0), (90, 3.0), (180, 3.0)], sid="A"), subject([(0, 4.0)], relapses=[-12], sid="B")], rules)
    cols = row_columns((84, 168))
    assert C.normalise_ours(rows, cols) == C.normalise_ours([e.as_row((84, 168)) for e in expected], cols)  # type: ignore[arg-type]


def test_an_empty_outcome_cell_means_not_measured(tmp_path: Path) -> None:
    visits = read_visits(write(tmp_path / "v.csv", VISITS_CSV), "t25fw")
    assert len(visits["A"].days) == 2


def test_a_value_column_is_used_when_the_outcome_column_is_absent(tmp_path: Path) -> None:
    visits = read_visits(write(tmp_path / "v.csv", "id,date,value\nA,2020-01-01,5.5\n"), "nhpt")
    assert visits["A"].values == [5.5]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,edss\nA,2.0\n", "missing column 'date'"),
        ("id,date\nA,2020-01-01\n", "missing column 'edss' or 'value'"),
        ("id,date,edss\nA,2020-01-01,2.0\nA,2020-13-01,2.0\n", "line 3, column 'date': '2020-13-01' is not a date"),
        ("id,date,edss\nA,01/02/2020,2.0\n", "line 2, column 'date': '01/02/2020' is not a date"),
        ("id,date,edss\nA,2020-01-01,2.0\nA,2020-02-01,two\n", "line 3, column 'edss': 'two' is not a number"),
        ("id,date,edss\nA,2020-01-01,nan\n", "line 2, column 'edss': 'nan' is not a finite number"),
        ("id,date,edss\nA,2020-01-01,10.5\n", "line 2, column 'edss': '10.5' is not from 0 to 10"),
        ("id,date,edss\nA,2020-01-01\n", "line 2, column 'edss': missing"),
        ("id,date,edss\n,2020-01-01,2.0\n", "line 2, column 'id': empty subject id"),
        ("", "empty file"),
    ],
)
def test_bad_visits_files_are_refused_naming_line_and_column(tmp_path: Path, text: str, message: str) -> None:
    visits = write(tmp_path / "v.csv", text)
    out = tmp_path / "events.csv"
    with pytest.raises(CsvError, match=re.escape(message)):
        run_events_file(visits, None, Rules(), out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [visits]  # no partial output left behind


def test_bad_relapse_dates_are_refused(tmp_path: Path) -> None:
    visits = write(tmp_path / "v.csv", VISITS_CSV)
    relapses = write(tmp_path / "r.csv", "id,date\nA,yesterday\n")
    with pytest.raises(CsvError, match=r"r\.csv line 2, column 'date': 'yesterday' is not a date"):
        run_events_file(visits, relapses, Rules(), tmp_path / "e.csv")


def test_command_line_runs_and_reports_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    visits = write(tmp_path / "v.csv", VISITS_CSV)
    out = tmp_path / "e.csv"
    argv = ["events", "--visits", str(visits), "--outcome", "edss", "--event", "firstCDW", "--baseline", "roving"]
    assert main([*argv, "--conf-days", "84", "--conf-days", "168", "--out", str(out)]) == 0
    assert "2 subjects, 4 visits, 0 relapses: 1 events" in capsys.readouterr().out
    assert main(["events", "--visits", str(tmp_path / "missing.csv"), "--out", str(out)]) == 2
    assert "cannot open" in capsys.readouterr().err


def test_rules_from_django_style_options() -> None:
    options = {"outcome": "t25fw", "event": "multiple", "baseline": "roving", "conf_days": [84, 168]}
    assert rules_from_options(options) == Rules(outcome="t25fw", event="multiple", baseline="roving", conf_days=(84, 168))
    assert rules_from_options({**options, "conf_days": None}).conf_days == (84,)


def test_a_row_lists_its_values_in_column_order():
    # csvio writes as_row's values without looking up each column.
    event = detect_events(Subject("A", [(dt.date(2020, 1, 1), 2.0), (dt.date(2020, 4, 1), 3.5), (dt.date(2020, 7, 1), 3.5)]), Rules())[0]
    assert list(event.as_row((84, 168))) == row_columns((84, 168))
