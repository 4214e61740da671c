"""Signed content is frozen (the database refuses a change) and its digest is checked whenever it is shown:
a row changed around the freeze shows a warning and goes on the trail (21 CFR Part 11 §11.70)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from cellway.audit.models import AuditEvent
from cellway.audit.tests.freeze import freeze_lifted
from cellway.billing import services as billing
from cellway.billing.models import BalanceOverride
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.plans.models import PlanStatus, ScreeningResult, TherapyPlan, Verdict
from cellway.travel import services as travel
from cellway.treatment.models import PostTreatmentProtocol


def refused(change) -> bool:
    try:
        with transaction.atomic():
            change()
    except DatabaseError as error:
        return "signed content cannot change" in str(error)
    return False


@pytest.fixture
def quoted(case_at):
    return case_at(Stage.QUOTED)


def signed_plan(case: Case) -> TherapyPlan:
    return TherapyPlan.objects.get(case=case, status=PlanStatus.SIGNED)


def test_a_signed_plans_content_cannot_be_changed_or_deleted_even_by_a_bulk_update(quoted):
    plan = signed_plan(quoted)
    assert refused(lambda: TherapyPlan.objects.filter(pk=plan.pk).update(cell_dose=999_000_000))
    assert refused(lambda: TherapyPlan.objects.filter(pk=plan.pk).update(schedule="anything"))
    assert refused(lambda: TherapyPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.DRAFT))
    with connection.cursor() as cursor:
        assert refused(lambda: cursor.execute("UPDATE plans_therapyplan SET notes = 'x' WHERE id = %s", [plan.pk]))
        assert refused(lambda: cursor.execute("DELETE FROM plans_therapyplan WHERE id = %s", [plan.pk]))
    assert signed_plan(quoted).cell_dose == plan.cell_dose


def test_a_signed_plan_is_only_superseded_and_a_draft_stays_editable(quoted):
    plan = signed_plan(quoted)
    TherapyPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.SUPERSEDED)
    assert refused(lambda: TherapyPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.SIGNED))


def test_a_judged_screening_an_issued_protocol_and_an_override_are_frozen(case_at, staff, password):
    cleared = case_at(Stage.CLEARED)
    result = ScreeningResult.objects.get(case=cleared, verdict=Verdict.SATISFACTORY)
    assert refused(lambda: ScreeningResult.objects.filter(pk=result.pk).update(markers="CEA 99 ng/mL"))
    assert refused(lambda: ScreeningResult.objects.filter(pk=result.pk).update(verdict=Verdict.UNSATISFACTORY))

    following = case_at(Stage.FOLLOW_UP)
    assert refused(lambda: PostTreatmentProtocol.objects.filter(case=following).update(instructions="nothing"))

    owing = case_at(Stage.DEPOSIT_PAID, arrival=clinic_today())
    travel.mark_arrived(case=owing, by=staff["lena"], reason="Came early")
    override = billing.grant_balance_override(case=owing, by=staff["marcus"], reason="Wire on its way", password=password)
    assert refused(lambda: BalanceOverride.objects.filter(pk=override.pk).update(reason="no reason"))


def test_a_plan_changed_around_the_freeze_shows_a_warning_and_is_on_the_trail_once(as_user, quoted, staff):
    plan = signed_plan(quoted)
    url = reverse("console:case", args=[quoted.uuid])
    assert "is not what" not in as_user("sofia").get(url).text

    with freeze_lifted("plans_therapyplan"):
        TherapyPlan.objects.filter(pk=plan.pk).update(cell_dose=plan.cell_dose * 10)

    page = as_user("sofia").get(url)
    assert page.status_code == 200
    assert "Warning: this plan is not what Sofia Marković signed" in page.text
    row = AuditEvent.objects.get(action="signature.mismatch")
    assert (row.actor, row.target, row.data["signed"]) == (staff["sofia"], f"plan:{plan.uuid}", plan.signature.digest)
    as_user("liam").get(url)
    assert AuditEvent.objects.filter(action="signature.mismatch").count() == 1  # one row an hour per signature


def test_a_protocol_changed_around_the_freeze_is_flagged_on_its_document_and_panel(as_user, case_at):
    case = case_at(Stage.FOLLOW_UP)
    with freeze_lifted("treatment_posttreatmentprotocol"):
        PostTreatmentProtocol.objects.filter(case=case).update(instructions="Stop all medication at once and rest for a year.")

    document = as_user("nina").get(reverse("console:protocol", args=[case.uuid]))
    assert "This document does not match what was signed." in document.text and "Signed electronically" not in document.text
    assert "Warning: this protocol is not what" in as_user("nina").get(reverse("console:case", args=[case.uuid])).text
    assert AuditEvent.objects.filter(action="signature.mismatch", target=f"protocol:{case.uuid}").exists()


def test_a_verdict_changed_around_the_freeze_is_flagged_on_the_screening_panel(as_user, case_at):
    case = case_at(Stage.CLEARED)
    with freeze_lifted("plans_screeningresult"):
        ScreeningResult.objects.filter(case=case).update(markers="CA 19-9 412 U/mL")
    page = as_user("liam").get(reverse("console:case", args=[case.uuid]))
    assert "Warning: this verdict is not what" in page.text


def test_an_untouched_signed_plan_shows_its_signature(as_user, quoted):
    page = as_user("sofia").get(reverse("console:case", args=[quoted.uuid]))
    assert "approved therapy plan" in page.text and "signature-broken" not in page.text
    assert not AuditEvent.objects.filter(action="signature.mismatch").exists()
