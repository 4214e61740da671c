"""Rule 3: the assigned specialist writes and signs the therapy plan; the quote follows from it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cellway.audit.signatures import Signature
from cellway.billing.models import PriceList, Quote, QuoteStatus
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.journey import PLAN
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.plans import selectors as plans_selectors
from cellway.plans import services as plans
from cellway.plans.models import PlanStatus, TherapyPlan


def written(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    plan_rows = tuple(TherapyPlan.objects.filter(case=case).order_by("version").values_list("version", "status", "cell_dose"))
    return (fresh.stage, fresh.version, fresh.events.count(), plan_rows, Quote.objects.filter(case=case).count(), Signature.objects.count())


@pytest.fixture
def review(case_at):
    return case_at(Stage.REVIEW)


@pytest.fixture
def draft(review, staff):
    return plans.save_plan(case=review, by=staff["sofia"], **PLAN)


def test_the_assigned_specialist_saves_a_draft_plan_with_every_number_of_the_therapy(review, staff):
    plan = plans.save_plan(case=review, by=staff["sofia"], **PLAN)

    assert (plan.version, plan.status, plan.written_by) == (1, PlanStatus.DRAFT, staff["sofia"])
    assert {f: getattr(plan, f) for f in PLAN} == PLAN
    assert plan.routes == ["intravenous", "intrathecal"]
    assert review.events.first().kind == "plan.saved"


def test_saving_again_updates_the_same_draft(draft, review, staff):
    again = plans.save_plan(case=review, by=staff["sofia"], cell_dose=150_000_000)

    assert again.pk == draft.pk
    assert (again.cell_dose, again.iv_infusions) == (150_000_000, PLAN["iv_infusions"])
    assert TherapyPlan.objects.filter(case=review).count() == 1


def test_a_specialist_who_is_not_assigned_cannot_write_the_plan(review, staff):
    before = written(review)

    with pytest.raises(NotAllowed) as refused:
        plans.save_plan(case=review, by=staff["daniel"], **PLAN)

    assert refused.value.message == f"Only the specialist assigned to {review.code} may write its plan."
    assert written(review) == before


@pytest.mark.parametrize("who", ["liam", "fiona", "nina"])
def test_only_a_specialist_may_write_a_plan(review, staff, who):
    before = written(review)

    with pytest.raises(NotAllowed) as refused:
        plans.save_plan(case=review, by=staff[who], **PLAN)

    assert refused.value.message == "Your role does not allow you to write therapy plans."
    assert written(review) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"iv_infusions": 0, "it_infusions": 0}, "A plan gives cells by at least one route: add intravenous or intrathecal infusions."),
        ({"schedule": "  "}, "Write the schedule: which infusion or session on which treatment day."),
        ({"hospital_room_days": 6, "treatment_days": 5}, "Hospital-room days cannot exceed the treatment days."),
    ],
)
def test_a_plan_that_does_not_hold_together_is_refused_and_nothing_is_written(review, staff, change, message):
    before = written(review)

    with pytest.raises(Refusal) as refused:
        plans.save_plan(case=review, by=staff["sofia"], **{**PLAN, **change})

    assert refused.value.message == message
    assert written(review) == before


def test_a_field_that_is_not_part_of_a_plan_is_refused(review, staff):
    with pytest.raises(TypeError, match="Unknown plan fields: \\['price'\\]"):
        plans.save_plan(case=review, by=staff["sofia"], price=Decimal("1000"))


def test_a_plan_cannot_be_written_once_the_case_has_left_review(case_at, staff):
    case = case_at(Stage.QUOTED)
    before = written(case)

    with pytest.raises(StageConflict) as refused:
        plans.save_plan(case=case, by=staff["sofia"], **PLAN)

    assert refused.value.message.startswith(f"Cannot write the plan: {case.code} is now 'Quote proposed'")
    assert written(case) == before


def test_signing_the_plan_signs_it_and_issues_the_quote_priced_from_it(draft, review, staff, password):
    plan = plans.sign_plan(plan=draft, by=staff["sofia"], password=password)

    assert plan.status == PlanStatus.SIGNED
    assert (plan.signature.signer, plan.signature.meaning) == (staff["sofia"], "approved therapy plan")
    quote = Quote.objects.get(case=review)
    assert (quote.version, quote.status, quote.plan, quote.package_tier) == (1, QuoteStatus.ISSUED, plan, "inclusive")
    assert (quote.total, quote.deposit, quote.currency) == (Decimal("15260.00"), Decimal("4578.00"), "EUR")
    assert (quote.adjustment, quote.adjustment_reason) == (Decimal(0), "")
    assert Case.objects.get(pk=review.pk).stage == Stage.QUOTED
    assert [e.kind for e in review.events.all()[:2]] == ["stage", "plan.signed"]


def test_an_essential_plan_is_quoted_without_airport_transfer_and_accommodation(review, staff, password):
    plan = plans.save_plan(case=review, by=staff["sofia"], **{**PLAN, "package_tier": "essential"})

    plans.sign_plan(plan=plan, by=staff["sofia"], password=password)

    quote = Quote.objects.get(case=review)
    codes = [line["code"] for line in quote.lines]
    assert "airport_transfer" not in codes and "accommodation" not in codes
    assert quote.total == Decimal("15260.00") - Decimal("150.00") - Decimal("720.00")


def test_a_wrong_password_signs_nothing_and_issues_no_quote(draft, review, staff):
    before = written(review)

    with pytest.raises(Refusal) as refused:
        plans.sign_plan(plan=draft, by=staff["sofia"], password="wrong")

    assert refused.value.message == "The password is not correct; nothing was signed."
    assert written(review) == before
    assert TherapyPlan.objects.get(pk=draft.pk).signature is None


def test_a_specialist_who_is_not_assigned_cannot_sign_the_plan(draft, review, staff, password):
    before = written(review)

    with pytest.raises(NotAllowed) as refused:
        plans.sign_plan(plan=draft, by=staff["daniel"], password=password)

    assert refused.value.message == f"Only the specialist assigned to {review.code} may sign its plan."
    assert written(review) == before


def test_without_an_active_price_list_the_signature_is_undone_with_the_quote(draft, review, staff, password):
    # The only version takes effect next month: none is in force today.
    PriceList.objects.update(effective_from=clinic_today() + dt.timedelta(days=30))
    before = written(review)

    with pytest.raises(Refusal) as refused:
        plans.sign_plan(plan=draft, by=staff["sofia"], password=password)

    assert refused.value.message == "The clinic has no active price list; a clinic administrator must set one first."
    assert written(review) == before


def test_the_plan_is_revised_with_a_reason_and_the_new_version_supersedes_plan_and_quote(case_at, staff, password):
    case = case_at(Stage.QUOTED)

    plans.revise_plan(case=case, by=staff["sofia"], reason="Patient asks for fewer nights")
    assert Case.objects.get(pk=case.pk).stage == Stage.REVIEW
    v2 = plans.save_plan(case=case, by=staff["sofia"], **{**PLAN, "stay_nights": 6})
    plans.sign_plan(plan=v2, by=staff["sofia"], password=password)

    assert list(TherapyPlan.objects.filter(case=case).order_by("version").values_list("version", "status")) == [
        (1, PlanStatus.SUPERSEDED),
        (2, PlanStatus.SIGNED),
    ]
    assert list(Quote.objects.filter(case=case).order_by("version").values_list("version", "status", "total")) == [
        (1, QuoteStatus.SUPERSEDED, Decimal("15260.00")),
        (2, QuoteStatus.ISSUED, Decimal("15080.00")),
    ]
    assert plans_selectors.current_plan(case) == v2


def test_revising_a_plan_needs_a_reason_and_the_assigned_specialist(case_at, staff):
    case = case_at(Stage.QUOTED)
    before = written(case)

    with pytest.raises(Refusal) as refused:
        plans.revise_plan(case=case, by=staff["sofia"], reason="")
    assert refused.value.message == "Say why the plan is being revised."
    with pytest.raises(NotAllowed) as refused:
        plans.revise_plan(case=case, by=staff["daniel"], reason="Second opinion")
    assert refused.value.message == f"Only the specialist assigned to {case.code} may revise its plan."
    assert written(case) == before


def test_a_cell_dose_out_of_range_is_refused_with_the_field_named_and_no_draft_written(case_at, staff):
    case = case_at(Stage.REVIEW)
    with pytest.raises(Refusal) as refused:
        plans.save_plan(case=case, by=staff["sofia"], **{**PLAN, "cell_dose": 500})
    assert refused.value.message.startswith("The plan cannot be saved. Cell dose (wjmscs):")
    assert not TherapyPlan.objects.filter(case=case).exists()
