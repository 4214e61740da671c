"""The bedside check (rule 7): green only for the right patient, a released unexpired lot allocated to this infusion,
handed to this nurse, within the endotoxin limit for route and weight; every red stop recorded, nothing given."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from cellway.audit.tests.freeze import freeze_lifted
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.cells import services as cells
from cellway.cells.models import ChainOfIdentity, Lot, LotStatus, VialStatus
from cellway.demo import cells as demo
from cellway.demo.journey import give_consent
from cellway.errors import Refusal, StageConflict
from cellway.treatment import services as treatment
from cellway.treatment.models import Administration, BedsideCheck, TreatmentSession


def label(vial) -> str:
    din = vial.lot.din_value
    return f"{din.thirteen}{din.check} {vial.number}"


def wristband(case) -> str:
    coi = ChainOfIdentity.objects.get(case=case).value
    return f"{coi.thirteen}{coi.check}"


def given() -> tuple[int, int, int]:
    return Administration.objects.count(), TreatmentSession.objects.count(), BedsideCheck.objects.filter(passed=True).count()


@pytest.fixture
def ward(staff, case_at):
    """An arrived patient (60 kg), a released lot (endotoxin 0.2 EU/mL, 10 mL vials) with vial 1 for the first
    intravenous and vial 2 for the intrathecal infusion, both handed to Nina."""
    case = case_at(Stage.ARRIVED)
    give_consent(case, staff)
    lot = demo.released_lot(staff["ivan"], staff["tara"])
    for number, route in ((1, "iv"), (2, "it")):
        vial = cells.allocate_vial(vial=lot.vials.get(number=number), case=case, route=route, infusion=1, by=staff["ivan"])
        cells.hand_over(vial=vial, by=staff["ivan"], to=staff["nina"], leg="nurse", temperature_c=D(5), location="Ward 3")
    treatment.record_weight(case=case, by=staff["nina"], kg=D(60))
    return case, lot


def check(staff, case, lot_or_label, route="it", infusion=1, band=None):
    text = lot_or_label if isinstance(lot_or_label, str) else label(lot_or_label.vials.get(number=2 if route == "it" else 1))
    return treatment.bedside_check(
        case=case, by=staff["nina"], wristband=band or wristband(case), label=text, route=route, infusion=infusion
    )


def red(staff, case, lot_or_label, **kwargs) -> str:
    before = given()
    result = check(staff, case, lot_or_label, **kwargs)
    assert not result.passed
    assert given() == before
    assert Case.objects.get(pk=case.pk).events.first().summary == "Bedside check RED STOP: " + result.message
    return result.message


def test_a_green_check_lets_the_nurse_give_the_vial_in_its_planned_infusions_session(staff, ward):
    case, lot = ward

    green = check(staff, case, lot)
    given_now = treatment.administer(check=green, by=staff["nina"])

    assert green.passed and green.message.startswith(f"Vial 2 of lot {lot.din} for {case.patient}.")
    assert "within the intrathecal limit of 1.200 EU/mL" in green.message
    session = given_now.session
    assert (session.kind, session.route, session.infusion, session.infusion_label) == ("it", "it", 1, "intrathecal 1 of 1")
    assert [a.vial.number for a in session.administrations.all()] == [2]
    assert lot.vials.get(number=2).status == VialStatus.ADMINISTERED
    assert Case.objects.get(pk=case.pk).stage == Stage.IN_TREATMENT
    with pytest.raises(StageConflict):
        treatment.administer(check=green, by=staff["nina"])


def test_no_recorded_weight_is_a_red_stop(staff, case_at):
    case = case_at(Stage.ARRIVED)
    lot = demo.released_lot(staff["ivan"], staff["tara"])
    vial = cells.allocate_vial(vial=lot.vials.get(number=1), case=case, route="iv", infusion=1, by=staff["ivan"])
    cells.hand_over(vial=vial, by=staff["ivan"], to=staff["nina"], leg="nurse", temperature_c=D(5), location="Ward 3")

    message = red(staff, case, lot, route="iv")

    assert message == f"No weight recorded for {case.patient}: weigh the patient and record it before any cell product is given."


def test_another_patients_wristband_is_a_red_stop(staff, ward, case_at):
    case, lot = ward
    other = case_at(Stage.QUOTED)
    cells.allocate_vial(vial=lot.vials.get(number=3), case=other, route="iv", infusion=1, by=staff["ivan"])

    message = red(staff, case, lot, band=wristband(other))

    assert message.startswith("Wrong patient: wristband ")


def test_a_label_with_a_wrong_check_character_is_a_red_stop(staff, ward):
    case, lot = ward
    din = lot.din_value
    wrong = "A" if din.check != "A" else "B"

    assert red(staff, case, f"{din.thirteen}{wrong} 2") == (
        f"Product label: Wrong check character '{wrong}' for DIN {din.thirteen}: it should be '{din.check}'."
    )


def test_a_vial_allocated_to_someone_else_is_a_red_stop(staff, ward, case_at):
    case, lot = ward
    other = case_at(Stage.QUOTED)
    vial = cells.allocate_vial(vial=lot.vials.get(number=3), case=other, route="it", infusion=1, by=staff["ivan"])

    assert red(staff, case, label(vial)) == f"Vial 3 of lot {lot.din} is allocated to another patient, not to {case.patient}."
    assert BedsideCheck.objects.filter(vial=vial, passed=False).count() == 1
    assert lot.events.first().kind == "bedside_refused"


def test_a_quarantined_lot_is_a_red_stop(staff, ward):
    case, _ = ward
    quarantined = demo.receive(staff["ivan"])

    assert red(staff, case, label(quarantined.vials.get(number=1))) == (
        f"Lot {quarantined.din} is quarantine (testing): it is not released for use."
    )


def test_a_lot_on_hold_is_a_red_stop(staff, ward):
    case, lot = ward
    Lot.objects.filter(pk=lot.pk).update(status=LotStatus.ON_HOLD)

    assert red(staff, case, lot) == f"Lot {lot.din} is on hold: it is not released for use."


def test_an_expired_lot_is_a_red_stop(staff, ward):
    case, lot = ward
    with freeze_lifted("cells_lot"):  # time passing: the released lot expires
        Lot.objects.filter(pk=lot.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=5))

    assert red(staff, case, lot).startswith(f"Lot {lot.din} expired on ")


def test_an_intrathecal_dose_over_the_intrathecal_limit_is_refused_with_the_numbers_though_fine_in_a_vein(staff, case_at):
    case = case_at(Stage.ARRIVED)
    lot = demo.receive(staff["ivan"])
    demo.record_passing_results(lot, staff["ivan"], endotoxin=D("0.4"))  # within the lot's 0.5 EU/mL
    cells.release_lot(lot=lot, by=staff["tara"], password="cellway-demo-2026")
    for number, route in ((1, "iv"), (2, "it")):
        vial = cells.allocate_vial(vial=lot.vials.get(number=number), case=case, route=route, infusion=1, by=staff["ivan"])
        cells.hand_over(vial=vial, by=staff["ivan"], to=staff["nina"], leg="nurse", temperature_c=D(5), location="Ward 3")
    treatment.record_weight(case=case, by=staff["nina"], kg=D(15))  # a child: 0.2 EU/kg × 15 kg / 10 mL = 0.3 EU/mL

    assert red(staff, case, lot, route="it") == (
        "Endotoxin 0.4 EU/mL is over the intrathecal limit of 0.300 EU/mL (K·W/V = 0.2 EU/kg × 15 kg / 10 mL)."
    )
    assert check(staff, case, lot, route="iv").passed  # 5 EU/kg × 15 kg / 10 mL = 7.5 EU/mL


def test_a_red_check_gives_nothing(staff, ward):
    case, lot = ward
    Lot.objects.filter(pk=lot.pk).update(status=LotStatus.ON_HOLD)
    stop = check(staff, case, lot)

    with pytest.raises(Refusal, match="This check was a red stop"):
        treatment.administer(check=stop, by=staff["nina"])


def test_a_vial_not_handed_to_the_nurse_is_a_red_stop(staff, ward):
    case, lot = ward
    vial = cells.allocate_vial(vial=lot.vials.get(number=4), case=case, route="iv", infusion=2, by=staff["ivan"])

    assert red(staff, case, label(vial), route="iv", infusion=2) == (
        "Vial 4 is with the laboratory: it must be handed over to you first (chain of custody)."
    )
