"""Each action's check (what the interface offers) and its service (what is done) agree.

A case is walked along the main path, then ended; at every stage each role is
asked every check. Whenever a check says no, the service, given valid input,
refuses with the same message and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cellway.billing import refunds
from cellway.billing import services as billing
from cellway.cases import services as cases
from cellway.cases.models import Case, Condition
from cellway.cases.stages import MAIN_PATH, Stage
from cellway.clinic import clinic_today
from cellway.demo.journey import PLAN, bank_proof, ensure_consent_documents, new_case, walk
from cellway.errors import Refusal, allowed
from cellway.outcomes import services as outcomes
from cellway.plans import services as plans
from cellway.plans.models import TherapyPlan
from cellway.records import services as records
from cellway.travel import services as travel
from cellway.travel.models import Room
from cellway.treatment import plan_items
from cellway.treatment import selectors as treatment_selectors
from cellway.treatment import services as treatment
from cellway.treatment.models import ConsentDocument

PROTOCOL = "Rest for two weeks, walk daily, call the clinic for fever or new weakness."
ROLES = ["carla", "liam", "sofia", "daniel", "fiona", "marcus", "lena", "ivan", "nina", "adam", "outsider"]

# check -> (the object the service acts on, or None if the case has none yet; the service call)
Subject = Callable[[Case], Any]
Do = Callable[[Case, Any, Any, str], Any]


def _today() -> dt.date:
    return clinic_today()


def _consent_form() -> ConsentDocument:
    ensure_consent_documents()
    return ConsentDocument.objects.get(therapy="cells", language="Portuguese", version=1)


def _scan() -> SimpleUploadedFile:
    return SimpleUploadedFile("consent.pdf", b"%PDF-1.4\n" + b"signed consent " * 20)


ACTIONS: dict[str, tuple[Callable[..., None], str | None, Subject | None, Do]] = {
    "assign": (cases.check_assign, None, None,
               lambda c, o, by, pw: cases.assign_case(case=c, specialist=by, by=by, reason="Expertise")),
    "end_case": (cases.check_end_case, None, None,
                 lambda c, o, by, pw: cases.end_case(case=c, to=Stage.WITHDRAWN, by=by, reason="Lost contact")),
    "manage_records": (records.check_manage_records, None, None,
                       lambda c, o, by, pw: records.set_item_status(item=c.record_items.first(), status="received", by=by)),
    "complete_records": (records.check_complete_records, None, None,
                         lambda c, o, by, pw: records.mark_records_complete(case=c, by=by)),
    "reopen_records": (records.check_reopen_records, None, None,
                       lambda c, o, by, pw: records.reopen_records(case=c, by=by, reason="MRI too old")),
    "write_plan": (plans.check_write_plan, None, None, lambda c, o, by, pw: plans.save_plan(case=c, by=by, **PLAN)),
    "sign_plan": (plans.check_sign_plan, None, None,
                  lambda c, o, by, pw: plans.sign_plan(plan=c.plans.first() or TherapyPlan(case=c), by=by, password=pw)),
    "revise_plan": (plans.check_revise_plan, None, None,
                    lambda c, o, by, pw: plans.revise_plan(case=c, by=by, reason="Dose to change")),
    "record_screening": (plans.check_record_screening, None, None,
                         lambda c, o, by, pw: plans.record_screening(case=c, by=by, sample_date=_today(), markers="CEA 1.0 ng/mL")),
    "judge_screening": (plans.check_judge_screening, "result", lambda c: c.screenings.order_by("-pk").first(),
                        lambda c, o, by, pw: plans.judge_screening(result=o, by=by, verdict="satisfactory", reason="", password=pw)),
    "issue_credit_note": (refunds.check_issue_credit_note, None, None,
                          lambda c, o, by, pw: refunds.issue_credit_note(case=c, by=by, note="Cancelled")),
    "revise_quote": (billing.check_revise_quote, None, None,
                     lambda c, o, by, pw: billing.revise_quote(case=c, by=by, adjustment=Decimal("-100"), reason="Goodwill")),
    "accept_quote": (billing.check_accept_quote, "quote", lambda c: c.quotes.order_by("-version").first(),
                     lambda c, o, by, pw: billing.accept_quote(quote=o, by=by, note="By email")),
    "record_payment": (billing.check_record_payment, None, None,
                       lambda c, o, by, pw: billing.record_payment(case=c, by=by, amount=Decimal("1.00"), method="transfer",
                                                                   reference=f"T-{by.pk}-{c.version}", received_on=_today(),
                                                                   proof=bank_proof("T"))),
    "override_balance": (billing.check_override_balance, None, None,
                         lambda c, o, by, pw: billing.grant_balance_override(case=c, by=by, reason="Wire on its way", password=pw)),
    "schedule": (travel.check_schedule, None, None,
                 lambda c, o, by, pw: travel.schedule_case(case=c, by=by, arrival_date=_today() + dt.timedelta(days=21),
                                                           first_therapy_day=_today() + dt.timedelta(days=22), reason="Flights")),
    "confirm_logistics": (travel.check_confirm_logistics, "task", lambda c: c.logistics_tasks.order_by("pk").first(),
                          lambda c, o, by, pw: travel.confirm_task(task=o, by=by, details="Booked")),
    "mark_arrived": (travel.check_mark_arrived, None, None,
                     lambda c, o, by, pw: travel.mark_arrived(case=c, by=by, reason="Came early")),
    "book_room": (travel.check_book_room, None, None,
                  lambda c, o, by, pw: travel.book_room(case=c, by=by, room=Room.objects.get_or_create(name="Room 9", capacity=9)[0],
                                                        first_day=_today() + dt.timedelta(days=30),
                                                        last_day=_today() + dt.timedelta(days=31))),
    "undo_arrival": (travel.check_undo_arrival, None, None,
                     lambda c, o, by, pw: travel.undo_arrival(case=c, by=by, reason="Wrong patient")),
    "log_session": (treatment.check_log_session, None, None,
                    lambda c, o, by, pw: treatment.log_session(case=c, by=by, kind="physio", day=_today(), given="Gait training")),
    "complete_treatment": (treatment.check_complete_treatment, None, None,
                           lambda c, o, by, pw: treatment.complete_treatment(case=c, by=by)),
    "issue_protocol": (treatment.check_issue_protocol, None, None,
                       lambda c, o, by, pw: treatment.issue_protocol(case=c, by=by, instructions=PROTOCOL, password=pw)),
    "close_missed": (outcomes.check_close_missed, None, lambda c: c.follow_ups.order_by("pk").first(),
                     lambda c, o, by, pw: outcomes.close_missed(assessment=o, by=by, reason="No answer")),
    "record_consent": (treatment.check_record_consent, None, None,
                       lambda c, o, by, pw: treatment.record_consent(case=c, by=by, document=_consent_form(), signed_on=_today(),
                                                                     taken_by=by, scan=_scan())),
    "withdraw_consent": (treatment.check_withdraw_consent, "consent", lambda c: c.consents.first(),
                         lambda c, o, by, pw: treatment.withdraw_consent(consent=o, by=by, withdrawn_on=_today(),
                                                                         reason="Changed her mind")),
    "record_adverse_event": (treatment.check_record_adverse_event, None, None,
                             lambda c, o, by, pw: treatment.record_adverse_event(
                                 case=c, by=by, onset_on=_today(), term="Headache", description="After the puncture", grade=1,
                                 serious_criteria=[], related_to_cells="unlikely", related_to_procedure="probable", action="none",
                                 outcome="recovering")),
    "record_visit": (outcomes.check_record_visit, None, None,
                     lambda c, o, by, pw: outcomes.record_visit(case=c, by=by, seen_on=_today(), edss=Decimal("3.0"),
                                                               edss_reason="Examined at home")),
}


# The walk records and judges a screening in one step: a result left waiting for a verdict
# is recorded here so that judging has something to be offered for.
PREPARE: dict[str, tuple[Stage, Callable[[Case, dict[str, Any]], Any]]] = {
    # Completion is offered once every planned item is done or set aside.
    "complete_treatment": (Stage.IN_TREATMENT, lambda c, staff: treatment.set_aside(
        case=c, by=staff["nina"], items=[(i.kind, i.number) for i in plan_items.to_do(treatment_selectors.planned_items(c))],
        reason="Flew home early")),
    "judge_screening": (Stage.ACCEPTED, lambda c, staff: plans.record_screening(
        case=c, by=staff["carla"], sample_date=_today() - dt.timedelta(days=3), markers="CEA 1.0 ng/mL")),
}


def written(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    return fresh.stage, fresh.version, fresh.specialist_id, fresh.events.count()


@pytest.mark.parametrize("action", ACTIONS)
def test_whenever_a_check_says_no_the_service_refuses_with_its_message_and_writes_nothing(action, staff, password):
    check, subject_name, subject_of, do = ACTIONS[action]
    case = new_case(staff, name=f"Checked {action}", email=f"{action}@example.com")
    offered = 0
    for stage in [*MAIN_PATH[:-1], Stage.WITHDRAWN]:
        if stage == Stage.WITHDRAWN:
            case = cases.end_case(case=case, to=Stage.WITHDRAWN, by=staff["liam"], reason="Lost contact")
        else:
            case = walk(case, stage, staff, arrival=clinic_today())
        if action in PREPARE and PREPARE[action][0] == stage:
            PREPARE[action][1](case, staff)
        subject = subject_of(case) if subject_of else None
        for role in ROLES:
            by = staff[role]
            case = Case.objects.get(pk=case.pk)
            extra = {subject_name: subject} if subject_name else {}
            if subject_of and subject is None:
                continue  # nothing of this kind to act on yet: the interface has nothing to offer
            if allowed(check, case=case, by=by, **extra):
                offered += 1
                continue
            with pytest.raises(Refusal) as asked:
                check(case=case, by=by, **extra)
            before = written(case)
            with pytest.raises(Refusal) as done:
                do(case, subject, by, password)
            assert (stage, role, done.value.message) == (stage, role, asked.value.message)
            assert written(case) == before, (stage, role)
    assert offered, f"{action} was never offered to anyone along the journey"


def test_open_case_check_and_service_agree(staff):
    inquiry = cases.record_inquiry(by=staff["carla"], full_name="Ana Silva", country="Portugal", language="Portuguese",
                                   condition=Condition.objects.get(code="ms"),
                                   source="website")
    for role in ROLES:
        if allowed(cases.check_open_case, by=staff[role]):
            continue
        with pytest.raises(Refusal) as done:
            cases.open_case(inquiry=inquiry, by=staff[role])
        assert done.value.message == "Your role does not allow you to open cases."
    assert not Case.objects.filter(inquiry=inquiry).exists()
    assert [r for r in ROLES if allowed(cases.check_open_case, by=staff[r])] == ["carla", "liam"]


def test_an_allowed_check_asks_at_most_one_query(case_at, staff, django_assert_max_num_queries):
    case = case_at(Stage.DEPOSIT_PAID)
    for role in ROLES:
        staff[role].has_perm("cases.view_all_cases")  # the role's permissions are read once per request
    for _, (check, subject_name, _, _) in ACTIONS.items():
        if subject_name:
            continue
        for role in ROLES:
            with django_assert_max_num_queries(1):
                allowed(check, case=case, by=staff[role])
