"""Vital signs' plausible ranges and excursions, and the plan's items (pure, in make test-engines)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from cellway.treatment import plan_items
from cellway.treatment.vitals import Implausible, check_plausible, excursions

USUAL = {"systolic": D(120), "diastolic": D(80), "pulse": D(72), "temperature": D("36.8"), "spo2": D(98)}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"systolic": D(1200)}, "Systolic pressure 1200 mmHg is not plausible: Cellway accepts 50 to 260 mmHg."),
        ({"systolic": D(49)}, "Systolic pressure 49 mmHg is not plausible: Cellway accepts 50 to 260 mmHg."),
        ({"diastolic": D(19)}, "Diastolic pressure 19 mmHg is not plausible: Cellway accepts 20 to 160 mmHg."),
        ({"pulse": D(251)}, "Pulse 251 /min is not plausible: Cellway accepts 20 to 250 /min."),
        ({"temperature": D("98.6")}, "Temperature 98.6 °C is not plausible: Cellway accepts 30.0 to 43.5 °C."),
        ({"temperature": D("29.9")}, "Temperature 29.9 °C is not plausible: Cellway accepts 30.0 to 43.5 °C."),
        ({"spo2": D(101)}, "SpO₂ 101 % is not plausible: Cellway accepts 50 to 100 %."),
        ({"systolic": D(80), "diastolic": D(80)}, "The diastolic pressure (80) must be below the systolic (80)."),
    ],
)
def test_an_implausible_value_is_refused_with_its_range(change, message):
    with pytest.raises(Implausible) as refused:
        check_plausible({**USUAL, **change})
    assert refused.value.message == message


def test_the_edges_of_the_plausible_ranges_are_accepted():
    check_plausible({"systolic": D(260), "diastolic": D(20), "pulse": D(20), "temperature": D("43.5"), "spo2": D(50)})
    check_plausible({"systolic": D(50), "diastolic": D(49), "pulse": D(250), "temperature": D("30.0"), "spo2": D(100)})


def test_excursions_are_the_plausible_values_outside_the_usual_ranges():
    assert excursions(USUAL) == []
    assert excursions({**USUAL, "pulse": D(124), "temperature": D("38.0"), "spo2": D(93)}) == [
        "Pulse 124 /min (high)",
        "Temperature 38.0 °C (high)",
        "SpO₂ 93 % (low)",
    ]
    assert excursions({**USUAL, "systolic": D(90), "diastolic": D(39)}) == [
        "Systolic pressure 90 mmHg (low)",
        "Diastolic pressure 39 mmHg (low)",
    ]
    assert excursions({**USUAL, "systolic": D(179), "pulse": D(110), "temperature": D("37.9")}) == []


def test_the_plans_items_are_done_set_aside_or_to_do():
    planned = plan_items.items({"iv": 2, "physio": 1, "speech": 0}, {("iv", 1)}, {("iv", 2): "Declined"})

    assert [(i.key, i.status, i.of, i.reason) for i in planned] == [
        ("iv-1", "done", 2, ""),
        ("iv-2", "set aside", 2, "Declined"),
        ("physio-1", "to do", 1, ""),
    ]
    assert [i.key for i in plan_items.to_do(planned)] == ["physio-1"]
    assert plan_items.to_do(planned, "iv") == []


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        ("physio-3", ("physio", 3)),
        ("iv-1", ("iv", 1)),
        ("physio-0", None),
        ("physio-x", None),
        ("sauna-1", None),
        ("physio", None),
        ("it-100", None),
    ],
)
def test_a_planned_items_key_is_parsed_or_refused(key, parsed):
    assert plan_items.parse_key(key) == parsed
