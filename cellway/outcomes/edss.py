"""EDSS step from Neurostatus functional system scores and the ambulation score.

Input: the seven Functional System Scores (FSS) as recorded on the
Neurostatus-EDSS sheet and the Ambulation Score (AS, 0-16). Output: the EDSS
step, one of 0, 1.0, 1.5, 2.0, ..., 9.5, 10.0.

The EDSS step is the higher of two steps:

* the **FS step** (0 to 5.0), from the FSS after two conversions, and
* the **ambulation step**, from the walking range.

Conversions (Neurostatus, as for every published calculator):

* visual 6→4, 5→3, 4→3, 3→2, 2→2, 1→1, 0→0;
* bowel/bladder 6→5, 5→4, 4→3, 3→3, 2→2, 1→1, 0→0;
* cerebral grade 1 counts as 0 (Neurostatus: "EDSS 0 = all FS 0, cerebral
  grade 1 acceptable"; a cerebral 1 is mood or fatigue signs only).

FS step, with ``nK`` the number of converted FSS equal to ``K``:

====================================================  =====
highest FSS and combination                           step
====================================================  =====
all 0                                                 0
one 1                                                 1.0
two or more 1                                         1.5
one 2 (others 0/1)                                    2.0
two 2                                                 2.5
three or four 2; or one 3 (no 2)                      3.0
five 2; one 3 with one or two 2; two 3 (no 2)         3.5
six or seven 2; one 3 with three or more 2;           4.0
two 3 with any 2; three or four 3; one 4 (others 0/1)
five 3; one 4 with any 2 or with one or two 3         4.5
six or seven 3; one 4 with three or more 3;           5.0
two or more 4; any 5 or 6
====================================================  =====

Ambulation step: AS 0 → none; 1 (fully ambulatory but not unrestricted)
→ 2.0; 2 (≥300 m, <500 m) → 4.5; 3 (≥200 m, <300 m) → 5.0; 4 (≥100 m,
<200 m) → 5.5; 5, 6, 7 (<100 m unaided; unilateral aid ≥50 m; bilateral
aid ≥120 m) → 6.0; 8, 9 (unilateral aid <50 m; bilateral aid 5-120 m) →
6.5; 10 → 7.0; 11 → 7.5; 12 → 8.0; 13 → 8.5; 14 → 9.0; 15 → 9.5;
16 (death due to MS) → 10.0.

Where published calculators disagree, Cellway's choice and why:

* **Cerebellar "X"** (weakness interferes with testing): some calculators
  read an X as 0. Cellway takes the integer grade the examiner recorded; an
  X marker is not a score, so it is rejected at input rather than guessed.
* **5.0 / 5.5 boundary**: Kurtzke's wording gives the same FS equivalents for
  5.0 and 5.5, so FS-only calculators sometimes return 5.5. Under Neurostatus
  5.5 is a walking range (100-200 m); FSS alone never exceed 5.0 here.
* **Ambulation 1 and 2**: one calculator returns 4.0 for AS 1 when every FSS
  is 0 or 1, but 2.0 for AS 1 with one FSS 2 - a higher FS grade lowering the
  EDSS. Cellway treats AS 1 as the floor 2.0 (walking not unrestricted is a
  minimal disability; 1.0/1.5 are "no disability") and AS 2 as the floor 4.5,
  so the EDSS never falls when any score rises.
* **One FSS 4 with FSS 2 only**: some calculators give 4.0 (no 3 present),
  others 4.5; Cellway gives 4.5, since step 4.0 is "one FS grade 4, others 0
  or 1" and anything more "exceeds the limits of the previous step".
* **One FSS 4 with three 3**: 4.5 in some calculators; 5.0 here, as six 3
  alone are already 5.0 and a 4 outranks a 3.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

VISUAL_CONVERSION = (0, 1, 2, 2, 3, 3, 4)
BOWEL_BLADDER_CONVERSION = (0, 1, 2, 3, 3, 4, 5)

# Ambulation score -> the lowest EDSS step it allows (None: no floor).
AMBULATION_STEP: tuple[float | None, ...] = (
    None,  # 0 unrestricted
    2.0,  # 1 fully ambulatory
    4.5,  # 2 >= 300 m, < 500 m without help or rest
    5.0,  # 3 >= 200 m, < 300 m
    5.5,  # 4 >= 100 m, < 200 m
    6.0,  # 5 < 100 m without help
    6.0,  # 6 unilateral assistance >= 50 m
    6.0,  # 7 bilateral assistance >= 120 m
    6.5,  # 8 unilateral assistance < 50 m
    6.5,  # 9 bilateral assistance >= 5 m, < 120 m
    7.0,  # 10 wheelchair without help
    7.5,  # 11 wheelchair with help
    8.0,  # 12 restricted to bed or chair, out of bed most of the day
    8.5,  # 13 restricted to bed much of the day
    9.0,  # 14 helpless bed patient, can communicate and eat
    9.5,  # 15 helpless bed patient, cannot communicate effectively or eat
    10.0,  # 16 death due to MS
)

EDSS_STEPS = (0.0, *(x / 2 for x in range(2, 21)))  # 0, 1.0, 1.5, ..., 10.0


class ScoreError(ValueError):
    """A score that is not an integer in its allowed range."""

    def __init__(self, field: str, value: object, low: int, high: int) -> None:
        self.field = field
        self.value = value
        self.low = low
        self.high = high
        super().__init__(f"{field} must be a whole number from {low} to {high}, got {value!r}")


@dataclass(frozen=True, slots=True)
class FunctionalScores:
    """Neurostatus FSS as recorded (before conversion) and the ambulation score."""

    visual: int
    brainstem: int
    pyramidal: int
    cerebellar: int
    sensory: int
    bowel_bladder: int
    cerebral: int
    ambulation: int

    def __post_init__(self) -> None:
        for f in fields(self):
            check_score(f.name, getattr(self, f.name))


RANGES: dict[str, tuple[int, int]] = {
    "visual": (0, 6),
    "brainstem": (0, 5),
    "pyramidal": (0, 6),
    "cerebellar": (0, 5),
    "sensory": (0, 6),
    "bowel_bladder": (0, 6),
    "cerebral": (0, 5),
    "ambulation": (0, 16),
}
FIELDS = tuple(RANGES)


def check_score(field: str, value: object) -> int:
    """The score as an int, or :class:`ScoreError` naming field and range."""
    low, high = RANGES[field]
    # bool is an int subclass; True is not a grade.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScoreError(field, value, low, high)
    return value


def edss(scores: FunctionalScores) -> float:
    """EDSS step: the higher of the FS step and the ambulation step."""
    fs = fs_step(converted(scores))
    walk = AMBULATION_STEP[scores.ambulation]
    return fs if walk is None else max(fs, walk)


def edss_from(
    *,
    visual: int,
    brainstem: int,
    pyramidal: int,
    cerebellar: int,
    sensory: int,
    bowel_bladder: int,
    cerebral: int,
    ambulation: int,
) -> float:
    """:func:`edss` with the scores as keyword arguments."""
    return edss(
        FunctionalScores(
            visual=visual,
            brainstem=brainstem,
            pyramidal=pyramidal,
            cerebellar=cerebellar,
            sensory=sensory,
            bowel_bladder=bowel_bladder,
            cerebral=cerebral,
            ambulation=ambulation,
        )
    )


def converted(scores: FunctionalScores) -> tuple[int, ...]:
    """The seven FSS as they enter the FS step (see the module docstring)."""
    return (
        VISUAL_CONVERSION[scores.visual],
        scores.brainstem,
        scores.pyramidal,
        scores.cerebellar,
        scores.sensory,
        BOWEL_BLADDER_CONVERSION[scores.bowel_bladder],
        0 if scores.cerebral == 1 else scores.cerebral,
    )


def fs_step(grades: tuple[int, ...]) -> float:
    """FS step (0 to 5.0) from converted grades; the table in the docstring."""
    top = max(grades)
    n1, n2, n3, n4 = (grades.count(k) for k in (1, 2, 3, 4))
    if top >= 5 or n4 >= 2:
        return 5.0
    if n4 == 1:
        return _one_four(n2, n3)
    if n3:
        return _threes(n2, n3)
    if n2:
        return _twos(n2)
    if n1:
        return 1.0 if n1 == 1 else 1.5
    return 0.0


def _one_four(n2: int, n3: int) -> float:
    if n3 >= 3:
        return 5.0
    return 4.5 if n2 or n3 else 4.0


def _threes(n2: int, n3: int) -> float:
    if n3 >= 6:
        return 5.0
    if n3 == 5:
        return 4.5
    if n3 >= 3:
        return 4.0
    if n3 == 2:
        return 4.0 if n2 else 3.5
    # one FSS 3
    if n2 == 0:
        return 3.0
    return 3.5 if n2 <= 2 else 4.0


def _twos(n2: int) -> float:
    return {1: 2.0, 2: 2.5, 3: 3.0, 4: 3.0, 5: 3.5}.get(n2, 4.0)
