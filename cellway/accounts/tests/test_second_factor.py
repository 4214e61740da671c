"""The second factor for staff (django-allauth's MFA): enrolment at first sign-in, signing in with a code,
wrong and replayed codes, and the admin site's door."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from cellway.accounts.tests.totp import code_now
from cellway.audit.models import AuditEvent


@pytest.fixture
def mfa_required(settings):
    settings.STAFF_MFA = "required"


def sign_in_with_password(client, username, password):
    return client.post(reverse("account_login"), {"login": username, "password": password})


# Transactional: allauth records the new factor (trail row, mail to the person) when the request's transaction commits.
@pytest.mark.django_db(transaction=True)
def test_a_new_staff_member_must_set_up_a_second_factor_before_anything_else(client, staff, password, mfa_required, mailoutbox):
    response = sign_in_with_password(client, "liam", password)
    assert response.status_code == 302
    home = client.get(reverse("console:home"))
    assert home.status_code == 302 and home.url == reverse("mfa_index")
    # An htmx request is sent there as a whole page, not swapped into a panel.
    boosted = client.get(reverse("console:cases"), HTTP_HX_REQUEST="true")
    assert boosted.status_code == 204 and boosted["HX-Redirect"] == reverse("mfa_index")
    guide = client.get(reverse("mfa_index")).text
    assert "set up a second factor" in guide
    assert 'aria-label="Main"' not in guide, "no menu whose every link leads back here"

    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.text) or re.search(
        r'value="([A-Z2-7]{32})"', page.text
    )
    assert secret, "the secret is shown for typing into an app"
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000" if code_now(secret.group(1)) != "000000" else "111111"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.text
    assert not Authenticator.objects.filter(user=staff["liam"]).exists()

    done = client.post(reverse("mfa_activate_totp"), {"code": code_now(secret.group(1))})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=staff["liam"], type=Authenticator.Type.TOTP).exists()
    assert AuditEvent.objects.filter(action="auth.second_factor_added", actor=staff["liam"], data__type="totp").exists()
    assert [m.to for m in mailoutbox] == [[staff["liam"].email]], "the person is told a factor was added"
    home = client.get(reverse("console:home"))
    assert home.status_code == 200 and 'aria-label="Main"' in home.text


def test_with_mfa_off_or_optional_nobody_is_sent_to_enrol(as_user, settings):
    for policy in ("off", "optional"):
        settings.STAFF_MFA = policy
        assert as_user("liam").get(reverse("console:home")).status_code == 200


def test_a_person_without_a_role_is_not_staff_and_is_not_sent_to_enrol(as_user, mfa_required):
    assert as_user("outsider").get(reverse("console:home")).status_code == 200


@pytest.fixture
def nina_with_totp(staff):
    secret = generate_totp_secret()
    TOTP.activate(staff["nina"], secret)
    return secret


def test_signing_in_asks_for_the_code_after_the_password(client, staff, password, nina_with_totp, mfa_required):
    response = sign_in_with_password(client, "nina", password)
    assert response.status_code == 302 and response.url == reverse("mfa_authenticate")
    assert client.get(reverse("console:home")).status_code == 302, "not signed in before the code"

    wrong = client.post(reverse("mfa_authenticate"), {"code": "12345"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.text
    failed = AuditEvent.objects.get(action="auth.second_factor_failed")
    assert failed.target == "nina" and "12345" not in str(failed.data)
    assert not AuditEvent.objects.filter(action="auth.signed_in").exists()

    code = code_now(nina_with_totp)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.get(reverse("console:home")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.signed_in", actor=staff["nina"]).count() == 1

    # The same code again, in another sign-in: refused (replay).
    client.post(reverse("account_logout"))
    sign_in_with_password(client, "nina", password)
    replay = client.post(reverse("mfa_authenticate"), {"code": code})
    assert replay.status_code == 200 and "Incorrect code" in replay.text
    assert AuditEvent.objects.filter(action="auth.signed_in", actor=staff["nina"]).count() == 1


def test_a_recovery_code_signs_in_once(client, staff, password, nina_with_totp, mfa_required):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes.activate(staff["nina"]).get_unused_codes()
    sign_in_with_password(client, "nina", password)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    client.post(reverse("account_logout"))
    sign_in_with_password(client, "nina", password)
    assert "Incorrect code" in client.post(reverse("mfa_authenticate"), {"code": codes[0]}).text


def test_the_admin_site_signs_in_through_the_same_door(client, db):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login")) and "next=%2Fadmin%2F" in response.url


def test_the_old_sign_in_address_still_works(client, db):
    response = client.get("/signin/?next=/cases/")
    assert response.status_code == 302 and response.url == reverse("account_login") + "?next=/cases/"


def test_a_passkey_can_be_added_during_enrolment_with_allauths_own_scripts(client, staff, password, mfa_required):
    sign_in_with_password(client, "liam", password)
    page = client.get(reverse("mfa_add_webauthn"))
    assert page.status_code == 200
    # Served by Cellway itself (CSP script-src 'self'), no inline script.
    assert "/static/mfa/js/webauthn.js" in page.text
    assert "<script>" not in page.text


def test_a_one_time_password_is_replaced_first_then_the_second_factor_set_up(client, staff, mfa_required):
    from cellway.accounts import services as accounts
    from cellway.accounts.models import User

    one_time = accounts.set_one_time_password(user=staff["liam"], by=staff["adam"], reason="forgot it; called back")
    assert sign_in_with_password(client, "liam", one_time).status_code == 302
    # First the password (no loop between the two pages): the change page itself answers.
    home = client.get(reverse("console:home"))
    assert home.status_code == 302 and home.url == reverse("account_change_password")
    assert client.get(reverse("mfa_index")).url == reverse("account_change_password")
    assert client.get(reverse("account_change_password")).status_code == 200
    own = "liams-own-choice-61"
    changed = client.post(reverse("account_change_password"), {"oldpassword": one_time, "password1": own, "password2": own})
    assert changed.status_code == 302 and not User.objects.get(username="liam").must_change_password
    assert AuditEvent.objects.filter(action="password.one_time_replaced", actor__username="liam").count() == 1
    # Then the second factor.
    assert client.get(reverse("console:home")).url == reverse("mfa_index")
