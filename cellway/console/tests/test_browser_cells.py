"""Cell products in a real browser: the laboratory takes a lot from receipt to release (CoA, label), and a nurse's
bedside check refuses each wrong case before giving the right vial."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from cellway.cases.stages import Stage
from cellway.console.tests.browser import (
    browser,  # noqa: F401 - a fixture
    browser_db,
    button,
    case_path,
    fetch,
    fits,
    follow,
    messages,
    open_details,
    screenshot,
    section,
    set_date,
    sign_in,
    submit,
    type_into,
    visit,
    wait,
)

pytestmark = [pytest.mark.browser, browser_db]


def password() -> str:
    from cellway.demo.staff import DEMO_PASSWORD

    return DEMO_PASSWORD


def fill_in_a_lot(d: WebDriver) -> None:
    from cellway.clinic import clinic_today

    receive = d.find_element(By.ID, "receive")
    type_into(receive.find_element(By.NAME, "donor_id"), "UC-2026-0142")
    set_date(d, receive.find_element(By.NAME, "collection_date"), clinic_today() - dt.timedelta(days=30))
    receive.find_element(By.NAME, "consent_on_file").click()
    receive.find_element(By.NAME, "donor_eligible").click()
    type_into(receive.find_element(By.NAME, "processing"), "02 Nov cord received; 03 Nov P0; 17 Nov P1; 28 Nov P2 harvest")
    type_into(receive.find_element(By.NAME, "vial_volume_ml"), "10")
    type_into(receive.find_element(By.NAME, "storage_location"), "LN2 tank 2, rack B")
    type_into(receive.find_element(By.NAME, "storage_temperature_c"), "-180")
    expires = dt.datetime.combine(clinic_today() + dt.timedelta(days=120), dt.time(17, 0))
    d.execute_script("arguments[0].value = arguments[1]", receive.find_element(By.NAME, "expires_at"), expires.strftime("%Y-%m-%dT%H:%M"))


def test_the_laboratory_takes_a_lot_from_receipt_to_release_with_a_coa_and_a_label(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
) -> None:
    from cellway.cells.models import Lot, LotStatus
    from cellway.demo import cells as demo

    d = browser
    sign_in(d, live_server, "ivan")
    visit(d, live_server, "/lots/")
    follow(d, d.find_element(By.LINK_TEXT, "Receive a lot"))
    fill_in_a_lot(d)
    submit(d, button(d.find_element(By.ID, "receive"), "Receive into quarantine"))
    lot = Lot.objects.get()
    assert f"Lot {lot.din_value.eye_readable} received into quarantine." in messages(d)
    assert d.find_element(By.ID, "lot-status").text == "Quarantine (testing)"

    # Every other result comes from the laboratory's instruments; viability is typed here, first without its unit.
    demo.record_passing_results(lot, staff["ivan"], skip=("viability",))
    visit(d, live_server, f"/lots/{lot.uuid}/")
    result = d.find_element(By.ID, "result")
    open_details(d, result)
    Select(result.find_element(By.NAME, "code")).select_by_value("viability")
    type_into(result.find_element(By.NAME, "value"), "93.5")
    type_into(result.find_element(By.NAME, "method"), "7-AAD flow cytometry")
    submit(d, button(result, "Record the result"))
    assert "Viability: give the result's unit (%)." in section(d, "results").text
    result = d.find_element(By.ID, "result")
    type_into(result.find_element(By.NAME, "unit"), "%")
    submit(d, button(result, "Record the result"))
    assert "Result recorded." in messages(d)
    # Ivan entered results: he is told a second person releases it, and is not offered the form.
    assert "You entered results for this lot: a second person releases it." in section(d, "decision").text
    assert not d.find_elements(By.ID, "release")
    screenshot(d, "cells-lot-quarantine")

    sign_in(d, live_server, "tara")
    visit(d, live_server, "/lots/")
    assert lot.din in section(d, "to-release").text
    screenshot(d, "cells-queue")
    follow(d, section(d, "to-release").find_element(By.LINK_TEXT, lot.din))
    release = d.find_element(By.ID, "release")
    type_into(release.find_element(By.ID, "release-password"), password())
    submit(d, button(release, "Release the lot"))
    assert d.find_element(By.ID, "lot-status").text == "Released"
    assert Lot.objects.get(pk=lot.pk).status == LotStatus.RELEASED
    assert "Released for clinical use (signed)" in section(d, "chain").text
    screenshot(d, "cells-lot-released")

    coa = d.find_element(By.ID, "coa-link").get_attribute("href")
    label = d.find_element(By.CSS_SELECTOR, "[data-label-link='1']").get_attribute("href")
    assert fetch(d, coa).startswith(b"%PDF") and fetch(d, label).startswith(b"%PDF")
    assert "Label printed for vial 1" in Lot.objects.get(pk=lot.pk).events.first().summary
    fits(d)


def test_a_nurse_bedside_check_refuses_each_wrong_case_then_gives_the_right_vial(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
    case_at: Any,
) -> None:
    from cellway.cells import services as cells
    from cellway.cells.models import ChainOfIdentity, VialStatus
    from cellway.demo import cells as demo
    from cellway.demo.journey import give_consent
    from cellway.treatment.models import BedsideCheck

    case = case_at(Stage.ARRIVED)
    give_consent(case, staff)
    other = case_at(Stage.QUOTED)
    lot = demo.released_lot(staff["ivan"], staff["tara"])
    quarantined = demo.receive(staff["ivan"])
    mine = cells.allocate_vial(vial=lot.vials.get(number=1), case=case, route="it", infusion=1, by=staff["ivan"])
    theirs = cells.allocate_vial(vial=lot.vials.get(number=2), case=other, route="it", infusion=1, by=staff["ivan"])
    cells.hand_over(vial=mine, by=staff["ivan"], to=staff["nina"], leg="nurse", temperature_c=Decimal(5), location="Ward 3")
    din, coi = lot.din_value, ChainOfIdentity.objects.get(case=case).value
    band, their_band = coi.thirteen + coi.check, ChainOfIdentity.objects.get(case=other).value
    label = f"{din.thirteen}{din.check} 1"
    wrong_check = "A" if din.check != "A" else "B"
    q = quarantined.din_value

    d = browser
    sign_in(d, live_server, "nina")
    visit(d, live_server, case_path(case))
    assert coi.eye_readable in section(d, "bedside").text

    def check(wristband: str, product: str) -> str:
        form = d.find_element(By.ID, "bedside-check")
        Select(form.find_element(By.NAME, "infusion")).select_by_visible_text("intrathecal 1 of 1")
        type_into(form.find_element(By.NAME, "wristband"), wristband)
        type_into(form.find_element(By.NAME, "label"), product)
        submit(d, button(form, "Check"))
        return section(d, "bedside").text

    assert "RED STOP: No weight recorded for" in check(band, label)
    weight = d.find_element(By.ID, "weight-form")
    type_into(weight.find_element(By.NAME, "kg"), "64.5")
    submit(d, button(weight, "Record weight"))
    assert "Weight recorded: 64.5 kg." in messages(d)

    assert "RED STOP: Wrong patient" in check(their_band.thirteen + their_band.check, label)
    assert "RED STOP: Product label: Wrong check character" in check(band, f"{din.thirteen}{wrong_check} 1")
    assert "is allocated to another patient" in check(band, f"{din.thirteen}{din.check} {theirs.number}")
    assert "is quarantine (testing): it is not released for use" in check(band, f"{q.thirteen}{q.check} 1")
    screenshot(d, "cells-bedside-red")
    assert BedsideCheck.objects.filter(case=case, passed=False).count() == 5

    text = check(band, label)
    assert "GREEN" in text and "within the intrathecal limit" in text
    screenshot(d, "cells-bedside-green")
    submit(d, d.find_element(By.ID, "administer"))
    assert f"Given: vial 1 of lot {lot.din}, intrathecal 1 of 1." in messages(d)
    wait(d).until(lambda _: "administered" in section(d, "bedside").text)
    assert mine.__class__.objects.get(pk=mine.pk).status == VialStatus.ADMINISTERED
    assert "intrathecal 1 of 1" in section(d, "sessions").text
    fits(d)
