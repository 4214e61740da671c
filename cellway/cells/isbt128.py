"""ISBT 128 data structures Cellway prints and reads: no Django here.

- 001 Donation Identification Number (DIN): ``=`` + facility identification
  number (FIN, one letter and four digits, assigned by ICCBBA) + two-digit
  year + six-digit sequence + two flag characters. The 13 characters
  FIN+year+sequence carry an ISO/IEC 7064 MOD 37-2 check character, printed
  boxed beside the eye-readable DIN and never encoded in the bar code
  (computed by python-stdnum's ``mod_37_2``: the library made for it).
- 003 Product code: ``=<`` + product description code (five characters) +
  type of donation (one) + division (two).
- 005 Expiration date and time: ``=>`` + ``cyyjjjhhmm`` (century digit, year,
  day of the year, hour, minute), in the facility's local time.
- 040 Chain of Identity identifier: one per patient's therapy, shaped like a
  DIN (FIN + year + sequence, with its own check character), printed on
  every patient-specific label. Its data identifier is ``COI_IDENTIFIER``.

Parsing refuses anything malformed with `Isbt128Error` whose message says
what is wrong, for the bedside and the laboratory to read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

DIN_IDENTIFIER = "="
PRODUCT_IDENTIFIER = "=<"
EXPIRY_IDENTIFIER = "=>"
# The data identifier of data structure 040 as Cellway prints it; check it against the ICCBBA
# standard (ST-001) of the clinic's licence before labels leave the building.
COI_IDENTIFIER = "&,1"

# What labels carry until the clinic's ICCBBA licence assigns its facility number and product code
# (settings ISBT128_FACILITY, ISBT128_PRODUCT_CODE). Every label printed with them says so, in large type.
LOCAL_FACILITY = "X0000"
LOCAL_PRODUCT = "X0000"
LOCAL_WARNING = "LOCAL CODES: NOT ICCBBA-ASSIGNED, FOR IN-HOUSE USE ONLY"

_FIN = re.compile(r"^[A-Z][0-9]{4}$")
_DIN = re.compile(r"^([A-Z][0-9]{4})([0-9]{2})([0-9]{6})$")
_PRODUCT = re.compile(r"^([A-Z][0-9A-Z]{4})([0-9A-Z])([0-9A-Z]{2})$")
_EXPIRY = re.compile(r"^([0-9])([0-9]{2})([0-9]{3})([0-9]{2})([0-9]{2})$")


class Isbt128Error(ValueError):
    """Malformed ISBT 128 data; the message says what is wrong."""

    @property
    def message(self) -> str:
        return str(self.args[0])


def check_character(thirteen: str) -> str:
    """The ISO/IEC 7064 MOD 37-2 check character of a 13-character DIN (FIN + year + sequence)."""
    if not _DIN.match(thirteen):
        raise Isbt128Error(f"{thirteen!r} is not a DIN: 13 characters, a letter and 4 digits (facility), 2 (year), 6 (sequence).")
    from stdnum.iso7064 import mod_37_2  # here: python-stdnum imports pydoc, 50 ms of every process's start-up

    return str(mod_37_2.calc_check_digit(thirteen))


@dataclass(frozen=True)
class Din:
    """A Donation Identification Number (data structure 001)."""

    facility: str
    year: int  # two digits, 0..99
    sequence: int
    flags: str = "00"

    def __post_init__(self) -> None:
        if not _FIN.match(self.facility):
            raise Isbt128Error(f"Facility identification number {self.facility!r}: a capital letter and four digits, e.g. G1234.")
        if not 0 <= self.year <= 99:
            raise Isbt128Error(f"Year {self.year}: two digits.")
        if not 0 < self.sequence <= 999_999:
            raise Isbt128Error(f"Sequence {self.sequence}: 1 to 999999.")
        if not re.match(r"^[0-9A-Z]{2}$", self.flags):
            raise Isbt128Error(f"Flags {self.flags!r}: two characters.")

    @property
    def thirteen(self) -> str:
        """FIN + year + sequence: the DIN as people read and type it."""
        return f"{self.facility}{self.year:02d}{self.sequence:06d}"

    @property
    def check(self) -> str:
        return check_character(self.thirteen)

    @property
    def eye_readable(self) -> str:
        """The DIN with its check character, as printed under the bar code ("G1234 26 000001 K")."""
        t = self.thirteen
        return f"{t[:5]} {t[5:7]} {t[7:]} {self.check}"

    @property
    def data(self) -> str:
        """What the bar code encodes (the check character is not encoded)."""
        return f"{DIN_IDENTIFIER}{self.thirteen}{self.flags}"


def parse_din(text: str) -> Din:
    """Read a DIN as scanned (``=G123498654321 00``) or typed (13 characters, with or without its check character).

    A typed check character is verified: a wrong one is refused.
    """
    raw = re.sub(r"\s+", "", text or "").upper()
    if raw.startswith(DIN_IDENTIFIER):
        body = raw[len(DIN_IDENTIFIER) :]
        if len(body) != 15:
            raise Isbt128Error(f"A scanned DIN has 13 characters and 2 flag characters after '=': {text!r}.")
        return _din(body[:13], flags=body[13:])
    if len(raw) == 14:
        din = _din(raw[:13])
        if raw[13] != din.check:
            raise Isbt128Error(f"Wrong check character {raw[13]!r} for DIN {din.thirteen}: it should be {din.check!r}.")
        return din
    if len(raw) == 13:
        return _din(raw)
    raise Isbt128Error(f"{text!r} is not a DIN: 13 characters (and optionally the check character).")


def _din(thirteen: str, flags: str = "00") -> Din:
    found = _DIN.match(thirteen)
    if not found:
        raise Isbt128Error(f"{thirteen!r} is not a DIN: a letter and 4 digits (facility), 2 (year), 6 (sequence).")
    return Din(facility=found[1], year=int(found[2]), sequence=int(found[3]), flags=flags)


@dataclass(frozen=True)
class ProductCode:
    """A product code (data structure 003)."""

    description: str  # product description code, five characters (ICCBBA's, or the clinic's local code)
    donation_type: str = "0"
    division: str = "00"

    def __post_init__(self) -> None:
        if not _PRODUCT.match(f"{self.description}{self.donation_type}{self.division}"):
            raise Isbt128Error(
                f"Product code {self.description!r}/{self.donation_type!r}/{self.division!r}: "
                "five characters starting with a letter, one for the type of donation, two for the division."
            )

    @property
    def data(self) -> str:
        return f"{PRODUCT_IDENTIFIER}{self.description}{self.donation_type}{self.division}"


def parse_product(text: str) -> ProductCode:
    raw = (text or "").strip().upper()
    if not raw.startswith(PRODUCT_IDENTIFIER):
        raise Isbt128Error(f"{text!r} is not a product code (it starts with '=<').")
    found = _PRODUCT.match(raw[len(PRODUCT_IDENTIFIER) :])
    if not found:
        raise Isbt128Error(f"{text!r} is not a product code: '=<', five characters, one, two.")
    return ProductCode(found[1], found[2], found[3])


def expiry_data(local: dt.datetime) -> str:
    """Data structure 005 for an expiry given in the facility's local (wall-clock) time."""
    return f"{EXPIRY_IDENTIFIER}{local.year % 1000:03d}{local.timetuple().tm_yday:03d}{local:%H%M}"


def parse_expiry(text: str, *, century: int = 2000) -> dt.datetime:
    """The naive local date and time of a data structure 005 (``=>cyyjjjhhmm``)."""
    raw = (text or "").strip()
    if not raw.startswith(EXPIRY_IDENTIFIER):
        raise Isbt128Error(f"{text!r} is not an expiration date (it starts with '=>').")
    found = _EXPIRY.match(raw[len(EXPIRY_IDENTIFIER) :])
    if not found:
        raise Isbt128Error(f"{text!r} is not an expiration date: '=>' and ten digits cyyjjjhhmm.")
    year = century - century % 1000 + int(found[1]) * 100 + int(found[2])
    hour, minute = int(found[4]), int(found[5])
    try:
        day = dt.date(year, 1, 1) + dt.timedelta(days=int(found[3]) - 1)
        if int(found[3]) < 1 or day.year != year:
            raise ValueError
        return dt.datetime(year, day.month, day.day, hour, minute)  # noqa: DTZ001 - ISBT 128 expiry is local wall-clock time
    except ValueError:
        raise Isbt128Error(f"{text!r}: no such day or time.") from None


def coi_data(coi: Din) -> str:
    """Data structure 040: the Chain of Identity identifier as encoded (with its check character: it is typed at the bedside)."""
    return f"{COI_IDENTIFIER}{coi.thirteen}{coi.check}"


def parse_coi(text: str) -> Din:
    """A Chain of Identity identifier as scanned (``&,1`` + 14) or typed (13 or 14 characters; a typed check character is verified)."""
    raw = re.sub(r"\s+", "", text or "").upper()
    if raw.startswith(COI_IDENTIFIER):
        raw = raw[len(COI_IDENTIFIER) :]
        if len(raw) != 14:
            raise Isbt128Error(f"{text!r}: a scanned Chain of Identity has 14 characters after {COI_IDENTIFIER!r}.")
    return parse_din(raw)


def label_data(din: Din, product: ProductCode) -> str:
    """What a vial label's Data Matrix encodes: the DIN and the product code, whose division is the vial."""
    return din.data + product.data


def parse_vial_label(text: str) -> tuple[Din, int]:
    """The DIN and vial number of a product label, as scanned (``=DIN..flags=<code..division``) or typed (``DIN[check] vial``).

    A typed check character is verified.
    """
    raw = (text or "").strip().upper()
    if raw.startswith(DIN_IDENTIFIER) and PRODUCT_IDENTIFIER in raw:
        din_part, _, product_part = raw.partition(PRODUCT_IDENTIFIER)
        product = parse_product(PRODUCT_IDENTIFIER + product_part)
        return parse_din(din_part), _division(product.division, text)
    parts = re.split(r"[\s/]+", raw)
    if len(parts) >= 2:
        return parse_din("".join(parts[:-1])), _division(parts[-1], text)
    raise Isbt128Error(f"{text!r} is not a product label: scan it, or type the DIN and the vial number (e.g. G123426000001K 3).")


def _division(value: str, text: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise Isbt128Error(f"{text!r}: the vial number is a whole number from 1.")
    return int(value)
