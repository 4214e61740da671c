"""Rules 3 and 4, on the pure pricing engine (no database)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from cellway.billing.pricing import Line, PlanNumbers, UnitPrices, deposit, quote_lines, total

PRICES = UnitPrices(
    per_million_cells=Decimal("95.00"), specialist_treatment=Decimal("1500.00"), certificate_of_analysis=Decimal("250.00"),
    iv_infusion=Decimal("400.00"), it_infusion=Decimal("900.00"), supplementary_infusion=Decimal("120.00"),
    physiotherapy_session=Decimal("60.00"), occupational_session=Decimal("60.00"), speech_session=Decimal("60.00"),
    rehab_session=Decimal("80.00"), hospital_room_day=Decimal("180.00"), session_transport_day=Decimal("40.00"),
    airport_transfer=Decimal("150.00"), accommodation_night=Decimal("90.00"),
)
PLAN = PlanNumbers(
    cell_dose=100_000_000, iv_infusions=2, it_infusions=1, supplementary_infusions=2, physiotherapy_sessions=5,
    occupational_sessions=3, speech_sessions=0, rehab_sessions=2, hospital_room_days=2, treatment_days=5,
    stay_nights=8, package_tier="inclusive",
)


def amounts(lines: list[Line]) -> dict[str, Decimal]:
    return {line.code: line.amount for line in lines}


def test_an_inclusive_quote_prices_every_part_of_the_plan_line_by_line():
    assert amounts(quote_lines(PLAN, PRICES)) == {
        "cells": Decimal("9500.00"), "specialist": Decimal("1500.00"), "coa": Decimal("250.00"),
        "iv": Decimal("800.00"), "it": Decimal("900.00"), "supplementary": Decimal("240.00"),
        "physio": Decimal("300.00"), "occupational": Decimal("180.00"), "rehab": Decimal("160.00"),
        "room": Decimal("360.00"), "transport": Decimal("200.00"), "airport_transfer": Decimal("150.00"),
        "accommodation": Decimal("720.00"),
    }
    assert total(quote_lines(PLAN, PRICES)) == Decimal("15260.00")


def test_essential_has_no_airport_transfer_or_accommodation_line_and_keeps_everything_else():
    essential = dataclasses.replace(PLAN, package_tier="essential")

    codes = [line.code for line in quote_lines(essential, PRICES)]

    assert "airport_transfer" not in codes
    assert "accommodation" not in codes
    assert codes == [line.code for line in quote_lines(PLAN, PRICES) if line.code not in ("airport_transfer", "accommodation")]
    assert total(quote_lines(essential, PRICES)) == Decimal("15260.00") - Decimal("150.00") - Decimal("720.00")


def test_both_tiers_include_cells_specialist_treatment_certificate_session_transport_and_hospital_room():
    for tier in ("inclusive", "essential"):
        codes = {line.code for line in quote_lines(dataclasses.replace(PLAN, package_tier=tier), PRICES)}
        assert {"cells", "specialist", "coa", "transport", "room"} <= codes, tier


def test_lines_with_nothing_to_charge_are_left_out():
    plan = dataclasses.replace(PLAN, it_infusions=0, hospital_room_days=0, stay_nights=0)

    codes = {line.code for line in quote_lines(plan, PRICES)}

    assert not codes & {"speech", "it", "room", "accommodation"}


def test_an_unknown_package_tier_is_refused():
    with pytest.raises(ValueError, match="Unknown package tier 'platinum'"):
        quote_lines(dataclasses.replace(PLAN, package_tier="platinum"), PRICES)


def test_the_price_grows_with_the_cells_the_infusions_the_sessions_and_the_room_days():
    base = total(quote_lines(PLAN, PRICES))

    assert total(quote_lines(dataclasses.replace(PLAN, cell_dose=200_000_000), PRICES)) - base == Decimal("9500.00")
    assert total(quote_lines(dataclasses.replace(PLAN, iv_infusions=3), PRICES)) - base == Decimal("400.00")
    assert total(quote_lines(dataclasses.replace(PLAN, speech_sessions=4), PRICES)) - base == Decimal("240.00")
    assert total(quote_lines(dataclasses.replace(PLAN, hospital_room_days=3), PRICES)) - base == Decimal("180.00")


def test_cells_are_counted_in_tenths_of_a_million_rounding_half_up():
    def cells_line(dose: int) -> Line:
        return next(line for line in quote_lines(dataclasses.replace(PLAN, cell_dose=dose), PRICES) if line.code == "cells")

    assert cells_line(1_050_000).quantity == Decimal("1.1")
    assert cells_line(1_049_999).quantity == Decimal("1.0")
    assert cells_line(123_456_789).amount == Decimal("11732.50")


def test_line_amounts_totals_and_deposits_are_rounded_half_up_to_the_cent():
    line = Line("x", "x", Decimal(3), Decimal("33.335"))
    assert line.amount == Decimal("100.01")  # 100.005
    assert total([line]) == Decimal("100.01")
    assert deposit(Decimal("100.05"), 30) == Decimal("30.02")  # 30.015
    assert deposit(Decimal("100.05"), 30).as_tuple().exponent == -2


def test_a_manual_adjustment_moves_the_total_by_exactly_its_amount():
    lines = quote_lines(PLAN, PRICES)

    assert total(lines, Decimal("-260.00")) == Decimal("15000.00")
    assert total(lines, Decimal("0.004")) == Decimal("15260.00")


def test_the_deposit_is_the_clinic_percentage_of_the_total():
    assert deposit(Decimal("15260.00"), 30) == Decimal("4578.00")
    assert deposit(Decimal("15260.00"), 100) == Decimal("15260.00")
    assert deposit(Decimal("15260.00"), 0) == Decimal("0.00")


def test_a_line_serialises_every_number_as_an_exact_decimal_string():
    line = quote_lines(PLAN, PRICES)[0]

    assert line.as_dict() == {"code": "cells", "description": "Wharton's-jelly MSCs (per million cells)",
                              "quantity": "100.0", "unit_price": "95.00", "amount": "9500.00", "tax_category": "medical"}


def test_a_quote_never_carries_a_line_its_tier_does_not_include() -> None:
    from cellway.billing.pricing import package_contents

    for tier in ("inclusive", "essential"):
        plan = PlanNumbers(**{**PLAN.__dict__, "speech_sessions": 1, "package_tier": tier})
        codes = [line.code for line in quote_lines(plan, PRICES)]
        assert codes == package_contents(tier)  # every line a plan can have, in the package's order
    assert set(package_contents("inclusive")) - set(package_contents("essential")) == {"airport_transfer", "accommodation"}
    with pytest.raises(ValueError, match="Unknown package tier 'deluxe'"):
        package_contents("deluxe")


def test_each_line_has_a_tax_category_care_is_medical_travel_and_stay_are_not():
    categories = {line.code: line.tax_category for line in quote_lines(PLAN, PRICES)}

    assert {code for code, category in categories.items() if category == "travel"} == {"transport", "airport_transfer", "accommodation"}
    assert categories["cells"] == categories["room"] == categories["physio"] == "medical"
