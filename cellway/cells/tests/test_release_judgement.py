"""Release judgement against a specification (pure)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from cellway.cells.release import (
    DEFAULT_SPECIFICATION,
    Criterion,
    Kind,
    Result,
    SpecificationError,
    Status,
    check_result,
    check_specification,
    judge,
    with_limit,
)


def passing() -> dict[str, Result]:
    results = {}
    for c in DEFAULT_SPECIFICATION:
        if c.kind == Kind.EXPECTED:
            results[c.code] = Result(c.code, text=c.expected)
        else:
            results[c.code] = Result(c.code, value=c.limit, unit=c.unit)
    return results


def test_the_defaults_hold_the_isct_criteria_and_the_clinical_tests():
    codes = {c.code for c in DEFAULT_SPECIFICATION}
    assert {"cd73", "cd90", "cd105", "cd45", "cd34", "cd14_cd11b", "cd79a_cd19", "hla_dr", "adherence", "trilineage"} <= codes
    assert {"viability", "sterility", "mycoplasma", "endotoxin", "karyotype", "cell_count"} <= codes
    check_specification(DEFAULT_SPECIFICATION)


def test_every_result_at_its_limit_is_releasable():
    assert judge(DEFAULT_SPECIFICATION, passing()).releasable


def test_one_marker_below_95_percent_fails_the_lot_and_says_which():
    results = passing() | {"cd105": Result("cd105", value=D("94.9"), unit="%")}

    judgement = judge(DEFAULT_SPECIFICATION, results)

    assert not judgement.releasable and judgement.failed
    assert [x.criterion.code for x in judgement.out] == ["cd105"]
    assert "CD105 positive 94.9 % (specification ≥ 95 %)" in judgement.why_not()


def test_missing_results_block_release_without_failing():
    results = passing()
    del results["mycoplasma"]

    judgement = judge(DEFAULT_SPECIFICATION, results)

    assert not judgement.releasable and not judgement.failed
    assert judgement.why_not() == "Not releasable, no result yet: Mycoplasma."


def test_a_qualitative_result_is_compared_without_case():
    results = passing() | {"sterility": Result("sterility", text="No Growth")}
    assert judge(DEFAULT_SPECIFICATION, results).releasable
    results = passing() | {"sterility": Result("sterility", text="growth")}
    assert [x.status for x in judge(DEFAULT_SPECIFICATION, results).out] == [Status.OUT]


def test_the_laboratory_may_raise_the_viability_floor_but_not_lower_it():
    raised = with_limit(DEFAULT_SPECIFICATION, "viability", D(80))
    assert judge(raised, passing() | {"viability": Result("viability", value=D(75), unit="%")}).failed

    with pytest.raises(SpecificationError, match="may raise it, not lower it"):
        with_limit(DEFAULT_SPECIFICATION, "viability", D(60))


def test_a_negative_marker_may_not_be_relaxed_above_2_percent():
    with pytest.raises(SpecificationError, match="may lower it, not raise it"):
        with_limit(DEFAULT_SPECIFICATION, "hla_dr", D(5))


def test_a_result_without_its_unit_is_refused():
    viability = next(c for c in DEFAULT_SPECIFICATION if c.code == "viability")

    with pytest.raises(SpecificationError) as refused:
        check_result(viability, Result("viability", value=D(90)))

    assert refused.value.message == "Viability: give the result's unit (%)."
    with pytest.raises(SpecificationError, match="in 'EU/mL', the specification in '%'"):
        check_result(viability, Result("viability", value=D(90), unit="EU/mL"))


def test_a_numeric_criterion_needs_a_limit_and_a_unit():
    with pytest.raises(SpecificationError):
        check_specification([Criterion("x", "X", Kind.AT_LEAST, unit="", limit=D(1))])
