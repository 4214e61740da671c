"""Endotoxin per dose, USP <85> (pure)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from cellway.cells.endotoxin import EndotoxinError, judge_dose, limit_per_ml


def test_the_limit_is_k_times_weight_over_volume():
    assert limit_per_ml(route="iv", weight_kg=D(70), volume_ml=D(100)) == D("3.5")
    assert limit_per_ml(route="it", weight_kg=D(70), volume_ml=D(10)) == D("1.4")


def test_a_vial_fine_intravenously_is_refused_intrathecally_with_the_numbers():
    iv = judge_dose(route="iv", weight_kg=D(60), volume_ml=D(10), measured_eu_per_ml=D("0.5"))
    it = judge_dose(route="it", weight_kg=D(60), volume_ml=D(10), measured_eu_per_ml=D("1.5"))

    assert iv.within
    assert not it.within
    assert it.explanation == ("Endotoxin 1.5 EU/mL is over the intrathecal limit of 1.200 EU/mL (K·W/V = 0.2 EU/kg × 60 kg / 10 mL).")


def test_the_limit_itself_is_within():
    assert judge_dose(route="it", weight_kg=D(50), volume_ml=D(10), measured_eu_per_ml=D(1)).within


@pytest.mark.parametrize(("route", "weight", "volume"), [("im", 70, 10), ("iv", 0, 10), ("iv", 70, 0), ("it", -1, 10)])
def test_bad_input_is_refused(route, weight, volume):
    with pytest.raises(EndotoxinError):
        limit_per_ml(route=route, weight_kg=D(weight), volume_ml=D(volume))
