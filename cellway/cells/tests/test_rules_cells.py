"""Lots: receipt, results, release by a second person (signed), rejection, allocation, custody and holds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import DatabaseError, transaction
from django.test import override_settings
from django.utils import timezone

from cellway.audit.signatures import Signature
from cellway.audit.tests.freeze import freeze_lifted
from cellway.cases.stages import Stage
from cellway.cells import isbt128, selectors
from cellway.cells import services as cells
from cellway.cells.models import ChainOfIdentity, Lot, LotEvent, LotStatus, TestResult, Vial, VialStatus
from cellway.clinic import clinic_today
from cellway.demo import cells as demo
from cellway.errors import NotAllowed, Refusal, StageConflict


def written() -> tuple[int, ...]:
    return (
        Lot.objects.count(),
        Vial.objects.count(),
        TestResult.objects.count(),
        LotEvent.objects.count(),
        Signature.objects.count(),
        ChainOfIdentity.objects.count(),
    )


def lot_state(lot):
    fresh = Lot.objects.get(pk=lot.pk)
    return fresh.status, list(fresh.vials.values_list("status", "case", "holder")), fresh.events.count()


@pytest.fixture
def tested(staff):
    lot = demo.receive(staff["ivan"])
    demo.record_passing_results(lot, staff["ivan"])
    return lot


@pytest.fixture
def released(staff):
    return demo.released_lot(staff["ivan"], staff["tara"])


@pytest.fixture
def planned(case_at):
    return case_at(Stage.QUOTED)  # a signed plan: 2 intravenous and 1 intrathecal infusion of 100 million cells


# --- Receipt ------------------------------------------------------------------------------------------


def test_a_received_lot_is_quarantined_with_a_din_and_its_vials(staff):
    lot = demo.receive(staff["ivan"])

    assert lot.status == LotStatus.QUARANTINE
    din = isbt128.parse_din(lot.din)
    assert din.facility == isbt128.LOCAL_FACILITY and din.year == clinic_today().year % 100
    assert list(lot.vials.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert lot.events.get().summary == f"Received into quarantine: 6 vials, DIN {din.eye_readable}"


@override_settings(ISBT128_FACILITY="G1234")
def test_dins_use_the_licensed_facility_number_and_never_repeat(staff):
    first, second = demo.receive(staff["ivan"]), demo.receive(staff["ivan"])

    assert first.din.startswith("G1234") and second.din.startswith("G1234")
    assert isbt128.parse_din(second.din).sequence == isbt128.parse_din(first.din).sequence + 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"consent_on_file": False}, "The donor's consent must be on file before a lot is received."),
        ({"donor_eligible": False}, "The donor's eligibility must be on file before a lot is received."),
        ({"storage_temperature_c": D(-20)}, "Stored at -20 °C: Wharton's-jelly MSCs, Passage 2 is stored between -196.0 and -150.0 °C."),
        ({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, "The expiry date and time has already passed."),
        ({"collection_date": clinic_today() + dt.timedelta(days=1)}, "The collection date is in the future."),
    ],
)
def test_a_lot_without_what_it_needs_is_refused(staff, change, message):
    before = written()

    with pytest.raises(Refusal) as refused:
        demo.receive(staff["ivan"], **change)

    assert refused.value.message == message
    assert written() == before


def test_only_the_laboratory_receives_lots(staff):
    with pytest.raises(NotAllowed):
        demo.receive(staff["nina"])


# --- Results ----------------------------------------------------------------------------------------------


def test_a_numeric_result_without_its_unit_is_refused(staff):
    lot = demo.receive(staff["ivan"])
    before = written()

    with pytest.raises(Refusal) as refused:
        cells.record_result(
            lot=lot,
            by=staff["ivan"],
            code="viability",
            value=D(92),
            unit="",
            method="7-AAD",
            measured_by="Ivan",
            measured_on=clinic_today(),
        )

    assert refused.value.message == "Viability: give the result's unit (%)."
    assert written() == before


def test_a_result_needs_its_method_and_who_measured_it(staff):
    lot = demo.receive(staff["ivan"])
    with pytest.raises(Refusal, match="give the method"):
        cells.record_result(
            lot=lot, by=staff["ivan"], code="viability", value=D(92), unit="%", method=" ", measured_by="Ivan", measured_on=clinic_today()
        )
    with pytest.raises(Refusal, match="say who measured it"):
        cells.record_result(
            lot=lot, by=staff["ivan"], code="viability", value=D(92), unit="%", method="7-AAD", measured_by="", measured_on=clinic_today()
        )


def test_results_are_append_only(staff, tested):
    result = tested.results.first()
    result.text = "changed"

    with pytest.raises(TypeError):
        result.save()
    # SQLite's RAISE(ABORT) is an IntegrityError, PostgreSQL's RAISE EXCEPTION a ProgrammingError: both DatabaseErrors.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TestResult.objects.filter(pk=result.pk).update(text="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LotEvent.objects.filter(lot=tested).delete()


# --- Release ------------------------------------------------------------------------------------------------


def test_a_second_person_releases_a_lot_within_specification_and_signs(staff, tested, password):
    lot = cells.release_lot(lot=tested, by=staff["tara"], password=password)

    assert (lot.status, lot.released_by) == (LotStatus.RELEASED, staff["tara"])
    assert lot.signature.meaning == "released for clinical use" and lot.signature.signer == staff["tara"]
    assert lot.events.first().summary == "Released for clinical use (signed)"


def test_whoever_entered_results_cannot_release_the_lot(staff, tested, password):
    before = lot_state(tested), written()

    with pytest.raises(Refusal) as refused:
        cells.release_lot(lot=tested, by=staff["ivan"], password=password)

    assert refused.value.message == "You entered results for this lot: a second person releases it."
    assert (lot_state(tested), written()) == before


def test_a_lot_missing_a_result_is_not_released(staff, password):
    lot = demo.receive(staff["ivan"])
    demo.record_passing_results(lot, staff["ivan"], skip=("mycoplasma",))

    with pytest.raises(Refusal) as refused:
        cells.release_lot(lot=lot, by=staff["tara"], password=password)

    assert refused.value.message == "Not releasable, no result yet: Mycoplasma."


def test_a_lot_out_of_specification_is_not_released_and_is_rejected_with_its_reason(staff, password):
    lot = demo.receive(staff["ivan"])
    demo.record_passing_results(lot, staff["ivan"], endotoxin=D("0.8"))

    with pytest.raises(Refusal, match=r"out of specification: Endotoxin 0.8 EU/mL \(specification ≤ 0.5 EU/mL\)"):
        cells.release_lot(lot=lot, by=staff["tara"], password=password)
    assert lot in selectors.queues(staff["tara"]).to_release  # judged, waiting for a decision

    cells.reject_lot(lot=lot, by=staff["tara"], reason="Endotoxin over the lot limit", password=password)

    lot.refresh_from_db()
    assert (lot.status, lot.decision_reason, lot.signature.meaning) == (LotStatus.REJECTED, "Endotoxin over the lot limit", "rejected")
    with pytest.raises(Refusal, match="Give the reason"):
        cells.reject_lot(lot=demo.receive(staff["ivan"]), by=staff["tara"], reason=" ", password=password)


def test_a_later_result_counts_over_an_earlier_one(staff, password):
    lot = demo.receive(staff["ivan"])
    demo.record_passing_results(lot, staff["ivan"])
    cells.record_result(
        lot=lot, by=staff["ivan"], code="viability", value=D(60), unit="%", method="7-AAD", measured_by="Ivan", measured_on=clinic_today()
    )

    assert [x.criterion.code for x in selectors.judgement(lot).out] == ["viability"]


def test_a_wrong_password_signs_nothing(staff, tested):
    before = lot_state(tested), written()
    with pytest.raises(Refusal, match="password is not correct"):
        cells.release_lot(lot=tested, by=staff["tara"], password="wrong")
    assert (lot_state(tested), written()) == before


def test_an_expired_lot_is_not_released(staff, tested, password):
    Lot.objects.filter(pk=tested.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))

    with pytest.raises(Refusal, match="expired on"):
        cells.release_lot(lot=Lot.objects.get(pk=tested.pk), by=staff["tara"], password=password)


def test_the_viability_floor_may_be_raised_not_lowered(staff, tested):
    with pytest.raises(Refusal, match="may raise it, not lower it"):
        cells.set_limit(product=tested.product, code="viability", limit=D(65), by=staff["ivan"], reason="cheaper")

    cells.set_limit(product=tested.product, code="viability", limit=D(99), by=staff["ivan"], reason="sponsor asks 99 %")

    assert [x.criterion.code for x in selectors.judgement(tested).out] == ["viability"]


# --- Allocation --------------------------------------------------------------------------------------------


def test_vials_are_allocated_to_a_planned_infusion_and_the_case_gets_its_chain_of_identity(staff, released, planned):
    vial = released.vials.get(number=1)

    cells.allocate_vial(vial=vial, case=planned, route="it", infusion=1, by=staff["ivan"])

    vial.refresh_from_db()
    assert (vial.status, vial.case, vial.route, vial.infusion) == (VialStatus.ALLOCATED, planned, "it", 1)
    coi = ChainOfIdentity.objects.get(case=planned)
    assert isbt128.parse_din(coi.coi) != isbt128.parse_din(released.din)
    assert f"allocated to {planned.code}, intrathecal 1 of 1" in released.events.first().summary


def test_an_infusion_takes_only_the_vials_its_dose_needs(staff, released, planned):
    cells.allocate_vial(vial=released.vials.get(number=1), case=planned, route="iv", infusion=1, by=staff["ivan"])

    with pytest.raises(Refusal) as refused:
        cells.allocate_vial(vial=released.vials.get(number=2), case=planned, route="iv", infusion=1, by=staff["ivan"])

    assert refused.value.message == "intravenous 1 of 2 already has its 1 vial(s) for 33,333,333 cells."


def test_a_vial_allocated_to_someone_else_is_refused(staff, released, planned, case_at):
    other = case_at(Stage.QUOTED)
    cells.allocate_vial(vial=released.vials.get(number=1), case=other, route="iv", infusion=1, by=staff["ivan"])

    with pytest.raises(StageConflict) as refused:
        cells.allocate_vial(vial=released.vials.get(number=1), case=planned, route="iv", infusion=1, by=staff["ivan"])

    assert refused.value.message == f"Vial 1 of {released.din} is allocated to {other.code}."


def test_a_quarantined_lot_is_not_allocated_nor_an_infusion_the_plan_lacks(staff, tested, released, planned):
    with pytest.raises(StageConflict, match="is quarantine"):
        cells.allocate_vial(vial=tested.vials.get(number=1), case=planned, route="iv", infusion=1, by=staff["ivan"])
    with pytest.raises(Refusal, match="has no intrathecal infusion 2"):
        cells.allocate_vial(vial=released.vials.get(number=1), case=planned, route="it", infusion=2, by=staff["ivan"])


# --- Custody ------------------------------------------------------------------------------------------------


def test_a_hand_over_records_both_people_and_the_temperature(staff, released, planned):
    vial = cells.allocate_vial(vial=released.vials.get(number=1), case=planned, route="iv", infusion=1, by=staff["ivan"])

    cells.hand_over(vial=vial, by=staff["ivan"], to=staff["nina"], leg="nurse", temperature_c=D("4.5"), location="Ward 3")

    vial.refresh_from_db()
    assert (vial.status, vial.holder, vial.location) == (VialStatus.DISPATCHED, staff["nina"], "Ward 3")
    event = released.events.first()
    assert event.data == {"from": staff["ivan"].pk, "to": staff["nina"].pk, "leg": "nurse", "temperature_c": "4.5", "within": True}
    with pytest.raises(NotAllowed, match="held by"):
        cells.hand_over(vial=vial, by=staff["ivan"], to=staff["tara"], leg="nurse", temperature_c=D(4), location="Lab")


def test_a_hand_over_out_of_range_puts_the_lot_on_hold_for_the_laboratory(staff, released, planned, password):
    vial = cells.allocate_vial(vial=released.vials.get(number=1), case=planned, route="iv", infusion=1, by=staff["ivan"])

    cells.hand_over(vial=vial, by=staff["ivan"], to=staff["nina"], leg="transport", temperature_c=D(12), location="Van 2")

    lot = Lot.objects.get(pk=released.pk)
    assert lot.status == LotStatus.ON_HOLD
    assert lot.events.first().summary == "On hold: vial 1 handed over at 12 °C, outside 2.0 to 8.0 °C"
    assert lot in selectors.queues(staff["ivan"]).on_hold

    cells.judge_hold(lot=lot, by=staff["tara"], resume=False, reason="Cold chain broken for 40 minutes", password=password)

    lot.refresh_from_db()
    assert lot.status == LotStatus.DISCARDED
    assert set(lot.vials.values_list("status", flat=True)) == {VialStatus.DISCARDED}


def test_a_hand_over_to_oneself_or_to_someone_without_the_role_is_refused(staff, released, planned):
    vial = cells.allocate_vial(vial=released.vials.get(number=1), case=planned, route="iv", infusion=1, by=staff["ivan"])
    with pytest.raises(Refusal, match="between two people"):
        cells.hand_over(vial=vial, by=staff["ivan"], to=staff["ivan"], leg="transport", temperature_c=D(4), location="Lab")
    with pytest.raises(Refusal, match="may not receive cell products"):
        cells.hand_over(vial=vial, by=staff["ivan"], to=staff["fiona"], leg="transport", temperature_c=D(4), location="Lab")


def test_the_queues_sort_lots_by_what_they_need(staff, tested, released):
    untested = demo.receive(staff["ivan"])
    with freeze_lifted("cells_lot"):  # time passing: the released lot comes within three days of expiry
        Lot.objects.filter(pk=released.pk).update(expires_at=timezone.now() + dt.timedelta(days=3))

    queues = selectors.queues(staff["ivan"])

    assert (queues.to_test, queues.to_release, queues.expiring, queues.on_hold) == ([untested], [tested], [released], [])
    with pytest.raises(NotAllowed):
        selectors.queues(staff["fiona"])


# --- What was signed stays as signed ------------------------------------------------------------------


def test_a_released_lot_cannot_be_rewritten_only_moved_on(released):
    from django.db import connection

    def refused(change) -> bool:
        try:
            with transaction.atomic():
                change()
        except DatabaseError:
            return True
        return False

    rows = Lot.objects.filter(pk=released.pk)
    assert refused(lambda: rows.update(passage=3))
    assert refused(lambda: rows.update(expires_at=timezone.now() + dt.timedelta(days=999)))
    assert refused(lambda: rows.update(decision_reason="never tested"))
    with connection.cursor() as cursor:
        assert refused(lambda: cursor.execute("DELETE FROM cells_lot WHERE id = %s", [released.pk]))
    rows.update(status=LotStatus.ON_HOLD)  # the status moves on through the services
    assert Lot.objects.get(pk=released.pk).passage == released.passage


def test_a_lot_in_quarantine_is_still_corrected_freely(tested):
    Lot.objects.filter(pk=tested.pk).update(storage_location="Tank 2")
    assert Lot.objects.get(pk=tested.pk).storage_location == "Tank 2"


def test_the_queues_read_the_same_few_queries_however_many_lots_wait(staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    demo.receive(staff["ivan"])
    with CaptureQueriesContext(connection) as one:
        selectors.queues(staff["ivan"])
    for _ in range(3):
        demo.record_passing_results(demo.receive(staff["ivan"]), staff["ivan"])
    with CaptureQueriesContext(connection) as four:
        queues = selectors.queues(staff["ivan"])

    assert len(queues.to_test) == 1 and len(queues.to_release) == 3
    assert len(four.captured_queries) == len(one.captured_queries)
