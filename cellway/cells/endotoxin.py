"""Endotoxin limit per dose (USP <85>): no Django here.

The limit of a dose of V mL given to a patient of W kg is K·W/V EU per mL,
with K the threshold pyrogenic dose: 5 EU/kg for intravenous use and
0.2 EU/kg for intrathecal use. A lot's measured endotoxin (EU/mL) must not
exceed it: a vial fine for an intravenous dose can be refused for an
intrathecal one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

K_EU_PER_KG: dict[str, Decimal] = {"iv": Decimal(5), "it": Decimal("0.2")}
ROUTE_NAMES = {"iv": "intravenous", "it": "intrathecal"}


class EndotoxinError(ValueError):
    @property
    def message(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class DoseJudgement:
    route: str
    weight_kg: Decimal
    volume_ml: Decimal
    measured_eu_per_ml: Decimal
    limit_eu_per_ml: Decimal

    @property
    def within(self) -> bool:
        return self.measured_eu_per_ml <= self.limit_eu_per_ml

    @property
    def explanation(self) -> str:
        k = K_EU_PER_KG[self.route]
        verdict = "within" if self.within else "over"
        return (
            f"Endotoxin {_plain(self.measured_eu_per_ml)} EU/mL is {verdict} the {ROUTE_NAMES[self.route]} limit of "
            f"{_shown(self.limit_eu_per_ml)} EU/mL (K·W/V = {k} EU/kg × {_plain(self.weight_kg)} kg / {_plain(self.volume_ml)} mL)."
        )


def _plain(value: Decimal) -> str:
    """10.00 as "10", 0.4000 as "0.4": never "1E+1"."""
    return format(value.normalize(), "f")


def _shown(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def limit_per_ml(*, route: str, weight_kg: Decimal, volume_ml: Decimal) -> Decimal:
    """K·W/V in EU/mL."""
    if route not in K_EU_PER_KG:
        raise EndotoxinError(f"Unknown route {route!r}: intravenous (iv) or intrathecal (it).")
    if weight_kg <= 0:
        raise EndotoxinError("The patient's weight must be more than 0 kg.")
    if volume_ml <= 0:
        raise EndotoxinError("The dose volume must be more than 0 mL.")
    return K_EU_PER_KG[route] * weight_kg / volume_ml


def judge_dose(*, route: str, weight_kg: Decimal, volume_ml: Decimal, measured_eu_per_ml: Decimal) -> DoseJudgement:
    """Whether a dose of `volume_ml` from a lot measured at `measured_eu_per_ml` is within the limit for this route and weight."""
    limit = limit_per_ml(route=route, weight_kg=weight_kg, volume_ml=volume_ml)
    return DoseJudgement(route, weight_kg, volume_ml, measured_eu_per_ml, limit)
