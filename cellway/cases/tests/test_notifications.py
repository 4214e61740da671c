"""Emails about a case go out after commit, to the right people, and never for a rolled-back write.

The patient's mail and the staff notice are separate mails: a patient is never on one To: with staff.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from cellway.cases import notify
from cellway.cases import services as cases
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.journey import PLAN
from cellway.plans import services as plans
from cellway.travel import services as travel


def test_assignment_emails_the_assigned_specialist_after_commit_only(case_at, staff, mailoutbox, django_capture_on_commit_callbacks):
    case = case_at(Stage.TRIAGE)

    with django_capture_on_commit_callbacks(execute=True):
        cases.assign_case(case=case, specialist=staff["daniel"], by=staff["liam"], reason="Lightest load")
        assert mailoutbox == []  # not before the commit

    assert [m.to for m in mailoutbox] == [["daniel@cellway.example"]]
    assert mailoutbox[0].subject == f"{case.code} assigned to you"


def test_signing_the_plan_emails_the_quote_news_to_the_patient_and_customer_care(
    case_at, staff, password, mailoutbox, django_capture_on_commit_callbacks
):
    case = case_at(Stage.REVIEW)

    with django_capture_on_commit_callbacks(execute=True):
        plan = plans.save_plan(case=case, by=staff["sofia"], **PLAN)
        plans.sign_plan(plan=plan, by=staff["sofia"], password=password)

    assert [m.to for m in mailoutbox] == [[case.patient.email], ["carla@cellway.example"]]
    assert case.code in mailoutbox[0].body
    assert mailoutbox[0].subject.startswith("Your treatment plan")
    assert mailoutbox[1].subject == f"{case.code}: plan signed, quote ready for the patient"


def test_nothing_is_sent_when_the_transaction_rolls_back(case_at, staff, mailoutbox, django_capture_on_commit_callbacks):
    case = case_at(Stage.TRIAGE)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        cases.assign_case(case=case, specialist=staff["daniel"], by=staff["liam"], reason="Lightest load")
        raise RuntimeError("a later step of the same transaction failed")

    assert callbacks == []
    assert mailoutbox == []
    case.refresh_from_db()
    assert (case.stage, case.specialist) == (Stage.TRIAGE, None)


def test_a_refused_write_sends_nothing(case_at, staff, mailoutbox, django_capture_on_commit_callbacks):
    case = case_at(Stage.REVIEW)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(cases.Refusal):
        cases.assign_case(case=case, specialist=staff["sofia"], by=staff["liam"], reason="Again")

    assert callbacks == []
    assert mailoutbox == []


def test_ending_a_case_emails_the_patient_and_customer_care(case_at, staff, mailoutbox, django_capture_on_commit_callbacks):
    case = case_at(Stage.QUOTED)

    with django_capture_on_commit_callbacks(execute=True):
        cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Chose treatment closer to home")

    assert [m.to for m in mailoutbox] == [[case.patient.email], ["carla@cellway.example"]]
    assert "Chose treatment closer to home" in mailoutbox[1].body  # the reason is for staff
    assert "Chose treatment closer to home" not in mailoutbox[0].body


def test_scheduling_emails_the_patient_logistics_and_finance(case_at, staff, mailoutbox, django_capture_on_commit_callbacks):
    case = case_at(Stage.CLEARED)
    day = clinic_today() + dt.timedelta(days=14)

    with django_capture_on_commit_callbacks(execute=True):
        travel.schedule_case(case=case, by=staff["lena"], arrival_date=day, first_therapy_day=day + dt.timedelta(days=1))

    assert [m.to for m in mailoutbox] == [
        [case.patient.email],
        sorted(["lena@cellway.example", "fiona@cellway.example", "marcus@cellway.example"]),
    ]


def test_staff_who_are_no_longer_active_are_not_emailed(case_at, staff, mailoutbox, django_capture_on_commit_callbacks):
    case = case_at(Stage.QUOTED)
    staff["carla"].is_active = False
    staff["carla"].save()

    with django_capture_on_commit_callbacks(execute=True):
        cases.end_case(case=case, to=Stage.WITHDRAWN, by=staff["liam"], reason="Duplicate of another case")

    assert [m.to for m in mailoutbox] == [[case.patient.email]]


@pytest.mark.parametrize("notice", [n for n in vars(notify).values() if isinstance(n, notify.Notice) and n.patient], ids=lambda n: n.name)
def test_a_patients_mail_is_addressed_to_the_patient_alone(notice, case_at, staff, mailoutbox, django_capture_on_commit_callbacks):
    case = case_at(Stage.SCHEDULED)  # a specialist assigned, dates set: every staff audience has someone
    context = {"verdict": "Satisfactory", "what": "deposit", "amount": "4578.00", "currency": "EUR", "due_on": "1 January 2027",
               "months_after": 1, "due_on_long": "Friday 1 January 2027"}

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify.later(notice, case_id=case.pk, **context)

    to_patient = [m for m in mailoutbox if case.patient.email in m.to + m.cc + m.bcc]
    assert [(m.to, m.cc, m.bcc) for m in to_patient] == [([case.patient.email], [], [])]
    staff_mails = [m for m in mailoutbox if m not in to_patient]
    assert len(staff_mails) == 1 and staff_mails[0].to and case.patient.email not in staff_mails[0].to
    assert "{{" not in to_patient[0].subject + to_patient[0].body


def test_the_mail_path_refuses_a_patient_and_staff_on_one_mail(case_at):
    case = case_at(Stage.QUOTED)
    with pytest.raises(ValueError, match="patient alone"):
        notify.addresses(case, ["patient", "care"])
