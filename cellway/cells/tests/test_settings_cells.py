"""The ICCBBA codes are settings checked at start-up."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from cellway.tests.test_settings import start_up  # noqa: F401 - the fixture


def test_unset_codes_are_empty_so_labels_carry_marked_local_codes(start_up):  # noqa: F811
    s = start_up()
    assert (s["ISBT128_FACILITY"], s["ISBT128_PRODUCT_CODE"]) == ("", "")


def test_a_licensed_facility_number_is_read(start_up):  # noqa: F811
    assert start_up(CELLWAY_ISBT128_FIN="G1234")["ISBT128_FACILITY"] == "G1234"


@pytest.mark.parametrize(("name", "value"), [("CELLWAY_ISBT128_FIN", "G12345"), ("CELLWAY_ISBT128_PRODUCT_CODE", "s12")])
def test_a_malformed_code_stops_start_up(start_up, name, value):  # noqa: F811
    with pytest.raises(ImproperlyConfigured, match=name):
        start_up(**{name: value})
