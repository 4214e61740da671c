"""Quotes (rule 3: no price by hand without a reason), payments and balance overrides (rule 6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cellway.audit.signatures import Signature
from cellway.billing import selectors as billing_selectors
from cellway.billing import services as billing
from cellway.billing.models import BalanceOverride, Payment, Quote, QuoteStatus, balance_due_on, deposit_due_on
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.journey import bank_proof
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.travel import services as travel

TOTAL, DEPOSIT = Decimal("15260.00"), Decimal("4578.00")  # the demo plan on the demo price list, 30 % deposit


def written(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    quotes = tuple(Quote.objects.filter(case=case).order_by("version").values_list("version", "status", "total"))
    payments = tuple(Payment.objects.filter(case=case).order_by("pk").values_list("amount", "reference"))
    return (fresh.stage, fresh.version, fresh.events.count(), quotes, payments,
            BalanceOverride.objects.filter(case=case).count(), Signature.objects.count())


def pay(case, staff, amount, reference, who="fiona", method="transfer", received_on=None):
    return billing.record_payment(case=case, by=staff[who], amount=Decimal(amount), method=method, reference=reference,
                                  received_on=received_on or clinic_today(),
                                  proof=bank_proof(reference) if method == "transfer" else None)


def stage_of(case: Case) -> Stage:
    return Case.objects.get(pk=case.pk).stage_enum


# --- Quotes -----------------------------------------------------------------------------------------


@pytest.fixture
def quoted(case_at):
    return case_at(Stage.QUOTED)


def test_finance_revises_a_quote_with_an_adjustment_and_its_reason(quoted, staff):
    quote = billing.revise_quote(case=quoted, by=staff["fiona"], adjustment=Decimal("-260.00"), reason="Returning patient discount")

    assert (quote.version, quote.total, quote.adjustment, quote.adjustment_reason) == (
        2, Decimal("15000.00"), Decimal("-260.00"), "Returning patient discount")
    assert quote.deposit == Decimal("4500.00")
    assert Quote.objects.get(case=quoted, version=1).status == QuoteStatus.SUPERSEDED
    event = quoted.events.first()
    assert (event.kind, event.reason) == ("quote", "Returning patient discount")
    assert stage_of(quoted) == Stage.QUOTED


def test_a_price_changed_by_hand_without_a_reason_is_refused_and_nothing_is_written(quoted, staff):
    before = written(quoted)

    with pytest.raises(Refusal) as refused:
        billing.revise_quote(case=quoted, by=staff["fiona"], adjustment=Decimal("-260.00"), reason="  ")

    assert refused.value.message == "A price set by hand needs a reason on the record."
    assert written(quoted) == before


def test_an_adjustment_of_zero_is_refused(quoted, staff):
    before = written(quoted)

    with pytest.raises(Refusal) as refused:
        billing.revise_quote(case=quoted, by=staff["fiona"], adjustment=Decimal(0), reason="No change")

    assert refused.value.message == "An adjustment of zero changes nothing."
    assert written(quoted) == before


def test_an_adjustment_that_leaves_nothing_to_pay_is_refused_and_the_current_quote_stays_issued(quoted, staff):
    before = written(quoted)

    with pytest.raises(Refusal) as refused:
        billing.revise_quote(case=quoted, by=staff["marcus"], adjustment=-TOTAL, reason="Charity case")

    assert refused.value.message == "A quote must come to more than nothing."
    assert written(quoted) == before


def test_only_finance_revises_quotes_and_only_while_quoted(case_at, quoted, staff):
    before = written(quoted)
    with pytest.raises(NotAllowed) as refused:
        billing.revise_quote(case=quoted, by=staff["carla"], adjustment=Decimal("-10"), reason="Goodwill")
    assert refused.value.message == "Your role does not allow you to revise quotes."
    assert written(quoted) == before

    accepted = case_at(Stage.ACCEPTED)
    before = written(accepted)
    with pytest.raises(StageConflict) as refused:
        billing.revise_quote(case=accepted, by=staff["fiona"], adjustment=Decimal("-10"), reason="Goodwill")
    assert refused.value.message.startswith(f"Cannot revise the quote: {accepted.code} is now 'Awaiting screening'")
    assert written(accepted) == before


def test_the_patients_acceptance_is_recorded_with_how_they_accepted(quoted, staff):
    quote = billing.accept_quote(quote=quoted.quotes.get(), by=staff["carla"], note="Email of 3 March")

    assert (quote.status, quote.acceptance_recorded_by, quote.acceptance_note) == (QuoteStatus.ACCEPTED, staff["carla"], "Email of 3 March")
    assert stage_of(quoted) == Stage.ACCEPTED
    assert billing_selectors.accepted_quote(quoted) == quote


def test_an_acceptance_without_saying_how_is_refused(quoted, staff):
    before = written(quoted)

    with pytest.raises(Refusal) as refused:
        billing.accept_quote(quote=quoted.quotes.get(), by=staff["carla"], note="")

    assert refused.value.message == "Say how the patient accepted (e.g. 'email of 3 March')."
    assert written(quoted) == before


def test_a_superseded_quote_cannot_be_accepted(quoted, staff):
    old = quoted.quotes.get()
    billing.revise_quote(case=quoted, by=staff["fiona"], adjustment=Decimal("-100"), reason="Goodwill")
    before = written(quoted)

    with pytest.raises(StageConflict) as refused:
        billing.accept_quote(quote=old, by=staff["carla"], note="Email")

    assert refused.value.message == "Quote v1 is superseded; only the current quote can be accepted."
    assert written(quoted) == before


def test_a_nurse_cannot_record_an_acceptance(quoted, staff):
    before = written(quoted)

    with pytest.raises(NotAllowed) as refused:
        billing.accept_quote(quote=quoted.quotes.get(), by=staff["nina"], note="Told me at the desk")

    assert refused.value.message == "Your role does not allow you to record quote acceptance."
    assert written(quoted) == before


# --- Payments (rule 6) -----------------------------------------------------------------------------


@pytest.fixture
def scheduled(case_at):
    return case_at(Stage.SCHEDULED)


def test_the_deposit_then_the_balance_move_the_case_to_deposit_paid_then_paid(scheduled, staff):
    pay(scheduled, staff, DEPOSIT, "DEP-1")
    assert stage_of(scheduled) == Stage.DEPOSIT_PAID
    assert billing_selectors.account(scheduled).outstanding == TOTAL - DEPOSIT

    pay(scheduled, staff, TOTAL - DEPOSIT, "BAL-1")

    assert stage_of(scheduled) == Stage.PAID
    assert not billing_selectors.account(scheduled).balance_open
    assert [e.to_stage for e in Case.objects.get(pk=scheduled.pk).events.filter(kind="stage")[:2]] == ["paid", "deposit_paid"]


def test_a_payment_short_of_the_deposit_is_recorded_and_the_case_stays_scheduled(scheduled, staff):
    payment = pay(scheduled, staff, "1000.00", "DEP-PART")

    assert (payment.amount, payment.currency, payment.recorded_by) == (Decimal("1000.00"), "EUR", staff["fiona"])
    assert stage_of(scheduled) == Stage.SCHEDULED
    assert not billing_selectors.account(scheduled).deposit_paid


def test_paying_everything_at_once_moves_the_case_through_deposit_paid_to_paid(scheduled, staff):
    pay(scheduled, staff, TOTAL, "ALL-1")

    assert stage_of(scheduled) == Stage.PAID


def test_a_payment_over_the_balance_is_refused_and_nothing_is_written(scheduled, staff):
    before = written(scheduled)

    with pytest.raises(Refusal) as refused:
        pay(scheduled, staff, TOTAL + Decimal("0.01"), "TOO-MUCH")

    assert refused.value.message == f"That is more than the {TOTAL:,.2f} EUR still owed; record a refund separately."
    assert written(scheduled) == before


def test_the_same_reference_twice_is_refused_and_only_one_payment_is_written(scheduled, staff):
    pay(scheduled, staff, "1000.00", "DEP-42")
    before = written(scheduled)

    with pytest.raises(Refusal) as refused:
        pay(scheduled, staff, "1000.00", " DEP-42 ", who="marcus")  # a double click, with a stray space

    assert refused.value.message == "A transfer payment with reference DEP-42 is already recorded."
    assert written(scheduled) == before


@pytest.mark.parametrize(("amount", "reference", "days_ago", "message"), [
    ("0", "R-1", 0, "A payment is more than zero."),
    ("-5.00", "R-1", 0, "A payment is more than zero."),
    ("100.00", "  ", 0, "Give the bank or card reference, so the same payment is never recorded twice."),
    ("100.00", "R-1", -1, "A payment cannot be received in the future."),
])
def test_a_payment_that_cannot_be_right_is_refused(scheduled, staff, amount, reference, days_ago, message):
    before = written(scheduled)

    with pytest.raises(Refusal) as refused:
        pay(scheduled, staff, amount, reference, received_on=clinic_today() - dt.timedelta(days=days_ago))

    assert refused.value.message == message
    assert written(scheduled) == before


@pytest.mark.parametrize("who", ["carla", "lena", "nina", "adam"])
def test_only_finance_records_payments(scheduled, staff, who):
    before = written(scheduled)

    with pytest.raises(NotAllowed) as refused:
        pay(scheduled, staff, DEPOSIT, "DEP-1", who=who)

    assert refused.value.message == "Your role does not allow you to record payments."
    assert written(scheduled) == before


def test_no_payment_before_the_case_is_scheduled(case_at, staff):
    case = case_at(Stage.CLEARED)
    before = written(case)

    with pytest.raises(StageConflict) as refused:
        pay(case, staff, DEPOSIT, "DEP-1")

    assert refused.value.message.startswith(f"Cannot record a payment: {case.code} is now 'Screening cleared'")
    assert written(case) == before


def test_the_balance_paid_after_arrival_is_recorded_without_moving_the_case(case_at, staff):
    case = case_at(Stage.DEPOSIT_PAID)
    travel.mark_arrived(case=case, by=staff["lena"], reason="Came early")

    pay(case, staff, TOTAL - DEPOSIT, "BAL-1")

    assert stage_of(case) == Stage.ARRIVED
    assert not billing_selectors.account(case).balance_open
    assert Case.objects.get(pk=case.pk).events.first().summary == "Paid in full"


def test_the_deposit_is_due_7_days_before_arrival_and_the_balance_1_day_before_the_first_therapy_day():
    assert deposit_due_on(dt.date(2027, 3, 8)) == dt.date(2027, 3, 1)
    assert balance_due_on(dt.date(2027, 3, 1)) == dt.date(2027, 2, 28)


# --- Balance override (rule 6) ----------------------------------------------------------------------


@pytest.fixture
def arrived_owing(case_at, staff):
    case = case_at(Stage.DEPOSIT_PAID, arrival=clinic_today())
    travel.mark_arrived(case=case, by=staff["lena"], reason="Came early")
    return Case.objects.get(pk=case.pk)


def test_a_finance_manager_signs_an_override_with_a_reason(arrived_owing, staff, password):
    override = billing.grant_balance_override(case=arrived_owing, by=staff["marcus"], reason="Bank transfer in progress", password=password)

    assert (override.granted_by, override.reason) == (staff["marcus"], "Bank transfer in progress")
    assert (override.signature.signer, override.signature.meaning) == (staff["marcus"], "sessions may start with a balance open")
    assert billing_selectors.has_override(arrived_owing)
    assert arrived_owing.events.first().kind == "balance.override"


def test_plain_finance_cannot_override_an_open_balance(arrived_owing, staff, password):
    before = written(arrived_owing)

    with pytest.raises(NotAllowed) as refused:
        billing.grant_balance_override(case=arrived_owing, by=staff["fiona"], reason="Transfer in progress", password=password)

    assert refused.value.message == "Your role does not allow you to override an open balance."
    assert written(arrived_owing) == before


def test_an_override_without_a_reason_or_with_a_wrong_password_is_refused_and_nothing_is_signed(arrived_owing, staff, password):
    before = written(arrived_owing)

    with pytest.raises(Refusal) as refused:
        billing.grant_balance_override(case=arrived_owing, by=staff["marcus"], reason=" ", password=password)
    assert refused.value.message == "An override needs a reason on the record."
    with pytest.raises(Refusal) as refused:
        billing.grant_balance_override(case=arrived_owing, by=staff["marcus"], reason="Transfer in progress", password="wrong")
    assert refused.value.message == "The password is not correct; nothing was signed."
    assert written(arrived_owing) == before


def test_no_override_is_needed_when_nothing_is_owed(arrived_owing, staff, password):
    pay(arrived_owing, staff, TOTAL - DEPOSIT, "BAL-1")
    before = written(arrived_owing)

    with pytest.raises(Refusal) as refused:
        billing.grant_balance_override(case=arrived_owing, by=staff["marcus"], reason="Just in case", password=password)

    assert refused.value.message == "Nothing is owed; no override is needed."
    assert written(arrived_owing) == before
