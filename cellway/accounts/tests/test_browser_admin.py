"""The administrator's pages of issue 8 in a real browser: a one-time password and what the person then sees,
a role the administrator asked for themselves and cannot approve, and a signed plan changed behind the clinic's back."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.accounts.models import GrantStatus, RoleGrant, User
from cellway.accounts.roles import Role
from cellway.audit.tests.freeze import freeze_lifted
from cellway.cases.stages import Stage
from cellway.console.tests.browser import (
    browser,  # noqa: F401 - a fixture
    browser_db,
    case_path,
    choose,
    screenshot,
    sign_in,
    submit,
    type_into,
    visit,
)
from cellway.plans.models import PlanStatus, TherapyPlan

pytestmark = [pytest.mark.browser, browser_db]


def error_note(driver: WebDriver) -> str:
    return driver.find_element(By.CSS_SELECTOR, ".errornote").text


def test_an_administrator_sets_a_one_time_password_and_the_person_must_change_it(browser: WebDriver, live_server: Any, staff):  # noqa: F811
    d = browser
    sign_in(d, live_server, "adam")
    visit(d, live_server, f"/admin/accounts/user/{staff['sofia'].pk}/password/")
    assert not d.find_elements(By.CSS_SELECTOR, "input[type=password]")
    screenshot(d, "admin-password")

    one_time_form = d.find_elements(By.CSS_SELECTOR, "form.module")[1]
    type_into(one_time_form.find_element(By.NAME, "reason"), "Locked out on the ward; identity checked by phone call-back")
    submit(d, one_time_form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    one_time = d.find_element(By.ID, "one-time-password").text
    screenshot(d, "admin-one-time-password")
    assert User.objects.get(username="sofia").must_change_password

    d.delete_all_cookies()
    visit(d, live_server, "/signin/")
    d.find_element(By.ID, "id_login").send_keys("sofia")
    d.find_element(By.ID, "id_password").send_keys(one_time)
    submit(d, d.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    assert d.current_url.endswith("/accounts/password/change/")
    assert "choose your own" in d.find_element(By.TAG_NAME, "main").text
    screenshot(d, "password-change-after-one-time")
    d.find_element(By.ID, "id_oldpassword").send_keys(one_time)
    d.find_element(By.ID, "id_password1").send_keys("sofias-own-choice-2026")
    d.find_element(By.ID, "id_password2").send_keys("sofias-own-choice-2026")
    submit(d, d.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    assert "Password successfully changed." in d.find_element(By.TAG_NAME, "main").text
    assert not User.objects.get(username="sofia").must_change_password


def test_an_administrator_asks_for_finance_manager_for_themselves_and_cannot_approve_it(browser: WebDriver, live_server: Any, staff):  # noqa: F811
    d = browser
    sign_in(d, live_server, "adam")
    visit(d, live_server, f"/admin/accounts/user/{staff['adam'].pk}/roles/")
    grant_form = d.find_element(By.CSS_SELECTOR, "form.module")
    choose(grant_form.find_element(By.NAME, "role"), f"{Role.FINANCE_MANAGER} (needs a second administrator)")
    type_into(grant_form.find_element(By.NAME, "reason"), "Month-end closing")
    submit(d, grant_form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "waits for a second administrator" in d.find_element(By.CSS_SELECTOR, ".messagelist").text
    screenshot(d, "admin-roles-pending")

    assert not d.find_elements(By.CSS_SELECTOR, "button[value=approve]")  # not offered to the one who asked
    # A hand-made post (the attack) is refused with the reason, and nothing is granted.
    grant = RoleGrant.objects.get(user=staff["adam"])
    d.execute_script(
        "const f = document.querySelector('input[name=grant]').form;"
        "const b = document.createElement('button'); b.type = 'submit'; b.name = 'action'; b.value = 'approve'; b.id = 'forged';"
        "f.appendChild(b);"
    )
    submit(d, d.find_element(By.ID, "forged"))
    assert "You asked for this grant" in error_note(d)
    screenshot(d, "admin-roles-refused")
    assert RoleGrant.objects.get(pk=grant.pk).status == GrantStatus.PENDING
    assert not staff["adam"].groups.filter(name=Role.FINANCE_MANAGER).exists()


def test_a_signed_plan_changed_behind_the_clinics_back_shows_a_warning(browser: WebDriver, live_server: Any, case_at):  # noqa: F811
    case = case_at(Stage.QUOTED)
    plan = TherapyPlan.objects.get(case=case, status=PlanStatus.SIGNED)
    with freeze_lifted("plans_therapyplan"):
        TherapyPlan.objects.filter(pk=plan.pk).update(cell_dose=plan.cell_dose * 10)
    d = browser
    sign_in(d, live_server, "sofia")
    visit(d, live_server, case_path(case) + "#plan")
    warning = d.find_element(By.CSS_SELECTOR, "#plan .signature-broken")
    assert "not what Sofia Marković signed" in warning.text and warning.is_displayed()
    screenshot(d, "plan-signature-broken")
