"""ISBT 128 building and parsing (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from cellway.cells import isbt128
from cellway.cells.isbt128 import Din, Isbt128Error, ProductCode


@pytest.mark.parametrize(("thirteen", "check"), [("G123498654321", "H"), ("G123417654321", "A")])
def test_the_published_din_vectors_give_their_check_characters(thirteen, check):
    assert isbt128.check_character(thirteen) == check


def test_a_din_is_built_from_facility_year_and_sequence():
    din = Din(facility="G1234", year=98, sequence=654321)

    assert (din.thirteen, din.check, din.data) == ("G123498654321", "H", "=G12349865432100")
    assert din.eye_readable == "G1234 98 654321 H"


def test_a_scanned_din_is_read_back():
    assert isbt128.parse_din("=G12349865432100") == Din("G1234", 98, 654321)


def test_a_typed_din_with_its_check_character_is_verified():
    assert isbt128.parse_din("g1234 98 654321 h").thirteen == "G123498654321"


def test_a_typed_din_with_a_wrong_check_character_is_refused():
    with pytest.raises(Isbt128Error) as refused:
        isbt128.parse_din("G123498654321A")

    assert refused.value.message == "Wrong check character 'A' for DIN G123498654321: it should be 'H'."


@pytest.mark.parametrize("bad", ["", "G12349865432", "1123498654321", "G12X498654321", "=G1234986543210"])
def test_malformed_dins_are_refused(bad):
    with pytest.raises(Isbt128Error):
        isbt128.parse_din(bad)


def test_a_facility_number_must_be_a_letter_and_four_digits():
    with pytest.raises(Isbt128Error, match="a capital letter and four digits"):
        Din(facility="12345", year=26, sequence=1)


def test_product_codes_round_trip():
    code = ProductCode("X0001", "0", "00")

    assert code.data == "=<X0001000"
    assert isbt128.parse_product(code.data) == code
    with pytest.raises(Isbt128Error):
        isbt128.parse_product("=<X01")


def test_expiry_is_written_as_century_year_julian_day_hour_minute():
    expiry = dt.datetime(2026, 12, 1, 23, 59)

    assert isbt128.expiry_data(expiry) == "=>0263352359"
    assert isbt128.parse_expiry("=>0263352359") == expiry


@pytest.mark.parametrize("bad", ["0263352359", "=>0263662359", "=>02633523", "=>0260002359", "=>0263352460"])
def test_malformed_expiries_are_refused(bad):
    with pytest.raises(Isbt128Error):
        isbt128.parse_expiry(bad)


def test_a_chain_of_identity_carries_its_check_character_and_is_read_back_scanned_or_typed():
    coi = Din("G1234", 26, 42)

    assert isbt128.coi_data(coi) == "&,1G123426000042" + coi.check
    assert isbt128.parse_coi(isbt128.coi_data(coi)) == coi
    assert isbt128.parse_coi(coi.thirteen + coi.check) == coi
    wrong = "A" if coi.check != "A" else "B"
    with pytest.raises(Isbt128Error, match="Wrong check character"):
        isbt128.parse_coi(coi.thirteen + wrong)


def test_a_vial_label_is_read_scanned_or_typed():
    din = Din("G1234", 26, 42)
    scanned = isbt128.label_data(din, ProductCode("X0000", "0", "03"))

    assert isbt128.parse_vial_label(scanned) == (din, 3)
    assert isbt128.parse_vial_label(f"{din.thirteen}{din.check} 3") == (din, 3)
    assert isbt128.parse_vial_label(f"{din.eye_readable} / 03") == (din, 3)
    with pytest.raises(Isbt128Error, match="Wrong check character"):
        isbt128.parse_vial_label(f"{din.thirteen}{'A' if din.check != 'A' else 'B'} 3")
    with pytest.raises(Isbt128Error):
        isbt128.parse_vial_label("hello")
