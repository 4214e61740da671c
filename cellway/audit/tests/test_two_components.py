"""§11.200(a)(1): signing asks for the password and the second factor's code unless the session showed the factor lately."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse

from cellway.accounts.tests.totp import code_now
from cellway.audit.signatures import Signature
from cellway.audit.two_components import signing_needs_code
from cellway.cases.stages import Stage
from cellway.demo.journey import PLAN
from cellway.errors import Refusal
from cellway.plans import services as plans
from cellway.plans.models import PlanStatus, TherapyPlan


@pytest.fixture
def draft(case_at, staff):
    return plans.save_plan(case=case_at(Stage.REVIEW), by=staff["sofia"], **PLAN)


@pytest.fixture
def sofia_secret(staff, settings):
    settings.STAFF_MFA = "required"
    secret = generate_totp_secret()
    TOTP.activate(staff["sofia"], secret)
    return secret


def nothing_signed(plan):
    # The case walker signs nothing before review; only this plan's signature could exist.
    return TherapyPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT and not Signature.objects.exists()


def test_without_a_recent_second_factor_the_password_alone_signs_nothing(draft, staff, password, sofia_secret):
    with pytest.raises(Refusal) as refused:
        plans.sign_plan(plan=draft, by=staff["sofia"], password=password)
    assert "enter the code from your authenticator app as well as your password" in refused.value.message
    assert nothing_signed(draft)


def test_a_wrong_code_signs_nothing(draft, staff, password, sofia_secret):
    wrong = "000000" if code_now(sofia_secret) != "000000" else "111111"
    with pytest.raises(Refusal) as refused:
        plans.sign_plan(plan=draft, by=staff["sofia"], password=password, second_factor=wrong)
    assert refused.value.message == "The code is not correct, or was already used; nothing was signed."
    assert nothing_signed(draft)


def test_the_wrong_password_with_the_right_code_signs_nothing(draft, staff, sofia_secret):
    with pytest.raises(Refusal, match="password is not correct"):
        plans.sign_plan(plan=draft, by=staff["sofia"], password="not-hers-at-all", second_factor=code_now(sofia_secret))
    assert nothing_signed(draft)


def test_password_and_code_sign_and_the_same_code_is_not_taken_twice(draft, case_at, staff, password, sofia_secret):
    code = code_now(sofia_secret)
    plan = plans.sign_plan(plan=draft, by=staff["sofia"], password=password, second_factor=code)
    assert plan.status == PlanStatus.SIGNED and plan.signature.signer == staff["sofia"]

    another = plans.save_plan(case=case_at(Stage.REVIEW), by=staff["sofia"], **PLAN)
    with pytest.raises(Refusal, match="already used"):
        plans.sign_plan(plan=another, by=staff["sofia"], password=password, second_factor=code)
    assert TherapyPlan.objects.get(pk=another.pk).status == PlanStatus.DRAFT


def test_a_recovery_code_is_a_second_component_once(draft, staff, password, sofia_secret):
    codes = RecoveryCodes.activate(staff["sofia"]).get_unused_codes()
    plan = plans.sign_plan(plan=draft, by=staff["sofia"], password=password, second_factor=codes[0])
    assert plan.status == PlanStatus.SIGNED


def test_a_session_that_showed_the_second_factor_lately_signs_with_the_password(draft, staff, password, sofia_secret, settings):
    sofia = staff["sofia"]
    sofia.second_factor_at = time.time() - settings.SIGNING_FRESH_SECONDS + 30
    assert not signing_needs_code(sofia)
    assert plans.sign_plan(plan=draft, by=sofia, password=password).status == PlanStatus.SIGNED

    sofia.second_factor_at = time.time() - settings.SIGNING_FRESH_SECONDS - 1
    assert signing_needs_code(sofia), "no longer fresh"


def test_with_mfa_required_a_person_without_a_second_factor_cannot_sign(draft, staff, password, settings):
    settings.STAFF_MFA = "required"
    with pytest.raises(Refusal, match="Set up a second factor"):
        plans.sign_plan(plan=draft, by=staff["sofia"], password=password)
    assert nothing_signed(draft)


def test_with_mfa_off_a_person_without_a_second_factor_signs_with_the_password(draft, staff, password):
    assert plans.sign_plan(plan=draft, by=staff["sofia"], password=password).status == PlanStatus.SIGNED


def test_the_signing_form_asks_for_the_code_only_when_needed(client, draft, staff, password, sofia_secret):
    url = reverse("console:case", args=[draft.case.uuid])
    # Signed in with password and code just now: the code is not asked again.
    client.post(reverse("account_login"), {"login": "sofia", "password": password})
    client.post(reverse("mfa_authenticate"), {"code": code_now(sofia_secret)})
    page = client.get(url)
    assert page.status_code == 200 and 'id="plan-password"' in page.text and 'id="plan-code"' not in page.text
    assert "no-store" in page["Cache-Control"]

    # A session that never showed the factor (e.g. older than the freshness window): asked, and refused without it.
    client = Client()
    client.force_login(staff["sofia"])
    page = client.get(url)
    assert 'id="plan-code"' in page.text
    refused = client.post(reverse("console:act-plan-sign", args=[draft.case.uuid]), {"password": password})
    assert refused.status_code == 422 and "as well as your password" in refused.text
    assert nothing_signed(draft)
    # The app's code was spent on the sign-in above (within the same 30 seconds it is refused again): a recovery code.
    recovery = RecoveryCodes.activate(staff["sofia"]).get_unused_codes()[0]
    done = client.post(reverse("console:act-plan-sign", args=[draft.case.uuid]), {"password": password, "code": recovery})
    assert done.status_code == 302
    assert TherapyPlan.objects.get(pk=draft.pk).status == PlanStatus.SIGNED


# --- The code goes through the same door as the password (audit.services.verify_signer) -----------------


def _request(staff):
    from django.test import RequestFactory

    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    request.user = staff["sofia"]
    return request


def _wrong(secret):
    return "000000" if code_now(secret) != "000000" else "111111"


def test_a_wrong_code_is_a_failed_signing_attempt_on_the_trail_and_for_django_axes(draft, staff, password, sofia_secret):
    from axes.models import AccessAttempt

    from cellway.audit.models import AuditEvent

    with pytest.raises(Refusal, match="code is not correct"):
        plans.sign_plan(plan=draft, by=staff["sofia"], password=password, second_factor=_wrong(sofia_secret), request=_request(staff))
    assert nothing_signed(draft)
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("sofia", "203.0.113.7", 1)
    row = AuditEvent.objects.get(action="signature.failed")
    assert row.actor == staff["sofia"] and row.target == "sofia"
    assert row.data["failed"] == "second factor" and row.data["meaning"] == "approved therapy plan" and row.data["ip"] == "203.0.113.7"
    assert _wrong(sofia_secret) not in str(row.data)


def test_wrong_codes_pause_signing_like_wrong_passwords(draft, staff, password, sofia_secret, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        with pytest.raises(Refusal, match="code is not correct"):
            plans.sign_plan(plan=draft, by=staff["sofia"], password=password, second_factor=_wrong(sofia_secret), request=_request(staff))
    with pytest.raises(Refusal, match="paused"):
        plans.sign_plan(plan=draft, by=staff["sofia"], password=password, second_factor=_wrong(sofia_secret), request=_request(staff))
    # Paused: now even the right password and a right code sign nothing.
    with pytest.raises(Refusal, match="paused"):
        plans.sign_plan(plan=draft, by=staff["sofia"], password=password, second_factor=code_now(sofia_secret), request=_request(staff))
    assert nothing_signed(draft)


def test_a_wrong_code_without_a_request_is_still_on_the_trail(draft, staff, password, sofia_secret):
    from cellway.audit.models import AuditEvent

    with pytest.raises(Refusal, match="code is not correct"):
        plans.sign_plan(plan=draft, by=staff["sofia"], password=password, second_factor=_wrong(sofia_secret))
    assert AuditEvent.objects.get(action="signature.failed").data == {"meaning": "approved therapy plan", "failed": "second factor"}


def test_a_one_time_password_is_refused_before_the_code_is_spent(draft, staff, password, sofia_secret):
    from cellway.accounts import services as accounts

    one_time = accounts.set_one_time_password(user=staff["sofia"], by=staff["adam"], reason="forgot it")
    sofia = type(staff["sofia"]).objects.get(pk=staff["sofia"].pk)
    codes = RecoveryCodes.activate(sofia)
    code = codes.get_unused_codes()[0]
    with pytest.raises(Refusal, match="set by an administrator"):
        plans.sign_plan(plan=draft, by=sofia, password=one_time, second_factor=code, request=_request(staff))
    assert nothing_signed(draft)
    assert code in RecoveryCodes(codes.instance.__class__.objects.get(pk=codes.instance.pk)).get_unused_codes()


@pytest.mark.parametrize("how", ["app", "recovery", "fresh"])
def test_the_signature_records_what_was_verified(draft, staff, password, sofia_secret, settings, how):
    sofia = staff["sofia"]
    code = ""
    if how == "app":
        code = code_now(sofia_secret)
    elif how == "recovery":
        code = RecoveryCodes.activate(sofia).get_unused_codes()[0]
    else:
        sofia.second_factor_at = time.time()
    plan = plans.sign_plan(plan=draft, by=sofia, password=password, second_factor=code, request=_request(staff))
    expected = {
        "app": "password, authenticator code",
        "recovery": "password, recovery code",
        "fresh": "password, second factor shown in this session",
    }
    assert Signature.objects.get(pk=plan.signature_id).components == expected[how]


def test_without_a_second_factor_where_none_is_required_the_signature_says_password(draft, staff, password):
    plan = plans.sign_plan(plan=draft, by=staff["sofia"], password=password)
    assert Signature.objects.get(pk=plan.signature_id).components == "password"


@pytest.mark.parametrize("form", ["judge", "override", "protocol"])
def test_every_signing_form_carries_the_code(form):
    from cellway.console.billing.forms import OverrideForm
    from cellway.console.plans.forms import JudgeForm
    from cellway.console.treatment.forms import ProtocolForm

    form_class = {"judge": JudgeForm, "override": OverrideForm, "protocol": ProtocolForm}[form]
    assert "code" in form_class.base_fields and not form_class.base_fields["code"].required
