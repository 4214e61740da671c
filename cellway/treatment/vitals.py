"""Vital signs: what is plausible at all (refused outside: a typing slip), and what is an excursion worth a look.

Pure Python, no Django. Plausible ranges are wide on purpose: they catch 1200 for 120 or a temperature in
Fahrenheit, never a sick patient's real reading. Excursions (outside the usual adult ranges, after NEWS2's
bands) are recorded as they are, flagged, and listed in the discharge summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str
    low: Decimal  # plausible: below is refused
    high: Decimal
    usual_low: Decimal  # usual: outside is an excursion
    usual_high: Decimal


SYSTOLIC = Measure("Systolic pressure", "mmHg", Decimal(50), Decimal(260), Decimal(91), Decimal(179))
DIASTOLIC = Measure("Diastolic pressure", "mmHg", Decimal(20), Decimal(160), Decimal(40), Decimal(109))
PULSE = Measure("Pulse", "/min", Decimal(20), Decimal(250), Decimal(51), Decimal(110))
TEMPERATURE = Measure("Temperature", "°C", Decimal("30.0"), Decimal("43.5"), Decimal("35.1"), Decimal("37.9"))
SPO2 = Measure("SpO₂", "%", Decimal(50), Decimal(100), Decimal(94), Decimal(100))

MEASURES = {"systolic": SYSTOLIC, "diastolic": DIASTOLIC, "pulse": PULSE, "temperature": TEMPERATURE, "spo2": SPO2}


class Implausible(ValueError):
    """A value no living patient on the ward has: the message says which and the range."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_plausible(values: dict[str, Decimal]) -> None:
    """Raise Implausible for the first value outside its plausible range, or a diastolic not below the systolic."""
    for key, measure in MEASURES.items():
        value = values[key]
        if not measure.low <= value <= measure.high:
            raise Implausible(
                f"{measure.name} {value} {measure.unit} is not plausible: Cellway accepts {measure.low} to {measure.high} {measure.unit}."
            )
    if values["diastolic"] >= values["systolic"]:
        raise Implausible(f"The diastolic pressure ({values['diastolic']}) must be below the systolic ({values['systolic']}).")


def excursions(values: dict[str, Decimal]) -> list[str]:
    """The plausible values outside the usual adult ranges, each as "Pulse 124 /min (high)"."""
    found = []
    for key, measure in MEASURES.items():
        value = values[key]
        if value < measure.usual_low:
            found.append(f"{measure.name} {value} {measure.unit} (low)")
        elif value > measure.usual_high:
            found.append(f"{measure.name} {value} {measure.unit} (high)")
    return found
