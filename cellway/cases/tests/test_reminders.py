"""One reminder mechanism for payments and follow-ups: a claimed row per (what, due date, days ahead).

Running the reminder jobs twice, or two at once, sends each reminder once.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cellway.billing.reminders import send_payment_reminders
from cellway.cases.events import EventKind
from cellway.cases.models import CaseEvent, Reminder
from cellway.cases.services import claim_reminder
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.outcomes.services import send_follow_up_reminders


def due_today(case_at):
    """A case whose deposit is due in 3 days, and one whose 1-month assessment is due in 7."""
    today = clinic_today()
    paying = case_at(Stage.SCHEDULED, arrival=today + dt.timedelta(days=10))
    following = case_at(Stage.FOLLOW_UP)
    following.follow_ups.filter(months_after=1).update(due_on=today + dt.timedelta(days=7))
    return paying, following


def run_the_jobs(today: dt.date) -> int:
    return send_payment_reminders(today=today) + send_follow_up_reminders(today=today)


def test_a_reminder_is_claimed_once(case_at):
    case = case_at(Stage.SCHEDULED)
    due = clinic_today() + dt.timedelta(days=3)
    claim = {"case": case, "kind": EventKind.PAYMENT_REMINDER, "what": "deposit", "due_on": due, "summary": "Reminder sent: deposit"}

    assert claim_reminder(today=clinic_today(), **claim) is True
    assert claim_reminder(today=clinic_today(), **claim) is False
    assert claim_reminder(today=due, **claim) is True  # on the day is another reminder

    assert list(case.reminders.values_list("what", "due_on", "days_ahead")) == [("deposit", due, 3), ("deposit", due, 0)]
    assert CaseEvent.objects.filter(case=case, kind=EventKind.PAYMENT_REMINDER).count() == 2


def test_running_the_reminder_jobs_twice_sends_each_reminder_once(case_at, django_capture_on_commit_callbacks):
    paying, following = due_today(case_at)
    today = clinic_today()

    with django_capture_on_commit_callbacks(execute=True):
        assert run_the_jobs(today) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert run_the_jobs(today) == 0

    assert sorted(Reminder.objects.values_list("case_id", "what", "days_ahead")) == sorted(
        [(paying.pk, "deposit", 3), (following.pk, "follow_up:1", 7)]
    )
    to_patients = sorted(m.to[0] for m in mail.outbox if m.to[0] in (paying.patient.email, following.patient.email))
    assert to_patients == sorted([paying.patient.email, following.patient.email])
    assert CaseEvent.objects.filter(kind__in=[EventKind.PAYMENT_REMINDER, EventKind.FOLLOW_UP_REMINDER]).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_send_each_reminder_once(case_at):
    paying, following = due_today(case_at)
    today = clinic_today()
    mail.outbox = []
    barrier = threading.Barrier(2)
    counts: list[int | Exception] = []

    def scheduler() -> None:
        try:
            barrier.wait(timeout=10)
            counts.append(run_the_jobs(today))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            counts.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(counts) == 2 and all(isinstance(c, int) for c in counts), counts
    assert sum(counts) == 2, counts  # type: ignore[arg-type]  # between them, each reminder once
    assert Reminder.objects.count() == 2
    assert CaseEvent.objects.filter(kind__in=[EventKind.PAYMENT_REMINDER, EventKind.FOLLOW_UP_REMINDER]).count() == 2
    for patient in (paying.patient.email, following.patient.email):
        assert [m.to for m in mail.outbox if patient in m.to] == [[patient]]


# The migration changes the tables around its rows, so the test migrates the database back to before it and forward
# again: minutes on SQLite, which rebuilds a table for most later migrations. It runs once, in CI's PostgreSQL stage.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reminders_sent_before_the_change_are_claimed_rows_after_it(case_at):
    today = clinic_today()
    paying, following = due_today(case_at)
    assessment = following.follow_ups.get(months_after=1)
    executor = MigrationExecutor(connection)
    before = [("cases", "0003_queue_page_index"), ("outcomes", "0002_visits_relapses_mri")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    old.get_model("outcomes", "FollowUpReminder").objects.create(assessment_id=assessment.pk, days_ahead=7, sent_on=today)
    old.get_model("cases", "CaseEvent").objects.create(
        case_id=paying.pk,
        kind="reminder",
        summary="Reminder sent: deposit",
        data={"what": "deposit", "due_on": str(today + dt.timedelta(days=3)), "sent_on": str(today)},
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert sorted(Reminder.objects.values_list("case_id", "what", "due_on", "days_ahead")) == sorted(
        [(paying.pk, "deposit", today + dt.timedelta(days=3), 3), (following.pk, "follow_up:1", today + dt.timedelta(days=7), 7)]
    )
    assert run_the_jobs(today) == 0  # already sent before the change: not again
