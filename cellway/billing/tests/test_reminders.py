import datetime as dt

from cellway.billing.reminders import send_payment_reminders
from cellway.cases.models import CaseEvent
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today


def test_a_deposit_reminder_goes_three_days_ahead_once_and_not_after_payment(case_at, mailoutbox, django_capture_on_commit_callbacks):
    arrival = clinic_today() + dt.timedelta(days=10)  # deposit due in 3 days
    case = case_at(Stage.SCHEDULED, arrival=arrival)
    today = clinic_today()

    with django_capture_on_commit_callbacks(execute=True):
        assert send_payment_reminders(today=today) == 1
    to_patient, to_finance = mailoutbox
    due = arrival - dt.timedelta(days=7)
    assert (to_patient.to, to_patient.subject) == ([case.patient.email], f"{case.code}: deposit due {due:%d %B %Y}")
    assert to_finance.to == ["fiona@cellway.example", "marcus@cellway.example"] and "deposit of" in to_finance.subject
    with django_capture_on_commit_callbacks(execute=True):
        assert send_payment_reminders(today=today) == 0  # the same day again: nothing twice
    assert CaseEvent.objects.filter(case=case, kind="payment.reminder").count() == 1


def test_no_reminder_for_a_deposit_already_paid(case_at):
    arrival = clinic_today() + dt.timedelta(days=10)
    case_at(Stage.DEPOSIT_PAID, arrival=arrival)
    assert send_payment_reminders(today=clinic_today()) == 0


def test_the_balance_reminder_goes_on_the_day_it_is_due(case_at):
    first_day_tomorrow = clinic_today()  # arrival today, first therapy day tomorrow: balance due today
    case = case_at(Stage.DEPOSIT_PAID, arrival=first_day_tomorrow)
    assert send_payment_reminders(today=clinic_today()) == 1
    event = CaseEvent.objects.get(case=case, kind="payment.reminder")
    assert event.data["what"] == "balance"


def test_an_open_invoice_is_reminded_after_its_due_date_once_per_level(case_at, mailoutbox, django_capture_on_commit_callbacks):
    from cellway.billing.models import Invoice
    from cellway.cases.models import Reminder

    arrival = clinic_today() + dt.timedelta(days=20)
    case = case_at(Stage.SCHEDULED, arrival=arrival)
    deposit = Invoice.objects.get(case=case, kind="deposit")

    for days_after in (3, 3, 10):  # the same level twice: once
        with django_capture_on_commit_callbacks(execute=True):
            send_payment_reminders(today=deposit.due_on + dt.timedelta(days=days_after))

    rows = Reminder.objects.filter(case=case, what="deposit").order_by("-days_ahead")
    assert [(r.due_on, r.days_ahead) for r in rows] == [(deposit.due_on, -3), (deposit.due_on, -10)]
    to_patient = mailoutbox[0]
    assert to_patient.subject == f"{case.code}: deposit overdue since {deposit.due_on:%d %B %Y}"
    assert f"(invoice {deposit.label}) was due on {deposit.due_on:%d %B %Y} and is still open" in to_patient.body


def test_an_invoice_of_a_case_that_ended_is_not_reminded(case_at, staff):
    from cellway.billing.models import Invoice
    from cellway.cases import services as cases

    arrival = clinic_today() + dt.timedelta(days=20)
    case = case_at(Stage.SCHEDULED, arrival=arrival)
    cases.end_case(case=case, to=Stage.WITHDRAWN, by=staff["carla"], reason="Lost contact")
    deposit = Invoice.objects.get(case=case, kind="deposit")

    assert send_payment_reminders(today=deposit.due_on + dt.timedelta(days=3)) == 0
