"""EDSS calculator: conversions, every FS step rule and boundary, ambulation, input checks."""

from __future__ import annotations

import csv
import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellway.outcomes.csvio import CsvError, main, score_edss_file
from cellway.outcomes.edss import (
    AMBULATION_STEP,
    BOWEL_BLADDER_CONVERSION,
    EDSS_STEPS,
    FIELDS,
    RANGES,
    VISUAL_CONVERSION,
    FunctionalScores,
    ScoreError,
    converted,
    edss,
    edss_from,
    fs_step,
)

NORMAL = dict.fromkeys(FIELDS, 0)


def scores(**given: int) -> FunctionalScores:
    return FunctionalScores(**{**NORMAL, **given})


# -- conversions --------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [(0, 0), (1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (6, 4)])
def test_visual_score_is_converted_before_the_step(raw: int, expected: int) -> None:
    assert VISUAL_CONVERSION[raw] == expected
    assert converted(scores(visual=raw))[0] == expected


@pytest.mark.parametrize(("raw", "expected"), [(0, 0), (1, 1), (2, 2), (3, 3), (4, 3), (5, 4), (6, 5)])
def test_bowel_bladder_score_is_converted_before_the_step(raw: int, expected: int) -> None:
    assert BOWEL_BLADDER_CONVERSION[raw] == expected
    assert converted(scores(bowel_bladder=raw))[5] == expected


def test_cerebral_grade_1_does_not_count() -> None:
    assert edss(scores(cerebral=1)) == 0.0
    assert edss(scores(cerebral=1, sensory=1)) == 1.0
    assert edss(scores(cerebral=2)) == 2.0


def test_visual_6_alone_counts_as_a_grade_4() -> None:
    assert edss(scores(visual=6)) == 4.0


def test_bowel_bladder_6_alone_counts_as_a_grade_5() -> None:
    assert edss(scores(bowel_bladder=6)) == 5.0


def test_unconverted_systems_are_taken_as_recorded() -> None:
    assert converted(scores(brainstem=5, pyramidal=6, cerebellar=5, sensory=6)) == (0, 5, 6, 5, 6, 0, 0)


# -- FS step rules (ambulation 0) ----------------------------------------------

# (converted grades as a multiset, expected FS step); each row is one rule or
# the boundary just beside it.
FS_TABLE = [
    ((), 0.0),
    ((1,), 1.0),
    ((1, 1), 1.5),
    ((1, 1, 1, 1, 1, 1, 1), 1.5),
    ((2,), 2.0),
    ((2, 1, 1, 1, 1, 1, 1), 2.0),
    ((2, 2), 2.5),
    ((2, 2, 2), 3.0),
    ((2, 2, 2, 2), 3.0),
    ((3,), 3.0),
    ((3, 1, 1, 1, 1, 1, 1), 3.0),
    ((2, 2, 2, 2, 2), 3.5),
    ((3, 2), 3.5),
    ((3, 2, 2), 3.5),
    ((3, 3), 3.5),
    ((3, 3, 1, 1, 1, 1, 1), 3.5),
    ((2, 2, 2, 2, 2, 2), 4.0),
    ((2, 2, 2, 2, 2, 2, 2), 4.0),
    ((3, 2, 2, 2), 4.0),
    ((3, 2, 2, 2, 2, 2, 2), 4.0),
    ((3, 3, 2), 4.0),
    ((3, 3, 3), 4.0),
    ((3, 3, 3, 3), 4.0),
    ((3, 3, 3, 3, 2, 2, 2), 4.0),
    ((4,), 4.0),
    ((4, 1, 1, 1, 1, 1, 1), 4.0),
    ((3, 3, 3, 3, 3), 4.5),
    ((3, 3, 3, 3, 3, 2, 2), 4.5),
    ((4, 2), 4.5),
    ((4, 2, 2, 2, 2, 2, 2), 4.5),
    ((4, 3), 4.5),
    ((4, 3, 3), 4.5),
    ((4, 3, 3, 2, 2, 2, 2), 4.5),
    ((3, 3, 3, 3, 3, 3), 5.0),
    ((3, 3, 3, 3, 3, 3, 3), 5.0),
    ((4, 3, 3, 3), 5.0),
    ((4, 4), 5.0),
    ((5,), 5.0),
    ((6,), 5.0),
    ((6, 6, 6, 6, 6, 6, 6), 5.0),
]


@pytest.mark.parametrize(("grades", "expected"), FS_TABLE, ids=[f"{''.join(map(str, g)) or '0'}" for g, _ in FS_TABLE])
def test_fs_step_rule(grades: tuple[int, ...], expected: float) -> None:
    padded = tuple(grades) + (0,) * (7 - len(grades))
    assert fs_step(padded) == expected
    # The order of the systems does not matter.
    assert fs_step(padded[::-1]) == expected


def test_fs_step_through_the_raw_scores() -> None:
    # visual 4 -> 3, bowel/bladder 4 -> 3, pyramidal 3: three 3 -> 4.0.
    assert edss(scores(visual=4, bowel_bladder=4, pyramidal=3)) == 4.0
    # visual 3 -> 2 and bowel/bladder 2: two 2 -> 2.5.
    assert edss(scores(visual=3, bowel_bladder=2)) == 2.5


def test_fs_alone_never_exceed_5() -> None:
    worst = {f: RANGES[f][1] for f in FIELDS if f != "ambulation"}
    assert edss(scores(**worst)) == 5.0


# -- ambulation ------------------------------------------------------------------

AMBULATION_TABLE = [
    (0, 0.0),
    (1, 2.0),
    (2, 4.5),
    (3, 5.0),
    (4, 5.5),
    (5, 6.0),
    (6, 6.0),
    (7, 6.0),
    (8, 6.5),
    (9, 6.5),
    (10, 7.0),
    (11, 7.5),
    (12, 8.0),
    (13, 8.5),
    (14, 9.0),
    (15, 9.5),
    (16, 10.0),
]


@pytest.mark.parametrize(("ambulation", "expected"), AMBULATION_TABLE)
def test_ambulation_step_with_normal_systems(ambulation: int, expected: float) -> None:
    assert edss(scores(ambulation=ambulation)) == expected


@pytest.mark.parametrize(("ambulation", "expected"), [(1, 3.0), (2, 4.5), (3, 5.0)])
def test_the_higher_of_fs_step_and_ambulation_step_wins(ambulation: int, expected: float) -> None:
    # One FSS 3 alone is step 3.0.
    assert edss(scores(pyramidal=3, ambulation=ambulation)) == expected


def test_ambulation_2_with_a_5_0_fs_combination_stays_5_0() -> None:
    assert edss(scores(pyramidal=5, ambulation=2)) == 5.0


def test_ambulation_4_is_the_only_way_to_5_5() -> None:
    assert edss(scores(pyramidal=5, ambulation=3)) == 5.0
    assert edss(scores(pyramidal=5, ambulation=4)) == 5.5


def test_ambulation_1_never_lowers_the_step_for_a_higher_grade() -> None:
    assert edss(scores(sensory=1, ambulation=1)) == 2.0
    assert edss(scores(sensory=2, ambulation=1)) == 2.0
    assert edss(scores(sensory=2, pyramidal=2, ambulation=1)) == 2.5


def test_ambulation_table_covers_0_to_16() -> None:
    assert len(AMBULATION_STEP) == RANGES["ambulation"][1] + 1


# -- input checks ------------------------------------------------------------------


@pytest.mark.parametrize("field", FIELDS)
def test_every_boundary_value_is_accepted(field: str) -> None:
    low, high = RANGES[field]
    assert edss(scores(**{field: low})) in EDSS_STEPS
    assert edss(scores(**{field: high})) in EDSS_STEPS


@pytest.mark.parametrize("field", FIELDS)
def test_one_past_each_boundary_is_refused_naming_field_and_range(field: str) -> None:
    low, high = RANGES[field]
    for bad in (low - 1, high + 1):
        with pytest.raises(ScoreError) as err:
            scores(**{field: bad})
        assert field in str(err.value)
        assert f"from {low} to {high}" in str(err.value)
        assert err.value.field == field


@pytest.mark.parametrize("bad", [2.0, 2.5, "2", None, True, "3X"])
def test_non_integers_are_refused(bad: object) -> None:
    with pytest.raises(ScoreError, match="cerebellar must be a whole number from 0 to 5"):
        scores(cerebellar=bad)  # type: ignore[arg-type]


def test_score_error_is_a_value_error() -> None:
    assert issubclass(ScoreError, ValueError)


def test_keyword_form_gives_the_same_answer() -> None:
    kwargs = {**NORMAL, "pyramidal": 3, "cerebellar": 2, "ambulation": 1}
    assert edss_from(**kwargs) == edss(FunctionalScores(**kwargs)) == 3.5


# -- properties ----------------------------------------------------------------------

score_sets = st.fixed_dictionaries({f: st.integers(*RANGES[f]) for f in FIELDS})


@given(score_sets)
def test_result_is_an_edss_step(values: dict[str, int]) -> None:
    assert edss(FunctionalScores(**values)) in EDSS_STEPS


@given(score_sets, st.sampled_from(FIELDS))
def test_raising_any_score_never_lowers_the_edss(values: dict[str, int], field: str) -> None:
    if values[field] == RANGES[field][1]:
        return
    raised = {**values, field: values[field] + 1}
    assert edss(FunctionalScores(**raised)) >= edss(FunctionalScores(**values))


@given(score_sets)
def test_edss_is_at_least_the_ambulation_floor(values: dict[str, int]) -> None:
    floor = AMBULATION_STEP[values["ambulation"]]
    assert edss(FunctionalScores(**values)) >= (floor or 0.0)


def test_fs_step_is_monotonic_over_every_grade_combination() -> None:
    # Exhaustive over multisets of converted grades (order does not matter).
    for combo in itertools.combinations_with_replacement(range(7), 7):
        step = fs_step(combo)
        for i, grade in enumerate(combo):
            if grade < 6:
                raised = (*combo[:i], grade + 1, *combo[i + 1 :])
                assert fs_step(raised) >= step, (combo, raised)


def test_fs_step_reaches_every_step_from_0_to_5() -> None:
    reached = {fs_step(c) for c in itertools.combinations_with_replacement(range(7), 7)}
    assert reached == {s for s in EDSS_STEPS if s <= 5.0}


# -- FS.csv -> EDSS (cellway.outcomes.csvio) -------------------------------------------

FS_HEADER = "visit,visual,brainstem,pyramidal,cerebellar,sensory,bowel_bladder,cerebral,ambulation\n"


def test_scores_file_gets_an_edss_column(tmp_path: Path) -> None:
    source = tmp_path / "fs.csv"
    source.write_text(FS_HEADER + "v1,0,0,0,0,0,0,1,0\nv2,6,0,0,0,0,0,0,0\nv3,0,0,3,2,0,0,0,1\nv4,0,0,0,0,0,0,0,4\n")
    out = tmp_path / "edss.csv"
    assert score_edss_file(source, out) == 4
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [*FS_HEADER.strip().split(","), "edss"]
    assert [(r["visit"], r["edss"]) for r in rows] == [("v1", "0.0"), ("v2", "4.0"), ("v3", "3.5"), ("v4", "5.5")]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("v2,0,0,0,3X,0,0,0,0", "line 3, column 'cerebellar': '3X' is not a whole number from 0 to 5"),
        ("v2,7,0,0,0,0,0,0,0", "line 3, column 'visual': '7' is not a whole number from 0 to 6"),
        ("v2,0,0,0,0,0,0,0,17", "line 3, column 'ambulation': '17' is not a whole number from 0 to 16"),
        ("v2,0,0,2.5,0,0,0,0,0", "line 3, column 'pyramidal': '2.5' is not a whole number from 0 to 6"),
        ("v2,0,0,0,0,-1,0,0,0", "line 3, column 'sensory': '-1' is not a whole number from 0 to 6"),
        ("v2,0,0,0,0,0,,0,0", "line 3, column 'bowel_bladder': '' is not a whole number from 0 to 6"),
        ("v2,0,0,0,0,0,0,0", "line 3, column 'ambulation': missing"),
    ],
)
def test_a_bad_score_stops_the_file_and_leaves_no_output(tmp_path: Path, row: str, message: str) -> None:
    source = tmp_path / "fs.csv"
    source.write_text(FS_HEADER + "v1,0,0,0,0,0,0,0,0\n" + row + "\nv3,0,0,0,0,0,0,0,0\n")
    out = tmp_path / "edss.csv"
    with pytest.raises(CsvError, match=re.escape(message)):
        score_edss_file(source, out)
    assert list(tmp_path.iterdir()) == [source]


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    source = tmp_path / "fs.csv"
    source.write_text("visual,brainstem,pyramidal,cerebellar,sensory,bowel_bladder,ambulation\n0,0,0,0,0,0,0\n")
    with pytest.raises(CsvError, match="missing column 'cerebral'"):
        score_edss_file(source, tmp_path / "out.csv")


def test_edss_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "fs.csv"
    source.write_text(FS_HEADER + "v1,0,0,0,0,0,0,0,0\n")
    assert main(["edss", "--scores", str(source), "--out", str(tmp_path / "o.csv")]) == 0
    assert "1 rows scored" in capsys.readouterr().out
