"""Credit notes and refunds when a case ends: the policy's figure, the journal balanced, every refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cellway.billing import refunds
from cellway.billing import selectors as billing_selectors
from cellway.billing import services as billing
from cellway.billing.cancellation import parse_policy
from cellway.billing.models import CreditNote, JournalEntry, JournalLine, Refund, RefundStatus
from cellway.billing.tests.test_ledger import sums_to_zero
from cellway.cases import services as cases
from cellway.cases.models import Case, CaseEvent
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal

TOTAL, DEPOSIT = Decimal("15260.00"), Decimal("4578.00")  # the demo plan on the demo price list
YEAR = clinic_today().year


@pytest.fixture(autouse=True)
def policy(settings):
    settings.CANCELLATION_POLICY = parse_policy("60:100,30:75,14:50,0:0")


def ended(case_at, staff, stage=Stage.PAID, *, days=45, to=Stage.DECLINED):
    case = case_at(stage, arrival=clinic_today() + dt.timedelta(days=days))
    return cases.end_case(case=case, to=to, by=staff["carla"], reason="Changed their mind")


def state(case):
    """Everything a refused credit note or refund could have written."""
    return (
        CreditNote.objects.filter(case=case).count(),
        Refund.objects.filter(case=case).count(),
        JournalEntry.objects.filter(case=case).count(),
        JournalLine.objects.filter(entry__case=case).count(),
        CaseEvent.objects.filter(case=case).count(),
        Case.objects.get(pk=case.pk).version,
    )


def test_the_policy_gives_back_the_tiers_share_of_what_was_paid(case_at, staff):
    case = ended(case_at, staff, days=45)

    decision = refunds.policy_decision(case)

    assert decision.reason == "declined" and decision.percent == 75
    assert decision.paid == TOTAL
    assert decision.refundable == Decimal("11445.00")  # 75% of 15,260.00
    assert [item.amount for item in decision.items] == [TOTAL, Decimal("-3815.00"), Decimal("11445.00")]


def test_a_credit_note_is_numbered_in_its_own_series_and_the_ledger_balances_with_the_refund_payable(case_at, staff):
    case = ended(case_at, staff, days=45)

    note = refunds.issue_credit_note(case=case, by=staff["fiona"], note="Patient cancelled by email")

    assert note.label == f"CN-{YEAR}-000001"
    assert (note.amount, note.refund, note.retained, note.reason) == (
        TOTAL - Decimal("3815.00"),
        Decimal("11445.00"),
        Decimal("3815.00"),
        "declined",
    )
    assert note.lines[-1] == {"label": "Refundable", "amount": "11445.00"}
    balances = billing_selectors.trial_balance(case)
    assert balances[("receivable", "EUR")] == 0
    assert balances[("refunds_payable", "EUR")] == Decimal("-11445.00")
    assert balances[("revenue", "EUR")] == Decimal("-3815.00")
    assert balances[("deferred_revenue", "EUR")] == 0
    assert sums_to_zero(case)
    task = Refund.objects.get(credit_note=note)
    assert (task.status, task.amount, task.method) == (RefundStatus.DUE, Decimal("11445.00"), "transfer")
    assert list(refunds.refunds_due(Case.objects.all())) == [task]
    assert not billing_selectors.account(case).balance_open


def test_recording_the_refund_pays_it_out_of_the_bank_and_takes_it_off_the_list(case_at, staff):
    case = ended(case_at, staff, days=45)
    note = refunds.issue_credit_note(case=case, by=staff["fiona"], note="Patient cancelled")
    task = note.refund_task

    refunds.record_refund(refund=task, by=staff["fiona"], reference="OUT-77", paid_on=clinic_today())

    task.refresh_from_db()
    assert (task.status, task.reference, task.paid_on, task.recorded_by) == ("done", "OUT-77", clinic_today(), staff["fiona"])
    balances = billing_selectors.trial_balance(case)
    assert balances[("refunds_payable", "EUR")] == 0
    assert balances[("bank", "EUR")] == TOTAL - Decimal("11445.00")
    assert sums_to_zero(case)
    assert not refunds.refunds_due(Case.objects.all()).exists()
    assert case.events.filter(summary__startswith="Refund of €11,445.00 made under").exists()


def test_a_deposit_kept_under_the_policy_still_cancels_the_unpaid_balance(case_at, staff):
    case = ended(case_at, staff, stage=Stage.DEPOSIT_PAID, days=20)  # 50%: more than the deposit paid

    note = refunds.issue_credit_note(case=case, by=staff["fiona"], note="Cancelled late")

    assert (note.refund, note.retained, note.amount) == (Decimal(0), DEPOSIT, TOTAL - DEPOSIT)
    assert not Refund.objects.filter(case=case).exists()
    assert billing_selectors.trial_balance(case)[("receivable", "EUR")] == 0
    assert sums_to_zero(case)
    assert case not in [row.case for row in billing_selectors.receivables(Case.objects.all(), today=clinic_today())]


def test_an_unsatisfactory_screening_refuses_the_case_with_nothing_charged(case_at, staff, password):
    from cellway.plans import services as plans

    case = case_at(Stage.ACCEPTED)
    result = plans.record_screening(
        case=case, by=staff["carla"], sample_date=clinic_today() - dt.timedelta(days=2), markers="CEA 40 ng/mL", laboratory="Lab"
    )
    plans.judge_screening(result=result, by=case.specialist, verdict="unsatisfactory", reason="CEA raised", password=password)
    case.refresh_from_db()
    assert case.stage == Stage.REFUSED

    note = refunds.issue_credit_note(case=case, by=staff["fiona"], note="Screening unsatisfactory")

    # The whole accepted price is taken off; nothing was paid, so nothing is refunded and nothing is kept.
    assert (note.reason, note.refund, note.retained, note.amount, note.percent) == ("screening", 0, 0, TOTAL, 100)
    assert billing_selectors.trial_balance(case)[("receivable", "EUR")] == 0
    assert sums_to_zero(case)


def test_hospital_days_used_and_a_released_lot_are_not_refundable(case_at, staff, monkeypatch):
    from cellway.billing import incurred
    from cellway.billing.cancellation import Incurred

    monkeypatch.setattr(incurred, "_PROVIDERS", {"cells": lambda case, on: [Incurred("cells", "released lot W0000 allocated")]})
    case = ended(case_at, staff, days=70)  # 100% refundable but for the cells

    decision = refunds.policy_decision(case)

    cells = next(line for line in billing_selectors.accepted_quote(case).lines if line["code"] == "cells")
    assert decision.refundable == TOTAL - Decimal(cells["amount"])
    assert "released lot W0000 allocated" in decision.items[1].label


def test_the_room_days_provider_counts_the_days_up_to_the_end(case_at, staff):
    from cellway.travel.billing import used_room_days
    from cellway.travel.models import Room, RoomBooking

    case = case_at(Stage.PAID)
    room = Room.objects.create(name="R-1")
    today = clinic_today()
    RoomBooking.objects.create(
        room=room, case=case, first_day=today - dt.timedelta(days=2), last_day=today + dt.timedelta(days=5), booked_by=staff["lena"]
    )

    [spent] = used_room_days(case, today)

    assert (spent.code, spent.quantity, spent.why) == ("room", Decimal(3), "3 hospital room days used")


@pytest.mark.parametrize(
    ("refund", "message"),
    [
        (Decimal("15260.01"), "A refund of €15,260.01 is more than the €15,260.00 paid; nothing was issued."),
        (Decimal("11445.01"), "The cancellation policy gives back at most €11,445.00; nothing was issued."),
        (Decimal("-1"), "A refund cannot be negative."),
        (Decimal("1.001"), "The refund has more than 2 decimals."),
    ],
)
def test_a_refund_beyond_what_was_paid_or_the_policy_is_refused_and_nothing_is_written(case_at, staff, refund, message):
    case = ended(case_at, staff, days=45)
    before = state(case)

    with pytest.raises(Refusal) as refused:
        refunds.issue_credit_note(case=case, by=staff["fiona"], note="Cancelled", refund=refund)

    assert refused.value.message == message
    assert state(case) == before


def test_finance_may_refund_less_than_the_policy_and_the_explanation_says_so(case_at, staff):
    case = ended(case_at, staff, days=45)

    note = refunds.issue_credit_note(case=case, by=staff["fiona"], note="Agreed with the patient", refund=Decimal("10000.00"))

    assert (note.refund, note.retained) == (Decimal("10000.00"), TOTAL - Decimal("10000.00"))
    assert note.lines[-1]["label"] == "Refund set by finance below the policy's"
    assert sums_to_zero(case)


def test_a_second_credit_note_for_the_same_quote_is_refused(case_at, staff):
    case = ended(case_at, staff)
    first = refunds.issue_credit_note(case=case, by=staff["fiona"], note="Cancelled")
    before = state(case)

    with pytest.raises(Refusal, match=f"Credit note {first.label} is already issued for quote v1."):
        refunds.issue_credit_note(case=case, by=staff["fiona"], note="Again")
    assert state(case) == before


def test_a_case_still_running_or_never_accepted_gets_no_credit_note(case_at, staff):
    running = case_at(Stage.PAID)
    with pytest.raises(Refusal):
        refunds.issue_credit_note(case=running, by=staff["fiona"], note="Cancelled")
    quoted = cases.end_case(case=case_at(Stage.QUOTED), to=Stage.DECLINED, by=staff["carla"], reason="No")
    before = state(quoted)
    with pytest.raises(Refusal, match="has no accepted quote; nothing was charged"):
        refunds.issue_credit_note(case=quoted, by=staff["fiona"], note="Cancelled")
    assert state(quoted) == before


@pytest.mark.parametrize(("who", "note"), [("carla", "Cancelled"), ("lena", "Cancelled"), ("fiona", "   ")])
def test_the_wrong_role_or_no_note_is_refused_and_nothing_is_written(case_at, staff, who, note):
    case = ended(case_at, staff)
    before = state(case)

    with pytest.raises(Refusal) as refused:
        refunds.issue_credit_note(case=case, by=staff[who], note=note)

    if who != "fiona":
        assert isinstance(refused.value, NotAllowed)
    else:
        assert refused.value.message == "Say why the credit note is issued; it goes on the record."
    assert state(case) == before


def test_the_credit_note_series_is_gapless_across_cases(case_at, staff):
    first = refunds.issue_credit_note(case=ended(case_at, staff), by=staff["fiona"], note="Cancelled")
    second = refunds.issue_credit_note(case=ended(case_at, staff, to=Stage.WITHDRAWN), by=staff["marcus"], note="Lost contact")

    assert (first.number, second.number) == (1, 2)
    assert second.reason == "withdrawn"


@pytest.mark.parametrize(
    ("reference", "days", "message"),
    [
        ("  ", 0, "Give the bank's reference of the transfer back to the patient."),
        ("OUT-1", -1, "A refund cannot be made in the future."),
        ("OUT-1", 1, "A refund cannot be made before its credit note"),
    ],
)
def test_a_refund_record_that_cannot_be_right_is_refused_and_nothing_is_written(case_at, staff, reference, days, message):
    case = ended(case_at, staff)
    task = refunds.issue_credit_note(case=case, by=staff["fiona"], note="Cancelled").refund_task
    before = state(case)

    with pytest.raises(Refusal) as refused:
        refunds.record_refund(refund=task, by=staff["fiona"], reference=reference, paid_on=clinic_today() - dt.timedelta(days=days))

    assert refused.value.message.startswith(message)
    assert state(case) == before
    task.refresh_from_db()
    assert task.status == RefundStatus.DUE


def test_a_refund_is_recorded_once(case_at, staff):
    case = ended(case_at, staff)
    task = refunds.issue_credit_note(case=case, by=staff["fiona"], note="Cancelled").refund_task
    refunds.record_refund(refund=task, by=staff["fiona"], reference="OUT-1", paid_on=clinic_today())
    before = state(case)

    with pytest.raises(Refusal, match="is already recorded as made"):
        refunds.record_refund(refund=task, by=staff["fiona"], reference="OUT-2", paid_on=clinic_today())
    assert state(case) == before


@pytest.fixture
def fake_stripe(settings):
    from cellway.demo.fake_stripe import FakeStripe

    settings.STRIPE_SECRET_KEY = "sk_test_cellway"
    fake = FakeStripe(webhook_secret="whsec_test_cellway")
    settings.STRIPE_API_BASE = fake.start()
    yield fake
    fake.stop()


def paid_by_card(case_at, staff, fake_stripe):
    """A scheduled case whose deposit Stripe took (the intent known to the fake), then declined: its card credit note."""
    from django.db import transaction

    from cellway.billing.models import InvoiceKind

    case = case_at(Stage.SCHEDULED, arrival=clinic_today() + dt.timedelta(days=70))
    fake_stripe.intents["pi_card"] = {"id": "pi_card", "amount": 457800, "currency": "eur", "amount_refunded": 0}
    with transaction.atomic():
        billing.record_card_payment(
            case=case, invoice=case.invoices.get(kind=InvoiceKind.DEPOSIT), amount=DEPOSIT, currency="EUR", provider_reference="pi_card"
        )
    cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Changed their mind")
    return case, refunds.issue_credit_note(case=case, by=staff["fiona"], note="Cancelled", method="card")


def test_a_card_refund_goes_back_through_stripe_once_and_the_ledger_balances(case_at, staff, fake_stripe):
    case, note = paid_by_card(case_at, staff, fake_stripe)

    request = refunds.card_refund_request(note)
    assert (request.payment_intent, request.amount, request.idempotency_key) == ("pi_card", DEPOSIT, f"cellway-refund-{note.label}")
    first = refunds.refund_by_card(note, staff["fiona"])
    second = refunds.refund_by_card(note, staff["fiona"])  # a double click: Stripe's key makes it the same refund

    assert len(fake_stripe.refunds) == 1
    (at_stripe,) = fake_stripe.refunds.values()
    assert (at_stripe["payment_intent"], at_stripe["amount"]) == ("pi_card", 457800)
    assert first.pk == second.pk and (first.status, first.reference) == (RefundStatus.DONE, at_stripe["id"])
    assert sums_to_zero(case)
    assert not refunds.refunds_due(Case.objects.filter(pk=case.pk)).exists()  # off "refunds to make"
    with pytest.raises(Refusal, match="has no refund still to make"):
        refunds.refund_by_card(CreditNote.objects.get(pk=note.pk), staff["fiona"])
    with pytest.raises(Refusal, match="already recorded as made"):
        refunds.record_refund(refund=note.refund_task, by=staff["fiona"], reference="x", paid_on=clinic_today())


def test_a_card_refund_stripe_refuses_stays_on_finances_list_and_writes_nothing(case_at, staff, fake_stripe):
    case, note = paid_by_card(case_at, staff, fake_stripe)
    fake_stripe.intents["pi_card"]["amount_refunded"] = 457800  # refunded already at Stripe's dashboard
    before = state(case)

    with pytest.raises(Refusal, match="Stripe did not take the refund"):
        refunds.refund_by_card(note, staff["fiona"])

    assert state(case) == before
    note.refund_task.refresh_from_db()
    assert note.refund_task.status == RefundStatus.DUE
    # Stripe keeps its refusal under the key it was sent with: the next try is a new request with a new key.
    assert refunds.card_refund_request(CreditNote.objects.get(pk=note.pk)).idempotency_key == f"cellway-refund-{note.label}-1"


def test_a_card_refund_that_may_not_have_reached_stripe_keeps_its_key(case_at, staff, fake_stripe, settings):
    case, note = paid_by_card(case_at, staff, fake_stripe)
    import socket

    with socket.socket() as closed:  # a port nothing answers on: the request may or may not have arrived
        closed.bind(("127.0.0.1", 0))
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{closed.getsockname()[1]}"
    before = state(case)

    with pytest.raises(Refusal, match="Stripe did not take the refund"):
        refunds.refund_by_card(note, staff["fiona"])

    assert state(case) == before
    assert refunds.card_refund_request(CreditNote.objects.get(pk=note.pk)).idempotency_key == f"cellway-refund-{note.label}"


def test_a_card_refund_without_card_payments_configured_is_refused(case_at, staff, fake_stripe, settings):
    case, note = paid_by_card(case_at, staff, fake_stripe)
    settings.STRIPE_SECRET_KEY = ""
    before = state(case)

    with pytest.raises(Refusal, match="Card payments are not configured"):
        refunds.refund_by_card(note, staff["fiona"])
    assert state(case) == before and fake_stripe.refunds == {}


def test_a_card_refund_without_a_card_payment_says_to_use_a_transfer(case_at, staff):
    note = refunds.issue_credit_note(case=ended(case_at, staff), by=staff["fiona"], note="Cancelled")

    with pytest.raises(Refusal, match="no card payment with a provider reference"):
        refunds.refund_by_card(note, staff["fiona"])


def test_the_laboratory_and_logistics_tell_billing_what_is_spent():
    from cellway.billing import incurred

    assert {"cells", "room"} <= set(incurred._PROVIDERS)


def test_a_payment_cannot_be_reversed_once_the_credit_note_is_issued(case_at, staff):
    from cellway.billing.models import Payment

    case = ended(case_at, staff)
    note = refunds.issue_credit_note(case=case, by=staff["fiona"], note="Cancelled")
    payment = Payment.objects.filter(case=case).first()
    before = state(case)

    with pytest.raises(Refusal, match=f"Credit note {note.label} is issued for {case.code}; its payments can no longer be reversed."):
        billing.reverse_payment(payment=payment, by=staff["fiona"], reason="Mistake")
    assert state(case) == before
    assert sums_to_zero(case)


def test_a_released_lot_allocated_to_the_case_makes_the_cells_non_refundable(case_at, staff):
    from cellway.cells import services as cells
    from cellway.demo import cells as demo

    case = case_at(Stage.PAID, arrival=clinic_today() + dt.timedelta(days=70))
    lot = demo.released_lot(staff["ivan"], staff["tara"])
    cells.allocate_vial(vial=lot.vials.get(number=1), case=case, route="iv", infusion=1, by=staff["ivan"])
    cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Changed their mind")

    note = refunds.issue_credit_note(case=case, by=staff["fiona"], note="Cancelled after the lot was released")

    cells_line = next(line for line in billing_selectors.accepted_quote(case).lines if line["code"] == "cells")
    assert note.retained == Decimal(cells_line["amount"])  # 100% tier: only the spent cells are kept
    assert note.refund == TOTAL - Decimal(cells_line["amount"])
    assert f"released cell lot {lot.din} allocated to the patient" in note.lines[1]["label"]
    assert sums_to_zero(case)
