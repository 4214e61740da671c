"""What the bedside check verifies (rule 7), in one place: the check and the administration both call `verify`.

Each mismatch is a `BedsideStop` with a message for the nurse, and the vial
when it was identified, so the red stop can be recorded against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.cells import isbt128
from cellway.cells import selectors as cells
from cellway.cells.endotoxin import DoseJudgement, judge_dose
from cellway.cells.models import LotStatus, Route, Vial, VialStatus
from cellway.errors import Refusal
from cellway.treatment.models import WeightMeasurement


class BedsideStop(Refusal):
    """A red stop at the bedside: nothing is given."""

    def __init__(self, message: str, vial: Vial | None = None) -> None:
        super().__init__(message)
        self.vial = vial


@dataclass(frozen=True)
class Green:
    vial: Vial
    weight_kg: Decimal
    dose: DoseJudgement


def latest_weight(case: Case) -> WeightMeasurement | None:
    return WeightMeasurement.objects.filter(case=case).first()


def _route_label(route: str, infusion: int) -> str:
    return f"{Route(route).label if route in Route.values else route} infusion {infusion}"


def _patient(case: Case, wristband: str) -> Decimal:
    weight = latest_weight(case)
    if weight is None:
        raise BedsideStop(f"No weight recorded for {case.patient}: weigh the patient and record it before any cell product is given.")
    try:
        coi = isbt128.parse_coi(wristband)
    except isbt128.Isbt128Error as wrong:
        raise BedsideStop(f"Wristband: {wrong.message}") from None
    chain = cells.chain_of(case)
    if chain is None:
        raise BedsideStop(f"{case.code} has no Chain of Identity: no vial has been allocated to this patient.")
    if coi.thirteen != chain.coi:
        raise BedsideStop(f"Wrong patient: wristband {coi.eye_readable} is not {case.patient}'s ({chain.value.eye_readable}).")
    return weight.kg


def _vial(label: str) -> Vial:
    try:
        din, number = isbt128.parse_vial_label(label)
    except isbt128.Isbt128Error as wrong:
        raise BedsideStop(f"Product label: {wrong.message}") from None
    vial = Vial.objects.select_related("lot", "lot__product", "case", "holder").filter(lot__din=din.thirteen, number=number).first()
    if vial is None:
        raise BedsideStop(f"No vial {number} of DIN {din.eye_readable} is known to Cellway.")
    return vial


def _lot_usable(vial: Vial) -> None:
    lot = vial.lot
    if lot.status != LotStatus.RELEASED:
        raise BedsideStop(f"Lot {lot.din} is {lot.get_status_display().lower()}: it is not released for use.", vial)
    if lot.expires_at <= timezone.now():
        raise BedsideStop(f"Lot {lot.din} expired on {timezone.localtime(lot.expires_at):%d %b %Y %H:%M}.", vial)


def _vial_for(vial: Vial, case: Case, by: User, route: str, infusion: int) -> None:
    if vial.case_id != case.pk:
        where = "another patient" if vial.case_id else "no patient"
        raise BedsideStop(f"Vial {vial.number} of lot {vial.lot.din} is allocated to {where}, not to {case.patient}.", vial)
    if vial.status == VialStatus.ADMINISTERED:
        raise BedsideStop(f"Vial {vial.number} of lot {vial.lot.din} has already been given.", vial)
    if (vial.route, vial.infusion) != (route, infusion):
        raise BedsideStop(
            f"Vial {vial.number} is for the {_route_label(vial.route, vial.infusion or 0)}, not the {_route_label(route, infusion)}.", vial
        )
    if vial.holder_id != by.pk:
        holder = vial.holder or "the laboratory"
        raise BedsideStop(f"Vial {vial.number} is with {holder}: it must be handed over to you first (chain of custody).", vial)


def _dose(vial: Vial, case: Case, route: str, infusion: int, weight_kg: Decimal) -> DoseJudgement:
    endotoxin = cells.latest_results(vial.lot).get("endotoxin")
    if endotoxin is None or endotoxin.value is None:
        raise BedsideStop(f"Lot {vial.lot.din} has no endotoxin result.", vial)
    vials = Vial.objects.filter(case=case, route=route, infusion=infusion).exclude(status=VialStatus.DISCARDED).count()
    dose = judge_dose(route=route, weight_kg=weight_kg, volume_ml=vial.lot.vial_volume_ml * vials, measured_eu_per_ml=endotoxin.value)
    if not dose.within:
        raise BedsideStop(dose.explanation, vial)
    return dose


def verify(*, case: Case, by: User, wristband: str, label: str, route: str, infusion: int) -> Green:
    """Green only if the wristband is this patient's, the lot released and not expired, the vial allocated to this
    patient and this infusion and handed to this nurse, and the endotoxin within the limit for the route and weight."""
    weight_kg = _patient(case, wristband)
    vial = _vial(label)
    _lot_usable(vial)
    _vial_for(vial, case, by, route, infusion)
    return Green(vial=vial, weight_kg=weight_kg, dose=_dose(vial, case, route, infusion, weight_kg))
