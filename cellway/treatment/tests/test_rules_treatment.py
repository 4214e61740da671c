"""Sessions gated by the balance (rule 6), completion, the protocol before follow-up (rule 8), follow-up dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from cellway.audit.signatures import Signature
from cellway.billing import selectors as billing_selectors
from cellway.billing import services as billing
from cellway.cases.models import Case
from cellway.cases.services import lock_case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.journey import PROTOCOL, give_consent
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.outcomes.models import FollowUpAssessment
from cellway.travel import services as travel
from cellway.treatment import selectors as treatment_selectors
from cellway.treatment import services as treatment
from cellway.treatment.models import PostTreatmentProtocol, TreatmentSession


def written(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.stage,
        fresh.version,
        fresh.events.count(),
        TreatmentSession.objects.filter(case=case).count(),
        PostTreatmentProtocol.objects.filter(case=case).count(),
        FollowUpAssessment.objects.filter(case=case).count(),
        Signature.objects.count(),
    )


def session(case, staff, day=None, kind="iv", given="50 million wjMSCs IV, lot L-0042", who="nina"):
    return treatment.log_session(case=case, by=staff[who], kind=kind, day=day or clinic_today(), given=given)


@pytest.fixture
def arrived_owing(case_at, staff):
    """Arrived today with the deposit paid and the balance open."""
    case = case_at(Stage.DEPOSIT_PAID, arrival=clinic_today())
    travel.mark_arrived(case=case, by=staff["lena"], reason="Came early")
    give_consent(case, staff)
    return Case.objects.get(pk=case.pk)


# --- Sessions (rule 6) ------------------------------------------------------------------------------


def test_no_session_starts_while_a_balance_is_open(arrived_owing, staff):
    before = written(arrived_owing)

    with pytest.raises(Refusal) as refused:
        session(arrived_owing, staff)

    assert refused.value.message == (
        "The balance is still open: no session starts until it is paid, or a finance manager signs an override."
    )
    assert written(arrived_owing) == before


def test_a_finance_managers_signed_override_lets_sessions_start_with_the_balance_open(arrived_owing, staff, password):
    override = billing.grant_balance_override(case=arrived_owing, by=staff["marcus"], reason="Transfer in progress", password=password)

    given = session(arrived_owing, staff)

    assert given.override == override
    case = Case.objects.get(pk=arrived_owing.pk)
    assert case.stage == Stage.IN_TREATMENT
    assert f"(balance open; override signed by {staff['marcus']})" in case.events.first().summary


def test_sessions_start_once_the_balance_is_paid(arrived_owing, staff):
    owed = billing_selectors.account(arrived_owing).outstanding
    billing.record_payment(case=arrived_owing, by=staff["fiona"], amount=owed, method="card", reference="BAL-9", received_on=clinic_today())

    first = session(arrived_owing, staff)
    second = session(arrived_owing, staff, kind="physio", given="45 minutes gait training")

    assert (first.override, first.given_by) == (None, staff["nina"])
    assert Case.objects.get(pk=arrived_owing.pk).stage == Stage.IN_TREATMENT
    assert arrived_owing.events.first().summary == f"Physiotherapy 1 of 5 on {second.day:%d %b %Y}: 45 minutes gait training"


@pytest.mark.parametrize(
    ("kind", "given", "days_ahead", "message"),
    [
        ("massage", "x", 0, "Unknown session kind 'massage'."),
        ("iv", "  ", 0, "Write what was given."),
        ("iv", "50 million wjMSCs", 1, "A session cannot be logged for a day that has not come."),
    ],
)
def test_a_session_that_cannot_be_right_is_refused(case_at, staff, kind, given, days_ahead, message):
    case = case_at(Stage.IN_TREATMENT)
    before = written(case)

    with pytest.raises(Refusal) as refused:
        session(case, staff, day=clinic_today() + dt.timedelta(days=days_ahead), kind=kind, given=given)

    assert refused.value.message == message
    assert written(case) == before


def test_a_session_before_the_patient_arrived_is_refused(case_at, staff):
    case = case_at(Stage.IN_TREATMENT)
    before = written(case)
    yesterday = clinic_today() - dt.timedelta(days=1)

    with pytest.raises(Refusal) as refused:
        session(case, staff, day=yesterday)

    assert refused.value.message == f"{yesterday:%d %b %Y} is before the patient arrived ({clinic_today():%d %b %Y})."
    assert written(case) == before


def test_only_a_nurse_logs_sessions_and_only_once_the_patient_has_arrived(case_at, staff):
    case = case_at(Stage.PAID, arrival=clinic_today())
    before = written(case)

    with pytest.raises(NotAllowed) as refused:
        session(case, staff, who="sofia")
    assert refused.value.message == "Your role does not allow you to log treatment sessions."
    with pytest.raises(StageConflict) as refused:
        session(case, staff)
    assert refused.value.message.startswith(f"Cannot log a session: {case.code} is now 'Paid in full'")
    assert written(case) == before


# --- Completion and the protocol (rule 8) -------------------------------------------------------------


def test_the_assigned_specialist_completes_the_treatment_once_every_planned_item_is_done_or_set_aside(case_at, staff):
    case = case_at(Stage.IN_TREATMENT)  # intravenous 1 of 2 given
    before = written(case)
    with pytest.raises(Refusal) as refused:
        treatment.complete_treatment(case=case, by=staff["sofia"])
    assert refused.value.message == (
        "Still to do: cell infusion, intravenous 2 of 2; cell infusion, intrathecal 1 of 1; supplementary infusion 1, 2 of 2; "
        "physiotherapy 1, 2, 3, 4, 5 of 5; occupational therapy 1, 2, 3 of 3; rehabilitative medicine 1, 2 of 2. "
        "Log each, or record why it was not given."
    )
    assert written(case) == before

    for kind in ("iv", "it", "physio", "occupational"):
        while treatment_selectors.plan_counts(case)[kind] > len(case.sessions.filter(kind=kind)):
            session(case, staff, kind=kind, given="Given as planned")
            case = Case.objects.get(pk=case.pk)
    treatment.set_aside(
        case=case,
        by=staff["sofia"],
        items=[("supplementary", 1), ("supplementary", 2), ("rehab", 1), ("rehab", 2)],
        reason="Patient flew home a day early",
    )
    treatment.complete_treatment(case=case, by=staff["sofia"])

    assert Case.objects.get(pk=case.pk).stage == Stage.TREATED
    assert case.events.first().summary == "Treatment complete after 11 sessions"


def test_another_specialist_cannot_complete_the_treatment(case_at, staff):
    case = case_at(Stage.IN_TREATMENT)
    before = written(case)

    with pytest.raises(NotAllowed) as refused:
        treatment.complete_treatment(case=case, by=staff["daniel"])

    assert refused.value.message == f"Only the specialist assigned to {case.code} may complete its treatment."
    assert written(case) == before


@pytest.fixture
def treated(case_at):
    return case_at(Stage.TREATED)


def test_issuing_the_signed_protocol_moves_the_case_to_follow_up_with_its_assessments(treated, staff, password):
    protocol = treatment.issue_protocol(case=treated, by=staff["sofia"], instructions=PROTOCOL, password=password)

    assert (protocol.issued_by, protocol.signature.meaning) == (staff["sofia"], "issued post-treatment protocol")
    assert Case.objects.get(pk=treated.pk).stage == Stage.FOLLOW_UP
    assert sorted(FollowUpAssessment.objects.filter(case=treated).values_list("months_after", flat=True)) == [1, 3, 6, 12]


def test_follow_up_cannot_start_without_the_protocol(treated, staff):
    before = written(treated)

    with pytest.raises(Refusal) as refused, transaction.atomic():
        treatment.start_follow_up(case=lock_case(treated), by=staff["sofia"])

    assert refused.value.message == "Issue the post-treatment protocol before the case moves to follow-up."
    assert written(treated) == before


def test_follow_up_starts_only_from_treatment_complete(case_at, staff):
    case = case_at(Stage.IN_TREATMENT)
    before = written(case)

    with pytest.raises(StageConflict) as refused, transaction.atomic():
        treatment.start_follow_up(case=lock_case(case), by=staff["sofia"])

    assert refused.value.message == f"{case.code} is 'In treatment', not 'Treatment complete'."
    assert written(case) == before


@pytest.mark.parametrize(
    ("who", "instructions", "pw_ok", "error", "message"),
    [
        ("sofia", "Rest.", True, Refusal, "Write the protocol the patient takes home (care, medication, exercise, warning signs)."),
        ("sofia", PROTOCOL, False, Refusal, "The password is not correct; nothing was signed."),
        ("daniel", PROTOCOL, True, NotAllowed, "Only the specialist assigned to {code} may issue its protocol."),
        ("nina", PROTOCOL, True, NotAllowed, "Your role does not allow you to issue post-treatment protocols."),
    ],
)
def test_a_protocol_refused_leaves_the_case_treated_with_nothing_signed_and_no_follow_up(
    treated, staff, password, who, instructions, pw_ok, error, message
):
    before = written(treated)

    with pytest.raises(error) as refused:
        treatment.issue_protocol(case=treated, by=staff[who], instructions=instructions, password=password if pw_ok else "wrong")

    assert refused.value.message == message.format(code=treated.code)
    assert written(treated) == before


def test_follow_up_assessments_fall_1_3_6_and_12_months_after_the_last_session_clamped_at_month_end(case_at, monkeypatch):
    # The last (only) session is on 31 January 2027, in the clinic's zone.
    moment = dt.datetime(2027, 1, 31, 10, 0, tzinfo=dt.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    case = case_at(Stage.FOLLOW_UP)

    assert list(FollowUpAssessment.objects.filter(case=case).order_by("months_after").values_list("months_after", "due_on")) == [
        (1, dt.date(2027, 2, 28)),
        (3, dt.date(2027, 4, 30)),
        (6, dt.date(2027, 7, 31)),
        (12, dt.date(2028, 1, 31)),
    ]


def test_the_whole_balance_decides_not_the_deposit(case_at, staff):
    # A payment one cent short of the total still counts as an open balance.
    case = case_at(Stage.DEPOSIT_PAID, arrival=clinic_today())
    travel.mark_arrived(case=case, by=staff["lena"], reason="Came early")
    owed = billing_selectors.account(case).outstanding
    billing.record_payment(
        case=case, by=staff["fiona"], amount=owed - Decimal("0.01"), method="card", reference="BAL-short", received_on=clinic_today()
    )

    with pytest.raises(Refusal, match="The balance is still open"):
        session(case, staff)
