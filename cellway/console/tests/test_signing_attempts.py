"""Signing asks the password again (21 CFR Part 11 §11.200): a wrong one counts towards the sign-in lockout and is on the trail;
a one-time password set by an administrator signs nothing."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from cellway.accounts import services as accounts
from cellway.audit.models import AuditEvent
from cellway.audit.signatures import Signature
from cellway.cases.stages import Stage
from cellway.demo.journey import PLAN
from cellway.errors import Refusal
from cellway.plans import services as plans
from cellway.plans.models import PlanStatus, TherapyPlan


@pytest.fixture
def draft(case_at, staff):
    case = case_at(Stage.REVIEW)
    return plans.save_plan(case=case, by=staff["sofia"], **PLAN)


def sign_url(plan: TherapyPlan) -> str:
    return reverse("console:act-plan-sign", args=[plan.case.uuid])


def test_wrong_passwords_at_signing_lock_signing_and_signing_in_and_each_is_on_the_trail(as_user, draft, staff, password, settings):
    client = as_user("sofia")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(sign_url(draft), {"password": f"guess-{attempt}"})
        assert response.status_code in (422, 429)
    assert response.status_code == 429  # the last one locks: django-axes' pause page
    failed = AuditEvent.objects.filter(action="signature.failed", target="sofia")
    assert failed.count() == settings.AXES_FAILURE_LIMIT
    assert failed.first().actor == staff["sofia"] and failed.first().data["meaning"] == "approved therapy plan"
    assert not any("guess-" in str(row.data) for row in failed)

    refused = client.post(sign_url(draft), {"password": password})
    assert refused.status_code == 429
    assert TherapyPlan.objects.get(pk=draft.pk).status == PlanStatus.DRAFT and not Signature.objects.exists()

    client.logout()
    assert client.post(reverse("account_login"), {"login": "sofia", "password": password}).status_code == 429


def test_a_wrong_password_at_signing_is_a_failed_attempt_for_django_axes(draft, staff):
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    request.user = staff["sofia"]
    with pytest.raises(Refusal, match="The password is not correct"):
        plans.sign_plan(plan=draft, by=staff["sofia"], password="guess", request=request)
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("sofia", "203.0.113.9", 1)
    assert AuditEvent.objects.filter(action="signature.failed", actor=staff["sofia"], data__ip="203.0.113.9").exists()


def test_while_locked_out_even_the_right_password_signs_nothing(draft, staff, password, settings):
    def request():
        r = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
        r.user = staff["sofia"]
        return r

    for _ in range(settings.AXES_FAILURE_LIMIT):
        with pytest.raises(Refusal):
            plans.sign_plan(plan=draft, by=staff["sofia"], password="guess", request=request())
    with pytest.raises(Refusal, match="paused"):
        plans.sign_plan(plan=draft, by=staff["sofia"], password=password, request=request())
    assert TherapyPlan.objects.get(pk=draft.pk).signature is None


def test_a_one_time_password_signs_nothing_through_the_service(draft, staff):
    one_time = accounts.set_one_time_password(user=staff["sofia"], by=staff["adam"], reason="forgot it")
    sofia = type(staff["sofia"]).objects.get(pk=staff["sofia"].pk)
    with pytest.raises(Refusal, match="set by an administrator"):
        plans.sign_plan(plan=draft, by=sofia, password=one_time)
    assert TherapyPlan.objects.get(pk=draft.pk).status == PlanStatus.DRAFT and not Signature.objects.exists()
    row = AuditEvent.objects.get(action="signature.refused")
    assert row.actor == sofia and "one-time password" in row.reason


def test_a_one_time_password_signs_nothing_through_the_page(client, draft, staff):
    one_time = accounts.set_one_time_password(user=staff["sofia"], by=staff["adam"], reason="forgot it")
    assert client.post(reverse("account_login"), {"login": "sofia", "password": one_time}).status_code == 302
    response = client.post(sign_url(draft), {"password": one_time})
    assert response.status_code == 302 and response["Location"] == reverse("account_change_password")
    assert TherapyPlan.objects.get(pk=draft.pk).status == PlanStatus.DRAFT and not Signature.objects.exists()


def test_the_right_password_still_signs_through_the_page(as_user, draft, password):
    response = as_user("sofia").post(sign_url(draft), {"password": password})
    assert response.status_code == 302
    assert TherapyPlan.objects.get(pk=draft.pk).status == PlanStatus.SIGNED
    assert not AuditEvent.objects.filter(action="signature.failed").exists()
