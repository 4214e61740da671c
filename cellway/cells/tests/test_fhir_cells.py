"""A vial as a FHIR R4B BiologicallyDerivedProduct, keyed by DIN and Chain of Identity."""

from __future__ import annotations

import json

from django.urls import reverse
from fhir.resources.R4B.biologicallyderivedproduct import BiologicallyDerivedProduct

from cellway.cases.stages import Stage
from cellway.cells import fhir
from cellway.cells import services as cells
from cellway.cells.models import ChainOfIdentity
from cellway.demo import cells as demo


def test_an_allocated_vial_is_a_valid_resource_keyed_by_din_and_chain_of_identity(staff, case_at):
    case = case_at(Stage.QUOTED)
    lot = demo.released_lot(staff["ivan"], staff["tara"])
    vial = cells.allocate_vial(vial=lot.vials.get(number=3), case=case, route="iv", infusion=1, by=staff["ivan"])

    resource = fhir.vial_resource(vial)

    parsed = BiologicallyDerivedProduct.model_validate_json(resource.model_dump_json())
    din, coi = lot.din_value, ChainOfIdentity.objects.get(case=case).value
    assert [(i.system, i.value) for i in parsed.identifier] == [
        (fhir.DIN_SYSTEM, f"{din.thirteen}{din.check}-03"),
        (fhir.COI_SYSTEM, f"{coi.thirteen}{coi.check}"),
    ]
    assert (parsed.productCategory, parsed.status, parsed.quantity) == ("cells", "available", 1)
    assert parsed.storage[0].scale == "celsius"


def test_a_quarantined_vial_is_unavailable_and_has_no_chain_of_identity(staff):
    lot = demo.receive(staff["ivan"])

    resource = fhir.vial_resource(lot.vials.get(number=1))

    assert resource.status == "unavailable" and len(resource.identifier) == 1


def test_the_laboratory_downloads_it_as_json(as_user, staff):
    lot = demo.receive(staff["ivan"])

    response = as_user("ivan").get(reverse("cells:fhir", kwargs={"uuid": lot.uuid, "number": 1}))

    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    assert json.loads(response.content)["resourceType"] == "BiologicallyDerivedProduct"
    assert as_user("fiona").get(reverse("cells:fhir", kwargs={"uuid": lot.uuid, "number": 1})).status_code == 403
