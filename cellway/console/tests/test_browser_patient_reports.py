"""Reports from home in a real browser: the nurse sees the navigation's count, opens the list, reviews a report as not
an adverse event with a note, and the list shows who reviewed it and when; both pages fit a phone's width."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.console.tests.browser import (
    PHONE,
    browser,  # noqa: F401 - a fixture
    browser_db,
    button,
    follow,
    messages,
    overflows,
    screenshot,
    sign_in,
    submit,
    type_into,
    visit,
    widest_elements,
)
from cellway.portal import services
from cellway.portal.models import PatientReport

pytestmark = [pytest.mark.browser, browser_db]


def _fits_a_phone(d: WebDriver, live_server: Any, path: str) -> None:
    before = d.get_window_size()
    d.set_window_size(*PHONE)
    try:
        visit(d, live_server, path)
        assert not overflows(d), widest_elements(d)
    finally:
        d.set_window_size(before["width"], before["height"])


def test_a_nurse_reviews_a_report_from_home(browser: WebDriver, live_server: Any, staff: dict[str, Any], case_at: Any) -> None:  # noqa: F811
    d = browser
    case = case_at(Stage.FOLLOW_UP)
    grant = services.invite_patient(case=case, by=staff["carla"])
    report = services.report_symptom(
        grant=grant,
        kind="relapse",
        started_on=clinic_today(),
        description="My left leg went numb again this morning, and walking is harder.",
    )
    services.report_symptom(grant=grant, kind="symptom", started_on=clinic_today(), description="Headaches since the weekend.")

    sign_in(d, live_server, "nina")
    badge = d.find_element(By.ID, "reports-waiting")
    assert badge.text == "2 new"
    follow(d, d.find_element(By.XPATH, "//nav//a[contains(., 'Reports from home')]"))
    rows = d.find_elements(By.CSS_SELECTOR, "#reports tbody tr")
    assert len(rows) == 2 and all("New" in r.text for r in rows) and case.code in rows[0].text
    screenshot(d, "reports-from-home")
    _fits_a_phone(d, live_server, "/outcomes/reports-from-home/")

    follow(d, d.find_element(By.CSS_SELECTOR, f"#report-{report.uuid} a[href*='{report.uuid}']"))
    assert "numb again" in d.find_element(By.ID, "report").text
    screenshot(d, "report-from-home")
    _fits_a_phone(d, live_server, f"/outcomes/reports-from-home/{report.uuid}/")
    review = d.find_element(By.ID, "review")
    review.find_element(By.CSS_SELECTOR, "input[name=decision][value=not_adverse_event]").click()
    type_into(review.find_element(By.NAME, "note"), "Called her: a pseudo-relapse with a cold, settling. Seen again at 3 months.")
    submit(d, button(review, "Save the review"))
    assert any("judged not an adverse event" in m for m in messages(d))
    assert d.find_element(By.ID, "reports-waiting").text == "1 new"
    reviewed = d.find_element(By.ID, f"report-{report.uuid}")
    assert "Judged not an adverse event" in reviewed.text and "Nina" in reviewed.text
    # The waiting one stays first.
    assert "New" in d.find_elements(By.CSS_SELECTOR, "#reports tbody tr")[0].text
    screenshot(d, "reports-from-home-reviewed")
    assert PatientReport.objects.get(pk=report.pk).reviewed_by == staff["nina"]


def test_a_specialist_reviews_a_report_as_a_relapse_into_the_outcomes_registry(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
    case_at: Any,
) -> None:
    from selenium.webdriver.support.ui import Select

    d = browser
    case = case_at(Stage.FOLLOW_UP)
    grant = services.invite_patient(case=case, by=staff["carla"])
    report = services.report_symptom(grant=grant, kind="relapse", started_on=clinic_today(), description="My left leg went numb again.")

    sign_in(d, live_server, "sofia")
    visit(d, live_server, f"/outcomes/reports-from-home/{report.uuid}/")
    review = d.find_element(By.ID, "review")
    review.find_element(By.CSS_SELECTOR, "input[name=decision][value=relapse]").click()
    Select(review.find_element(By.NAME, "relapse-severity")).select_by_value("moderate")
    Select(review.find_element(By.NAME, "relapse-treated")).select_by_value("yes")
    screenshot(d, "report-from-home-relapse")
    _fits_a_phone(d, live_server, f"/outcomes/reports-from-home/{report.uuid}/")
    review = d.find_element(By.ID, "review")
    review.find_element(By.CSS_SELECTOR, "input[name=decision][value=relapse]").click()
    Select(review.find_element(By.NAME, "relapse-severity")).select_by_value("moderate")
    Select(review.find_element(By.NAME, "relapse-treated")).select_by_value("yes")
    submit(d, button(review, "Save the review"))
    assert any("recorded as a relapse" in m for m in messages(d))
    report = PatientReport.objects.select_related("relapse").get(pk=report.pk)
    assert report.decision == "relapse" and report.relapse is not None and report.relapse.severity == "moderate"
    assert report.relapse.treated and report.relapse.onset_on == report.started_on
