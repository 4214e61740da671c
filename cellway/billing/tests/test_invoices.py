"""Invoices (rule 6): issued at scheduling with gapless numbers, due dates that follow the case's dates,
bank transfers against them, reversals with a reason, and finance's list of open balances."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone

from cellway.audit.tests.freeze import freeze_lifted
from cellway.billing import selectors as billing_selectors
from cellway.billing import services as billing
from cellway.billing.models import Invoice, InvoiceKind, JournalLine, Payment, PaymentReversal
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.journey import bank_proof
from cellway.errors import NotAllowed, Refusal
from cellway.travel import services as travel

TOTAL, DEPOSIT = Decimal("15260.00"), Decimal("4578.00")  # the demo plan on the demo price list, 30 % deposit
YEAR = clinic_today().year


def written(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.stage,
        fresh.events.count(),
        tuple(Payment.objects.filter(case=case).values_list("amount", "reference", "reversed_at")),
        tuple(Invoice.objects.filter(case=case).values_list("number", "due_on")),
        JournalLine.objects.filter(entry__case=case).count(),
        PaymentReversal.objects.count(),
    )


def pay(case, staff, amount, reference, *, who="fiona", received_on=None, **kwargs):
    return billing.record_payment(
        case=case, by=staff[who], amount=Decimal(amount), method="transfer", reference=reference,
        received_on=received_on or clinic_today(), proof=bank_proof(reference), **kwargs,
    )


def invoices(case: Case) -> list[Invoice]:
    return list(Invoice.objects.filter(case=case).order_by("due_on", "pk"))


@pytest.fixture
def scheduled(case_at):
    return case_at(Stage.SCHEDULED)


def test_scheduling_issues_a_deposit_and_a_balance_invoice_due_before_arrival_and_before_therapy(scheduled):
    deposit, balance = invoices(scheduled)

    assert (deposit.kind, deposit.amount, deposit.due_on) == ("deposit", DEPOSIT, scheduled.arrival_date - dt.timedelta(days=7))
    assert (balance.kind, balance.amount, balance.due_on) == (
        "balance", TOTAL - DEPOSIT, scheduled.first_therapy_day - dt.timedelta(days=1))
    assert (deposit.label, balance.label) == (f"INV-{YEAR}-000001", f"INV-{YEAR}-000002")
    assert deposit.issued_on == balance.issued_on == clinic_today()
    assert scheduled.events.filter(summary__startswith=f"Invoice INV-{YEAR}-00000").count() == 2


def test_invoice_numbers_run_on_without_a_gap_across_cases_and_a_rolled_back_issue_gives_its_number_back(case_at, staff):
    first = case_at(Stage.SCHEDULED)
    cleared = case_at(Stage.CLEARED)  # accepted, no dates yet: no invoice
    with pytest.raises(RuntimeError), transaction.atomic():
        taken = billing._issue_invoice(
            case=cleared, quote=billing_selectors.accepted_quote(cleared), kind=InvoiceKind.DEPOSIT, amount=Decimal(1),
            due_on=clinic_today(), by=staff["fiona"],
        )
        assert taken.number == 3
        raise RuntimeError("the issuing transaction fails")
    second = case_at(Stage.SCHEDULED)

    numbers = [inv.number for case in (first, cleared, second) for inv in invoices(case)]
    assert numbers == [1, 2, 3, 4]


def test_moving_the_dates_moves_the_due_dates_on_the_trail_and_keeps_the_numbers(scheduled, staff):
    before = [(inv.number, inv.due_on) for inv in invoices(scheduled)]
    arrival = scheduled.arrival_date + dt.timedelta(days=3)
    first_day = scheduled.first_therapy_day + dt.timedelta(days=3)

    travel.schedule_case(case=scheduled, by=staff["lena"], arrival_date=arrival, first_therapy_day=first_day, reason="Flight moved")

    after = [(inv.number, inv.due_on) for inv in invoices(scheduled)]
    assert after == [(before[0][0], arrival - dt.timedelta(days=7)), (before[1][0], first_day - dt.timedelta(days=1))]
    moved = scheduled.events.filter(summary__contains="now due").order_by("pk")
    assert [e.data["was"] for e in moved] == [str(before[0][1]), str(before[1][1])]
    assert Invoice.objects.filter(case=scheduled).count() == 2


def test_payments_settle_the_invoices_in_due_order(scheduled, staff):
    first = pay(scheduled, staff, "1000.00", "BANK-1")
    second = pay(scheduled, staff, "5000.00", "BANK-2")

    deposit, balance = billing_selectors.invoice_states(scheduled)
    assert (first.invoice.kind, second.invoice.kind) == ("deposit", "deposit")
    assert (deposit.settled, deposit.paid) == (True, DEPOSIT)
    assert (balance.settled, balance.paid, balance.open_amount) == (False, Decimal("6000.00") - DEPOSIT, TOTAL - Decimal("6000.00"))
    assert pay(scheduled, staff, "10.00", "BANK-3").invoice == balance.invoice


def test_a_payment_against_a_paid_invoice_is_refused_and_nothing_is_written(scheduled, staff):
    pay(scheduled, staff, DEPOSIT, "BANK-DEP")
    deposit = invoices(scheduled)[0]
    before = written(scheduled)

    with pytest.raises(Refusal) as refused:
        pay(scheduled, staff, "100.00", "BANK-AGAIN", invoice=deposit)

    assert refused.value.message == f"Invoice {deposit.label} is paid; nothing more is owed on it."
    assert written(scheduled) == before


def test_a_payment_against_a_cancelled_invoice_or_another_cases_invoice_is_refused(scheduled, case_at, staff):
    other = case_at(Stage.SCHEDULED)
    theirs = invoices(other)[0]
    ours = invoices(scheduled)[1]
    Invoice.objects.filter(pk=ours.pk).update(cancelled_at=timezone.now())
    ours.refresh_from_db()
    before = written(scheduled)

    with pytest.raises(Refusal) as refused:
        pay(scheduled, staff, "100.00", "BANK-X", invoice=ours)
    assert refused.value.message == f"Invoice {ours.label} is cancelled; nothing can be paid against it."

    with pytest.raises(Refusal) as refused:
        pay(scheduled, staff, "100.00", "BANK-Y", invoice=theirs)
    assert refused.value.message == "That invoice is not one of this case's invoices."
    assert written(scheduled) == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"received_on": dt.date(1900, 1, 1)}, "A payment cannot be received before its invoice INV-{year}-000001 was issued"),
        ({"received_on": clinic_today() - dt.timedelta(days=1)}, "A payment cannot be received before its invoice"),
        ({"received_on": clinic_today() + dt.timedelta(days=1)}, "A payment cannot be received in the future."),
        ({"currency": "USD"}, "CW-{year}-0001 is billed in EUR; a payment in USD cannot be recorded."),
        ({"currency": "EURO"}, "EURO is not a currency"),
    ],
)
def test_a_transfer_that_cannot_be_right_is_refused_and_nothing_is_written(scheduled, staff, kwargs, message):
    before = written(scheduled)

    with pytest.raises(Refusal) as refused:
        pay(scheduled, staff, "100.00", "BANK-BAD", **kwargs)

    assert refused.value.message.startswith(message.format(year=YEAR))
    assert written(scheduled) == before


def test_a_mistaken_payment_is_reversed_with_a_reason_and_the_right_one_recorded_under_the_same_reference(scheduled, staff):
    wrong = pay(scheduled, staff, "4587.00", "BANK-77")
    assert Case.objects.get(pk=scheduled.pk).stage == Stage.DEPOSIT_PAID

    reversal = billing.reverse_payment(payment=wrong, by=staff["fiona"], reason="Typed 4587 for 4578")
    right = pay(scheduled, staff, DEPOSIT, "BANK-77")

    wrong.refresh_from_db()
    assert (wrong.amount, wrong.reversed_at) == (Decimal("4587.00"), reversal.reversed_at)  # kept as it was recorded
    assert right.reference == wrong.reference
    money = billing_selectors.account(scheduled)
    assert (money.paid, money.outstanding) == (DEPOSIT, TOTAL - DEPOSIT)
    assert billing_selectors.trial_balance(scheduled)[("bank", "EUR")] == DEPOSIT
    event = scheduled.events.filter(summary__contains="reversed").get()
    assert event.reason == "Typed 4587 for 4578"


def test_a_reversal_without_a_reason_twice_or_by_someone_else_is_refused_and_nothing_is_written(scheduled, staff):
    payment = pay(scheduled, staff, "100.00", "BANK-9")
    before = written(scheduled)

    with pytest.raises(Refusal) as refused:
        billing.reverse_payment(payment=payment, by=staff["fiona"], reason="  ")
    assert refused.value.message == "A reversal needs a reason on the record."
    with pytest.raises(NotAllowed):
        billing.reverse_payment(payment=payment, by=staff["nina"], reason="Not mine to do")
    assert written(scheduled) == before

    billing.reverse_payment(payment=payment, by=staff["fiona"], reason="Wrong case")
    after = written(scheduled)
    with pytest.raises(Refusal) as refused:
        billing.reverse_payment(payment=payment, by=staff["fiona"], reason="Again")
    assert refused.value.message == "The payment BANK-9 is already reversed."
    assert written(scheduled) == after


def test_finance_sees_every_open_balance_whatever_the_stage_with_its_due_date_and_days_overdue(case_at, staff):
    arrived = case_at(Stage.ARRIVED)
    # The balance transfer bounced after arrival: the case stays where it is and owes the balance again.
    bounced = Payment.objects.get(case=arrived, reference=f"BAL-{arrived.code}")
    billing.reverse_payment(payment=bounced, by=staff["fiona"], reason="Returned by the payer's bank")
    paid = case_at(Stage.PAID)
    scheduled = case_at(Stage.SCHEDULED)
    balance_due = arrived.first_therapy_day - dt.timedelta(days=1)
    today = balance_due + dt.timedelta(days=40)

    rows = billing_selectors.receivables(Case.objects.all(), today=today)

    assert [r.case.pk for r in rows] == [arrived.pk, scheduled.pk]  # the most overdue first
    by_case = {r.case.pk: r for r in rows}
    assert paid.pk not in by_case
    row = by_case[arrived.pk]
    assert (row.outstanding, row.currency, row.next_due, row.days_overdue) == (TOTAL - DEPOSIT, "EUR", balance_due, 40)
    assert by_case[scheduled.pk].outstanding == TOTAL
    ageing = {key: amounts for key, _label, amounts in billing_selectors.ageing(rows)}
    assert ageing["31-60"]["EUR"] >= TOTAL - DEPOSIT
    assert sum(sum(a.values()) for a in ageing.values()) == sum(r.outstanding for r in rows)


# --- Bank transfers: the bank's proof ----------------------------------------------------------


def stored_proofs() -> list[str]:
    from django.core.files.storage import default_storage

    if not default_storage.exists("payment-proofs"):
        return []
    folders, _ = default_storage.listdir("payment-proofs")
    return [f"{folder}/{name}" for folder in folders for name in default_storage.listdir(f"payment-proofs/{folder}")[1]]


def test_a_transfer_keeps_the_banks_proof_with_its_digest(scheduled, staff):
    import hashlib

    proof = bank_proof("BANK-PROOF")
    payment = pay(scheduled, staff, "100.00", "BANK-PROOF")

    assert payment.proof.name == f"payment-proofs/{payment.uuid}/proof.pdf"
    with payment.proof.open("rb") as stored:
        content = stored.read()
    assert content == proof.read()
    assert payment.proof_sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("proof", "message"),
    [
        (None, "Attach the bank's proof of the transfer (the statement line or remittance advice: PDF, JPEG or PNG)."),
        (SimpleUploadedFile("statement.pdf", b"MZ\x90\x00" + bytes(60), "application/pdf"), "The proof is a Windows executable; attach"),
        (SimpleUploadedFile("statement.pdf", b"", "application/pdf"), "The proof is empty (0 bytes)"),
    ],
)
def test_a_transfer_without_a_readable_proof_is_refused_and_nothing_is_written(scheduled, staff, proof, message):
    before, files = written(scheduled), stored_proofs()

    with pytest.raises(Refusal) as refused:
        billing.record_payment(
            case=scheduled, by=staff["fiona"], amount=Decimal("100.00"), method="transfer", reference="BANK-NOPROOF",
            received_on=clinic_today(), proof=proof,
        )

    assert refused.value.message.startswith(message)
    assert written(scheduled) == before
    assert stored_proofs() == files


def test_a_transfer_recorded_twice_is_refused_and_the_second_proof_is_not_kept(scheduled, staff):
    pay(scheduled, staff, "100.00", "BANK-TWICE")
    before, files = written(scheduled), stored_proofs()

    with pytest.raises(Refusal) as refused:
        pay(scheduled, staff, "100.00", "BANK-TWICE")

    assert refused.value.message == "A transfer payment with reference BANK-TWICE is already recorded."
    assert written(scheduled) == before
    assert stored_proofs() == files


def test_card_and_cash_need_no_bank_proof(scheduled, staff):
    payment = billing.record_payment(
        case=scheduled, by=staff["fiona"], amount=Decimal("10.00"), method="cash", reference="TILL-9", received_on=clinic_today()
    )

    assert (payment.proof.name, payment.proof_sha256) == ("", "")


def test_the_treatment_gate_asks_the_journal_a_reversed_balance_stops_the_next_session(case_at, staff):
    from cellway.treatment import services as treatment

    case = case_at(Stage.ARRIVED)
    assert billing_selectors.balance_settled(case)
    balance = Payment.objects.get(case=case, reference=f"BAL-{case.code}")

    billing.reverse_payment(payment=balance, by=staff["fiona"], reason="Returned by the payer's bank")

    assert not billing_selectors.balance_settled(case)
    with pytest.raises(Refusal, match="The balance is still open"):
        treatment.log_session(case=case, by=staff["nina"], kind="physio", day=clinic_today(), given="Physiotherapy")
    assert not case.sessions.exists()


def test_without_weasyprints_libraries_the_pdf_page_says_so_instead_of_failing(client, staff, case_at, monkeypatch):
    from django.urls import reverse

    from cellway import pdf

    # Every PDF (billing's and the eBook's) is drawn through cellway.pdf, which asks unavailable() first.
    monkeypatch.setattr(pdf, "unavailable", lambda: "WeasyPrint cannot load its libraries (test); run `make pdf-deps`.")
    case = case_at(Stage.SCHEDULED)
    client.force_login(staff["fiona"])

    response = client.get(reverse("console:invoice-pdf", args=[case.uuid, "deposit"]))

    assert response.status_code == 503
    assert "make pdf-deps" in response.text


# --- Acceptance records what exactly was accepted ----------------------------------------------


def test_acceptance_records_the_version_and_a_digest_of_the_document_accepted(case_at):
    import hashlib
    import json

    case = case_at(Stage.ACCEPTED)
    quote = case.quotes.get(status="accepted")

    canonical = json.dumps(quote.as_document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert quote.accepted_digest == hashlib.sha256(canonical.encode()).hexdigest()
    assert quote.as_document()["lines"] == quote.lines and quote.as_document()["total"] == str(quote.total)
    event = case.events.get(to_stage="accepted")
    assert event.data == {"quote": str(quote.uuid), "version": 1, "digest": quote.accepted_digest}
    assert quote.acceptance_intact


def test_an_accepted_quote_changed_behind_the_services_back_is_flagged_on_the_case_page(case_at, staff, client):
    from django.urls import reverse

    case = case_at(Stage.ACCEPTED)
    quote = case.quotes.get(status="accepted")
    lines = [dict(line) for line in quote.lines]
    lines[0]["unit_price"] = "1.00"
    with freeze_lifted("billing_quote"):  # a database owner's hand, not a service: the triggers stop anyone else
        type(quote).objects.filter(pk=quote.pk).update(lines=lines)
    quote.refresh_from_db()

    assert not quote.acceptance_intact
    client.force_login(staff["fiona"])
    assert "changed since it was accepted" in client.get(reverse("console:case", args=[case.uuid])).text


def test_an_accepted_quote_is_frozen_in_the_database_only_its_status_moves(case_at):
    from django.db import DatabaseError, transaction

    case = case_at(Stage.ACCEPTED)
    quote = case.quotes.get(status="accepted")
    lines = [dict(line) for line in quote.lines]
    lines[0]["unit_price"] = "1.00"
    for change in ({"lines": lines}, {"total": quote.total + 1}, {"accepted_digest": "0" * 64}, {"accepted_at": None}):
        # SQLite's RAISE(ABORT) is an IntegrityError, PostgreSQL's RAISE EXCEPTION a ProgrammingError.
        with pytest.raises(DatabaseError, match="accepted content cannot change"), transaction.atomic():
            type(quote).objects.filter(pk=quote.pk).update(**change)
    with pytest.raises(DatabaseError, match="accepted content cannot change"), transaction.atomic():
        type(quote).objects.filter(pk=quote.pk).delete()
    type(quote).objects.filter(pk=quote.pk).update(status="superseded")
    quote.refresh_from_db()
    assert quote.status == "superseded" and quote.acceptance_intact
    issued = case_at(Stage.QUOTED).quotes.get()
    type(issued).objects.filter(pk=issued.pk).update(adjustment_reason="a quote not yet accepted may still be replaced")


def noon_days_ago(days: int) -> dt.datetime:
    """Noon, clinic time, `days` days before today: far from midnight whatever the zone's clock changes."""
    from cellway.clinic import clinic_zone

    return dt.datetime.combine(clinic_today() - dt.timedelta(days=days), dt.time(12), tzinfo=clinic_zone())


def test_a_quote_past_its_validity_cannot_be_accepted_and_nothing_is_written(case_at, staff, settings):
    from cellway.billing.models import Quote

    case = case_at(Stage.QUOTED)
    quote = case.quotes.get()
    Quote.objects.filter(pk=quote.pk).update(issued_at=noon_days_ago(settings.QUOTE_VALID_DAYS + 1))
    quote.refresh_from_db()
    before = written(case)

    with pytest.raises(Refusal) as refused:
        billing.accept_quote(quote=quote, by=staff["carla"], note="Email of today")

    assert refused.value.message == (
        f"Quote v1 was valid until {quote.valid_until:%d %b %Y}; issue a new version before recording acceptance."
    )
    assert quote.valid_until < clinic_today()
    assert written(case) == before
    from django.urls import reverse

    client = Client()
    client.force_login(staff["carla"])
    assert f"valid until {quote.valid_until:%d %b %Y}" in client.get(reverse("console:case", args=[case.uuid])).text
    assert Quote.objects.get(pk=quote.pk).status == "issued"


def test_a_quote_on_its_last_valid_day_can_be_accepted(case_at, staff, settings):
    from cellway.billing.models import Quote

    case = case_at(Stage.QUOTED)
    quote = case.quotes.get()
    Quote.objects.filter(pk=quote.pk).update(issued_at=noon_days_ago(settings.QUOTE_VALID_DAYS))
    quote.refresh_from_db()
    assert quote.valid_until == clinic_today()

    assert billing.accept_quote(quote=quote, by=staff["carla"], note="Email of today").status == "accepted"
