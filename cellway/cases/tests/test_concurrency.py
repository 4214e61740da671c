"""Two staff acting on the same case at the same moment (PostgreSQL, real row locks, real threads).

Each test starts the competing service calls together behind a barrier. Exactly
one wins; the other is refused with a message that says what happened, and the
rows show one effect, not two.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from cellway.accounts.models import User
from cellway.accounts.roles import Role
from cellway.billing import selectors as billing_selectors
from cellway.billing import services as billing
from cellway.billing.models import Payment
from cellway.cases import services as cases
from cellway.cases.models import Case, CaseEvent, Condition
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.journey import bank_proof
from cellway.errors import Refusal, StageConflict

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run the calls in threads released together; return ("ok", result) or ("refused", error) for each."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, Any]] = [("not run", None)] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[i] = ("ok", call())
        except Refusal as refusal:
            outcomes[i] = ("refused", refusal)
        except Exception as error:  # noqa: BLE001 - reported by the test's assertion
            outcomes[i] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def one_won(outcomes: list[tuple[str, Any]]) -> tuple[int, Refusal]:
    """Index of the winner and the loser's refusal; fails unless exactly one won and the other was refused."""
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ok", "refused"], outcomes
    winner = next(i for i, (kind, _) in enumerate(outcomes) if kind == "ok")
    return winner, outcomes[1 - winner][1]


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def second_liaison(staff) -> User:
    user = User.objects.create_user("leo", password="x", first_name="Leo", last_name="Second", email="leo@cellway.example")
    user.groups.add(Group.objects.get(name=Role.LIAISON))
    return user


def test_two_liaison_officers_assigning_one_triage_case_one_wins_the_other_is_told(case_at, staff, second_liaison):
    case = case_at(Stage.TRIAGE)
    seen_by_liam, seen_by_leo = fresh(case), fresh(case)

    outcomes = race(
        lambda: cases.assign_case(case=seen_by_liam, specialist=staff["sofia"], by=staff["liam"], reason="MS expertise"),
        lambda: cases.assign_case(case=seen_by_leo, specialist=staff["daniel"], by=second_liaison, reason="Lightest load"),
    )

    winner, refusal = one_won(outcomes)
    winners_choice, winner_user = [(staff["sofia"], staff["liam"]), (staff["daniel"], second_liaison)][winner]
    assert isinstance(refusal, StageConflict)
    assert refusal.message.startswith(f"Cannot assign this case: {case.code} is now 'Specialist review' (moved by {winner_user}")
    after = fresh(case)
    assert (after.stage, after.specialist) == (Stage.REVIEW, winners_choice)
    assert CaseEvent.objects.filter(case=case, to_stage="review").count() == 1
    assert not CaseEvent.objects.filter(case=case, kind="assigned").exists()


def test_two_deposits_recorded_at_once_when_only_one_fits_one_is_refused_as_more_than_owed(case_at, staff):
    case = case_at(Stage.SCHEDULED)
    total = billing_selectors.accepted_quote(case).total
    amount = Decimal("8000.00")  # more than half the total: two of them cannot both fit

    outcomes = race(
        lambda: billing.record_payment(case=case, by=staff["fiona"], amount=amount, method="transfer", reference="TR-A",
                                       received_on=clinic_today(), proof=bank_proof("TR-A")),
        lambda: billing.record_payment(case=case, by=staff["marcus"], amount=amount, method="transfer", reference="TR-B",
                                       received_on=clinic_today(), proof=bank_proof("TR-B")),
    )

    _, refusal = one_won(outcomes)
    assert refusal.message == f"That is more than the {total - amount:,.2f} EUR still owed; record a refund separately."
    assert list(Payment.objects.filter(case=case).values_list("amount", flat=True)) == [amount]
    assert fresh(case).stage == Stage.DEPOSIT_PAID
    assert CaseEvent.objects.filter(case=case, kind="payment", summary__startswith="Payment of").count() == 1


def test_two_clicks_recording_the_same_payment_reference_write_one_payment(case_at, staff):
    case = case_at(Stage.SCHEDULED)
    deposit = billing_selectors.accepted_quote(case).deposit

    def click() -> Payment:
        return billing.record_payment(case=case, by=staff["fiona"], amount=deposit, method="transfer", reference="DEP-77",
                                      received_on=clinic_today(), proof=bank_proof("DEP-77"))

    outcomes = race(click, click)

    _, refusal = one_won(outcomes)
    assert refusal.message == "A transfer payment with reference DEP-77 is already recorded."
    assert Payment.objects.filter(case=case).count() == 1
    assert fresh(case).stage == Stage.DEPOSIT_PAID
    assert CaseEvent.objects.filter(case=case, to_stage="deposit_paid").count() == 1


def test_two_people_recording_the_acceptance_at_once_accept_the_quote_once(case_at, staff):
    case = case_at(Stage.QUOTED)
    quote = case.quotes.get()

    outcomes = race(
        lambda: billing.accept_quote(quote=quote, by=staff["carla"], note="Phone call"),
        lambda: billing.accept_quote(quote=quote, by=staff["fiona"], note="Signed quote by email"),
    )

    _, refusal = one_won(outcomes)
    assert isinstance(refusal, StageConflict)
    assert refusal.message.startswith(f"Cannot record the acceptance: {case.code} is now 'Awaiting screening' (moved by ")
    assert CaseEvent.objects.filter(case=case, to_stage="accepted").count() == 1


def test_two_people_ending_a_case_at_once_end_it_once(case_at, staff):
    case = case_at(Stage.REVIEW)

    outcomes = race(
        lambda: cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Chose a clinic nearer home"),
        lambda: cases.end_case(case=case, to=Stage.WITHDRAWN, by=staff["liam"], reason="Duplicate case"),
    )

    winner, refusal = one_won(outcomes)
    ending = [Stage.DECLINED, Stage.WITHDRAWN][winner]
    assert refusal.message == f"{case.code} has already ended as '{ending.label}'."
    assert fresh(case).stage == ending
    assert CaseEvent.objects.filter(case=case, to_stage__in=["declined", "withdrawn"]).count() == 1


def test_one_inquiry_opened_twice_at_once_gets_one_case(staff):
    inquiry = cases.record_inquiry(by=staff["carla"], full_name="Ana Silva", country="Portugal", language="Portuguese",
                                   condition=Condition.objects.get(code="ms"), source="chat")

    outcomes = race(lambda: cases.open_case(inquiry=inquiry, by=staff["carla"]),
                    lambda: cases.open_case(inquiry=inquiry, by=staff["liam"]))

    winner, refusal = one_won(outcomes)
    assert refusal.message == f"A case is already open for this inquiry ({outcomes[winner][1].code})."
    assert Case.objects.count() == 1


def test_cases_opened_at_the_same_moment_get_consecutive_codes_even_for_the_first_case_of_the_year(staff):
    inquiries = [
        cases.record_inquiry(by=staff["carla"], full_name=f"Patient {n}", country="Portugal", language="Portuguese",
                             condition=Condition.objects.get(code="ms"), source="website")
        for n in range(4)
    ]

    outcomes = race(*[lambda inquiry=inquiry: cases.open_case(inquiry=inquiry, by=staff["carla"]) for inquiry in inquiries])

    assert [kind for kind, _ in outcomes] == ["ok"] * 4, outcomes
    year = clinic_today().year
    assert sorted(case.code for _, case in outcomes) == [f"CW-{year}-000{n}" for n in range(1, 5)]
