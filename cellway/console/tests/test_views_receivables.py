"""Finance's receivables: every open balance whatever the stage, due dates, days overdue, ageing, amounts written
for the reader's language, and the accountant's CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cellway.billing import services as billing
from cellway.billing.models import Payment
from cellway.cases.stages import Stage
from cellway.console.templatetags.console import amount

TOTAL, DEPOSIT = Decimal("15260.00"), Decimal("4578.00")


@pytest.fixture
def arrived_owing(case_at, staff):
    """Arrived, then the balance transfer came back: the case owes its balance at the clinic."""
    case = case_at(Stage.ARRIVED)
    bounced = Payment.objects.get(case=case, reference=f"BAL-{case.code}")
    billing.reverse_payment(payment=bounced, by=staff["fiona"], reason="Returned by the payer's bank")
    return case


def test_an_open_balance_stays_on_finances_list_after_arrival_and_a_paid_case_does_not(client, staff, case_at, arrived_owing):
    paid = case_at(Stage.PAID)
    client.force_login(staff["fiona"])

    page = client.get(reverse("console:receivables"))

    assert page.status_code == 200
    assert arrived_owing.code in page.text
    assert paid.code not in page.text
    assert "€10,682.00" in page.text  # the balance, written for an English reader
    assert reverse("console:billing-export", args=["invoices"]) in page.text


def test_the_receivables_page_costs_the_same_for_one_case_or_many(client, staff, case_at):
    client.force_login(staff["fiona"])
    case_at(Stage.SCHEDULED)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("console:receivables")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(3):
        case_at(Stage.SCHEDULED)
    assert count() == few


def test_only_finance_reads_receivables_and_exports(client, staff):
    for username in ("nina", "lena", "sofia", "outsider"):
        client.force_login(staff[username])
        assert client.get(reverse("console:receivables")).status_code == 403
        assert client.get(reverse("console:billing-export", args=["payments"])).status_code == 403
    client.force_login(staff["marcus"])  # the finance manager
    assert client.get(reverse("console:receivables")).status_code == 200
    assert client.get(reverse("console:billing-export", args=["ledgers"])).status_code == 404


def test_amounts_are_written_for_the_readers_language_with_the_currencys_decimals():
    with translation.override("en"):
        assert amount(Decimal("18080"), "EUR") == "€18,080.00"
        assert amount(Decimal("1200"), "JPY") == "¥1,200"
    with translation.override("de"):
        assert amount(Decimal("18080"), "EUR") == "18.080,00\xa0€"
        assert amount(Decimal("1.2345"), "KWD") == "1,235\xa0KWD"


def test_the_accountant_gets_invoices_and_payments_with_reversals_as_csv(client, staff, case_at, arrived_owing):
    client.force_login(staff["fiona"])

    invoices = client.get(reverse("console:billing-export", args=["invoices"]))
    payments = client.get(reverse("console:billing-export", args=["payments"]))

    assert invoices["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(invoices.content.decode())))
    assert [(r["case"], r["kind"], Decimal(r["amount"])) for r in rows] == [
        (arrived_owing.code, "deposit", DEPOSIT),
        (arrived_owing.code, "balance", TOTAL - DEPOSIT),
    ]
    assert rows[0]["number"].endswith("-000001")
    paid = list(csv.DictReader(io.StringIO(payments.content.decode())))
    assert [(r["reference"], r["reason"]) for r in paid] == [
        (f"DEP-{arrived_owing.code}", ""),
        (f"BAL-{arrived_owing.code}", "Returned by the payer's bank"),
    ]


def test_a_patient_name_that_looks_like_a_formula_is_not_run_by_the_spreadsheet(client, staff, arrived_owing):
    arrived_owing.patient.full_name = '=HYPERLINK("http://evil")'
    arrived_owing.patient.save(update_fields=["full_name"])
    client.force_login(staff["fiona"])

    text = client.get(reverse("console:billing-export", args=["invoices"])).content.decode()

    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_days_overdue_count_from_the_due_date_in_the_clinics_calendar(client, staff, arrived_owing, settings):
    from cellway.billing import selectors
    from cellway.cases.models import Case

    balance_due = arrived_owing.first_therapy_day - dt.timedelta(days=1)
    rows = selectors.receivables(Case.objects.all(), today=balance_due + dt.timedelta(days=3))

    assert [(r.case.pk, r.next_due, r.days_overdue) for r in rows] == [(arrived_owing.pk, balance_due, 3)]
