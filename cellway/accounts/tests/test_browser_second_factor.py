"""In a real browser: a new member of staff is sent to set up an authenticator app at first sign-in,
signs in with its code, and changes their password; a forgotten password is reset by email."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec

from cellway.accounts.models import User
from cellway.accounts.roles import Role
from cellway.accounts.tests.totp import code_now
from cellway.audit.models import AuditEvent
from cellway.console.tests.browser import (
    PHONE,
    browser,  # noqa: F401 - a fixture
    browser_db,
    messages,
    overflows,
    screenshot,
    type_into,
    visit,
    wait,
    widest_elements,
)

pytestmark = [pytest.mark.browser, browser_db]

FIRST = "rosa-first-password-2026"
SECOND = "rosa-chosen-password-2026"


@pytest.fixture
def rosa(staff):
    person = User.objects.create_user("rosa", email="rosa@cellway.example", password=FIRST, first_name="Rosa", last_name="Lind")
    person.groups.add(Group.objects.get(name=Role.NURSE))
    return person


def send(d: WebDriver, css: str = "main form button[type=submit]") -> None:
    """Submit a full-page (not boosted) form and wait for the next page."""
    old = d.find_element(By.TAG_NAME, "main")
    d.find_element(By.CSS_SELECTOR, css).click()
    wait(d).until(ec.staleness_of(old))
    wait(d).until(lambda drv: drv.execute_script("return document.readyState") == "complete")


def fits_a_phone(d: WebDriver) -> None:
    before = d.get_window_size()
    d.set_window_size(*PHONE)
    try:
        assert not overflows(d), widest_elements(d)
    finally:
        d.set_window_size(before["width"], before["height"])


def password_sign_in(d: WebDriver, live_server, username: str, password: str) -> None:
    visit(d, live_server, "/accounts/login/")
    type_into(d.find_element(By.ID, "id_login"), username)
    type_into(d.find_element(By.ID, "id_password"), password)
    send(d)


def test_a_new_nurse_enrols_an_authenticator_app_signs_in_with_it_and_changes_her_password(
    browser: WebDriver,  # noqa: F811
    live_server,
    rosa,
    settings,
):
    settings.STAFF_MFA = "required"
    d = browser
    visit(d, live_server, "/accounts/login/")
    screenshot(d, "auth-sign-in")
    fits_a_phone(d)
    password_sign_in(d, live_server, "rosa", FIRST)
    secret = enrol_an_authenticator_app(d, live_server)

    # Sign out; signing in again asks for the code after the password.
    send(d, "header form button[type=submit]")
    password_sign_in(d, live_server, "rosa", FIRST)
    assert d.current_url.endswith("/accounts/2fa/authenticate/")
    screenshot(d, "auth-sign-in-code")
    fits_a_phone(d)
    type_into(d.find_element(By.ID, "id_code"), "000000" if code_now(secret, step=1) != "000000" else "111111")
    send(d, "main form button[type=submit]")
    assert "Incorrect code" in d.find_element(By.TAG_NAME, "main").text
    type_into(d.find_element(By.ID, "id_code"), code_now(secret, step=1))
    send(d, "main form button[type=submit]")
    wait(d).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "header.top"), "Rosa Lind"))
    assert "/accounts/" not in d.current_url

    change_own_password(d)
    rosa.refresh_from_db()
    assert rosa.check_password(SECOND)
    actions = set(AuditEvent.objects.filter(actor=rosa).values_list("action", flat=True))
    assert {"auth.signed_in", "auth.second_factor_added", "password.changed"} <= actions
    assert AuditEvent.objects.filter(action="auth.second_factor_failed", target="rosa").count() == 1


def enrol_an_authenticator_app(d: WebDriver, live_server) -> str:
    """From the first sign-in: sent to set up a second factor, does so with an app; returns the app's secret."""
    # Sent to set up a second factor; the console is out of reach until then.
    assert d.current_url.endswith("/accounts/2fa/")
    assert any("set up a second factor" in m for m in messages(d))
    screenshot(d, "auth-enrol-guide")
    visit(d, live_server, "/cases/")
    assert d.current_url.endswith("/accounts/2fa/")

    visit(d, live_server, "/accounts/2fa/totp/activate/")
    secret = d.find_element(By.ID, "authenticator_secret").get_attribute("value")
    assert secret and re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert d.find_element(By.CSS_SELECTOR, "main img").get_attribute("src").startswith("data:image/svg+xml")
    screenshot(d, "auth-enrol-totp")
    fits_a_phone(d)
    type_into(d.find_element(By.ID, "id_code"), code_now(secret))
    send(d)
    # The recovery codes are shown once set up, to keep somewhere safe.
    assert d.current_url.endswith("/accounts/2fa/recovery-codes/")
    screenshot(d, "auth-recovery-codes")
    return secret


def change_own_password(d: WebDriver) -> None:
    """From her name in the header: a common password refused, then her own choice taken."""
    d.find_element(By.CSS_SELECTOR, "header.top a[href='/accounts/password/change/']").click()
    wait(d).until(ec.presence_of_element_located((By.ID, "id_oldpassword")))
    screenshot(d, "auth-password-change")
    fits_a_phone(d)
    type_into(d.find_element(By.ID, "id_oldpassword"), FIRST)
    type_into(d.find_element(By.ID, "id_password1"), "password123")
    type_into(d.find_element(By.ID, "id_password2"), "password123")
    send(d)
    assert "too common" in d.find_element(By.TAG_NAME, "main").text
    type_into(d.find_element(By.ID, "id_oldpassword"), FIRST)
    type_into(d.find_element(By.ID, "id_password1"), SECOND)
    type_into(d.find_element(By.ID, "id_password2"), SECOND)
    send(d)
    assert any("Password successfully changed" in m for m in messages(d))


def test_a_forgotten_password_is_asked_for_by_address(
    browser: WebDriver,  # noqa: F811
    live_server,
    rosa,
    mailoutbox,
):
    d = browser
    visit(d, live_server, "/accounts/login/")
    d.find_element(By.LINK_TEXT, "Forgot your password?").click()
    wait(d).until(ec.presence_of_element_located((By.ID, "id_email")))
    screenshot(d, "auth-password-reset")
    fits_a_phone(d)
    type_into(d.find_element(By.ID, "id_email"), "rosa@cellway.example")
    send(d)
    screenshot(d, "auth-password-reset-sent")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["rosa@cellway.example"]
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mailoutbox[0].body)
    assert link
    d.get(link.group(0))
    wait(d).until(ec.presence_of_element_located((By.ID, "id_password1")))
    screenshot(d, "auth-password-reset-new")
    type_into(d.find_element(By.ID, "id_password1"), SECOND)
    type_into(d.find_element(By.ID, "id_password2"), SECOND)
    send(d)
    rosa.refresh_from_db()
    assert rosa.check_password(SECOND)


def test_a_specialist_signs_a_plan_with_her_password_and_a_code(
    browser: WebDriver,  # noqa: F811
    live_server,
    staff,
    case_at,
    password,
    settings,
):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from cellway.cases.stages import Stage
    from cellway.console.tests.browser import button, case_path, form, stage, submit
    from cellway.demo.journey import PLAN
    from cellway.plans import services as plans

    settings.STAFF_MFA = "required"
    settings.SIGNING_FRESH_SECONDS = 0  # as if her sign-in were older than the freshness window
    secret = generate_totp_secret()
    TOTP.activate(staff["sofia"], secret)
    case = case_at(Stage.REVIEW)
    plans.save_plan(case=case, by=staff["sofia"], **PLAN)

    d = browser
    password_sign_in(d, live_server, "sofia", password)
    sign_in_code = code_now(secret)
    type_into(d.find_element(By.ID, "id_code"), sign_in_code)
    send(d)
    visit(d, live_server, case_path(case))
    signing = form(d, "plan-sign")
    type_into(signing.find_element(By.ID, "plan-password"), password)
    # The sign-in's code again: refused (a code is taken once), nothing signed.
    type_into(signing.find_element(By.ID, "plan-code"), sign_in_code)
    submit(d, button(signing, "Sign and issue the quote"))
    assert "The code is not correct, or was already used; nothing was signed." in messages(d)
    assert stage(d) == "Specialist review"

    signing = form(d, "plan-sign")
    type_into(signing.find_element(By.ID, "plan-password"), password)
    type_into(signing.find_element(By.ID, "plan-code"), code_now(secret, step=1))
    screenshot(d, "auth-sign-plan-two-components")
    submit(d, button(signing, "Sign and issue the quote"))
    assert stage(d) == "Quote proposed"
    assert case.plans.get().signature.signer == staff["sofia"]
