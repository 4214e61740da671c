"""The FHIR export parses back as R4B, and carries only codes Cellway knows."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.outcomes import fhir, services

SCORES = {"visual": 1, "brainstem": 1, "pyramidal": 2, "cerebellar": 2, "sensory": 2, "bowel_bladder": 1, "cerebral": 0, "ambulation": 0}


@pytest.fixture
def measured(case_at, staff):
    case = case_at(Stage.FOLLOW_UP)
    today = clinic_today()
    services.record_visit(
        case=case,
        by=staff["sofia"],
        seen_on=today,
        scores=SCORES,
        edss=Decimal("3.5"),
        edss_reason="Examined after a long journey",
        t25fw_seconds=Decimal("6.2"),
        nhpt_right_seconds=Decimal("21.0"),
        nhpt_left_seconds=Decimal("23.4"),
    )
    services.record_relapse(case=case, by=staff["nina"], onset_on=today - dt.timedelta(days=40), severity="moderate", treated=True)
    services.record_mri(case=case, by=staff["sofia"], scanned_on=today - dt.timedelta(days=10), new_t2_lesions=1, gad_lesions=0)
    return case


def test_the_export_parses_back_with_the_expected_codes(client, staff, measured):
    client.force_login(staff["sofia"])
    response = client.get(reverse("outcomes:fhir", args=[measured.uuid]))
    assert response["Content-Type"] == "application/fhir+json"
    bundle = Bundle.model_validate_json(response.content)
    assert bundle.type == "collection"
    data = json.loads(response.content)
    fhir.check_codes(data)
    observations = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation"]
    codes = {(o["code"]["coding"][0]["system"], o["code"]["coding"][0]["code"]) for o in observations}
    assert (fhir.SNOMED, "273554001") in codes  # EDSS
    assert (fhir.SNOMED, "192929006") in codes  # relapse
    assert (fhir.LOINC, "83141-2") in codes  # nine-hole peg test
    edss = next(o for o in observations if o["code"]["coding"][0]["code"] == "273554001")
    assert edss["valueQuantity"]["value"] == 3.5
    assert "long journey" in edss["note"][0]["text"]
    relapse = next(o for o in observations if o["code"]["coding"][0]["code"] == "192929006")
    assert relapse["valueCodeableConcept"]["coding"][0]["code"] == "6736007"  # moderate
    assert relapse["effectiveDateTime"] == (clinic_today() - dt.timedelta(days=40)).isoformat()


def test_an_unknown_code_is_refused():
    with pytest.raises(ValueError, match="not a code Cellway exports"):
        fhir.coding(fhir.SNOMED, "24700007")
    with pytest.raises(ValueError, match="not a code Cellway exports"):
        fhir.check_codes({"entry": [{"resource": {"code": {"coding": [{"system": fhir.LOINC, "code": "0000-0"}]}}}]})
