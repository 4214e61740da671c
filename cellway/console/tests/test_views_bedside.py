"""The bedside panel: weight, check (a red stop is a 422 with the reason, and recorded), administration, wristband, CoA."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from cellway.cases.stages import Stage
from cellway.cells import services as cells
from cellway.cells.models import ChainOfIdentity, VialStatus
from cellway.demo import cells as demo
from cellway.demo.journey import give_consent
from cellway.treatment.models import Administration, BedsideCheck


@pytest.fixture
def ward(staff, case_at):
    case = case_at(Stage.ARRIVED)
    give_consent(case, staff)
    lot = demo.released_lot(staff["ivan"], staff["tara"])
    vial = cells.allocate_vial(vial=lot.vials.get(number=1), case=case, route="it", infusion=1, by=staff["ivan"])
    cells.hand_over(vial=vial, by=staff["ivan"], to=staff["nina"], leg="nurse", temperature_c=D(5), location="Ward 3")
    return case, lot


def act(name, case):
    return reverse(f"console:act-{name}", kwargs={"uuid": case.uuid})


def test_the_nurse_weighs_checks_and_gives_a_vial_from_the_case_page(as_user, ward):
    case, lot = ward
    client = as_user("nina")
    coi = ChainOfIdentity.objects.get(case=case).value
    din = lot.din_value

    page = client.get(reverse("console:case", kwargs={"uuid": case.uuid})).content.decode()
    assert "Cell products at the bedside" in page and coi.eye_readable in page and "not recorded" in page

    assert client.post(act("weight", case), {"kg": "64.5"}).status_code == 302
    refused = client.post(
        act("bedside-check", case), {"infusion": "it-1", "wristband": "G123498654321H", "label": f"{din.thirteen}{din.check} 1"}
    )
    assert refused.status_code == 422
    assert "RED STOP: Wrong patient" in refused.content.decode()
    assert BedsideCheck.objects.filter(case=case, passed=False).count() == 1

    green = client.post(
        act("bedside-check", case), {"infusion": "it-1", "wristband": coi.thirteen + coi.check, "label": f"{din.thirteen}{din.check} 1"}
    )
    assert green.status_code == 302
    check = BedsideCheck.objects.filter(case=case, passed=True).get()
    assert client.post(act("administer", case), {"check": check.pk}).status_code == 302

    assert Administration.objects.get().vial.status == VialStatus.ADMINISTERED
    page = client.get(reverse("console:case", kwargs={"uuid": case.uuid})).content.decode()
    assert "intrathecal 1 of 1" in page  # the session says which planned infusion it fulfils
    coa = client.get(reverse("console:case-coa", kwargs={"uuid": case.uuid, "lot": lot.uuid}))
    assert coa.status_code == 200 and coa.content.startswith(b"%PDF")
    assert client.get(reverse("console:wristband", kwargs={"uuid": case.uuid})).content.startswith(b"%PDF")


def test_a_patient_who_got_no_vial_of_a_lot_has_no_coa_of_it(as_user, ward):
    case, lot = ward
    assert as_user("nina").get(reverse("console:case-coa", kwargs={"uuid": case.uuid, "lot": lot.uuid})).status_code == 404


@pytest.mark.parametrize(("who", "status"), [("fiona", 403), ("ivan", 403), ("lena", 403)])
def test_roles_without_the_treatment_part_cannot_check_or_print_the_wristband(as_user, ward, who, status):
    case, _ = ward
    client = as_user(who)
    assert client.post(act("weight", case), {"kg": "60"}).status_code == 403
    assert client.get(reverse("console:wristband", kwargs={"uuid": case.uuid})).status_code == status
