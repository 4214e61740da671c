"""Rule 3 and 4: the price follows from the plan, the price list and the package tier.

Pure Python (no Django): given the plan's numbers and the unit prices, the
quote's lines and total. Inclusive covers cells, specialist treatment, the
Certificate of Analysis, airport transfer, transport to and from sessions,
accommodation and the hospital room; Essential the same without airport
transfer and accommodation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class PlanNumbers:
    cell_dose: int
    iv_infusions: int
    it_infusions: int
    supplementary_infusions: int
    physiotherapy_sessions: int
    occupational_sessions: int
    speech_sessions: int
    rehab_sessions: int
    hospital_room_days: int
    treatment_days: int
    stay_nights: int
    package_tier: str  # "inclusive" or "essential"


@dataclass(frozen=True)
class UnitPrices:
    per_million_cells: Decimal
    specialist_treatment: Decimal
    certificate_of_analysis: Decimal
    iv_infusion: Decimal
    it_infusion: Decimal
    supplementary_infusion: Decimal
    physiotherapy_session: Decimal
    occupational_session: Decimal
    speech_session: Decimal
    rehab_session: Decimal
    hospital_room_day: Decimal
    session_transport_day: Decimal
    airport_transfer: Decimal
    accommodation_night: Decimal


# Tax categories of a quote's lines. Which are exempt, and the wording that says so, is the clinic's
# jurisdiction's business: a setting (CELLWAY_CLINIC_TAX_EXEMPTION_NOTE for medical care), never code.
MEDICAL = "medical"  # care given by the clinic: cells, treatment, sessions, the hospital room
TRAVEL = "travel"  # transport, airport transfer, accommodation
TAX_CATEGORIES = {MEDICAL: "Medical care", TRAVEL: "Travel and stay"}
TRAVEL_CODES = frozenset({"transport", "airport_transfer", "accommodation"})


@dataclass(frozen=True)
class Line:
    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal

    @property
    def tax_category(self) -> str:
        return TRAVEL if self.code in TRAVEL_CODES else MEDICAL

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, ROUND_HALF_UP)

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "description": self.description,
            "quantity": str(self.quantity),
            "unit_price": str(self.unit_price),
            "amount": str(self.amount),
            "tax_category": self.tax_category,
        }


INCLUSIVE_ONLY = frozenset({"airport_transfer", "accommodation"})
TIERS = ("inclusive", "essential")
# Every line a quote may carry, in the order quote_lines writes them (DESIGN.md rule 4: the two tiers).
PACKAGE_LINES = (
    "cells",
    "specialist",
    "coa",
    "iv",
    "it",
    "supplementary",
    "physio",
    "occupational",
    "speech",
    "rehab",
    "room",
    "transport",
    "airport_transfer",
    "accommodation",
)


def package_contents(tier: str) -> list[str]:
    """What a package tier can include (line codes of `quote_lines`): the public site lists these, so it
    never disagrees with a quote."""
    if tier not in TIERS:
        raise ValueError(f"Unknown package tier {tier!r}.")
    return [code for code in PACKAGE_LINES if tier == "inclusive" or code not in INCLUSIVE_ONLY]


def quote_lines(plan: PlanNumbers, prices: UnitPrices) -> list[Line]:
    """The priced lines of a plan. Lines with quantity 0 are left out."""
    allowed = package_contents(plan.package_tier)
    millions = (Decimal(plan.cell_dose) / Decimal(1_000_000)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    candidates = [
        Line("cells", "Wharton's-jelly MSCs (per million cells)", millions, prices.per_million_cells),
        Line("specialist", "Specialist treatment", Decimal(1), prices.specialist_treatment),
        Line("coa", "Certificate of Analysis", Decimal(1), prices.certificate_of_analysis),
        Line("iv", "Intravenous infusion", Decimal(plan.iv_infusions), prices.iv_infusion),
        Line("it", "Intrathecal infusion", Decimal(plan.it_infusions), prices.it_infusion),
        Line("supplementary", "Supplementary infusion", Decimal(plan.supplementary_infusions), prices.supplementary_infusion),
        Line("physio", "Physiotherapy session", Decimal(plan.physiotherapy_sessions), prices.physiotherapy_session),
        Line("occupational", "Occupational therapy session", Decimal(plan.occupational_sessions), prices.occupational_session),
        Line("speech", "Speech and language therapy session", Decimal(plan.speech_sessions), prices.speech_session),
        Line("rehab", "Rehabilitative medicine session", Decimal(plan.rehab_sessions), prices.rehab_session),
        Line("room", "Hospital room (days)", Decimal(plan.hospital_room_days), prices.hospital_room_day),
        Line("transport", "Transport to and from sessions (days)", Decimal(plan.treatment_days), prices.session_transport_day),
        Line("airport_transfer", "Airport transfer (both ways)", Decimal(1), prices.airport_transfer),
        Line("accommodation", "Accommodation (nights)", Decimal(plan.stay_nights), prices.accommodation_night),
    ]
    return [line for line in candidates if line.quantity > 0 and line.code in allowed]


def total(lines: list[Line], adjustment: Decimal = Decimal(0)) -> Decimal:
    return (sum((line.amount for line in lines), Decimal(0)) + adjustment).quantize(CENT, ROUND_HALF_UP)


def deposit(total_amount: Decimal, percent: Decimal | int) -> Decimal:
    return (total_amount * Decimal(percent) / Decimal(100)).quantize(CENT, ROUND_HALF_UP)
