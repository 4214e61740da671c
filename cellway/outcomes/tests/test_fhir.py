"""The FHIR export parses back as R4B, carries only codes Cellway knows, and every reference in it resolves."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
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
    assert (fhir.LOCAL, "nhpt") in codes  # nine-hole peg test: a clinic-local code
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
        fhir.check_codes({"entry": [{"resource": {"code": {"coding": [{"system": "http://loinc.org", "code": "83141-2"}]}}}]})


def _export(client, user, case) -> dict:
    client.force_login(user)
    response = client.get(reverse("outcomes:fhir", args=[case.uuid]))
    assert response.status_code == 200
    return json.loads(response.content)


def _walk_references(node, found):
    """Every value of a "reference" key, walked here without the export's own helper."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference":
                found.append(value)
            else:
                _walk_references(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk_references(value, found)
    return found


def test_every_full_url_is_a_urn_uuid_of_its_resource(client, staff, measured):
    data = _export(client, staff["sofia"], measured)
    full_urls = [e["fullUrl"] for e in data["entry"]]
    # patient, EDSS, T25FW, 9HPT, relapse, MRI, the local CodeSystem
    assert len(full_urls) == len(set(full_urls)) == 7
    for entry in data["entry"]:
        assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", entry["fullUrl"])
        assert entry["fullUrl"] == f"urn:uuid:{uuid.UUID(entry['resource']['id'])}"
    patient = next(e for e in data["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["fullUrl"] == f"urn:uuid:{measured.patient.uuid}"


def test_every_reference_in_the_bundle_resolves_to_an_entry(client, staff, measured):
    data = _export(client, staff["sofia"], measured)
    full_urls = {e["fullUrl"] for e in data["entry"]}
    refs = _walk_references(data, [])
    assert len(refs) == 5  # each observation's subject
    assert set(refs) == {f"urn:uuid:{measured.patient.uuid}"} <= full_urls


def test_a_second_export_gives_the_same_urls(client, staff, measured):
    first = [e["fullUrl"] for e in _export(client, staff["sofia"], measured)["entry"]]
    assert [e["fullUrl"] for e in _export(client, staff["sofia"], measured)["entry"]] == first


def test_the_peg_test_is_a_declared_local_code_and_no_loinc_is_claimed(client, staff, measured):
    data = _export(client, staff["sofia"], measured)
    assert "loinc.org" not in json.dumps(data)
    code_system = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "CodeSystem")
    assert code_system["url"] == fhir.LOCAL and code_system["content"] == "complete"
    assert "local to the Cellway clinic, not a standard terminology" in code_system["description"]
    declared = {c["code"]: c["display"] for c in code_system["concept"]}
    used = {c["code"] for c in fhir.codings(data) if c["system"] == fhir.LOCAL}
    assert {"nhpt", "nhpt-right", "nhpt-left", "t25fw", "mri"} <= used <= set(declared)
    assert declared["nhpt"] == "Nine-hole peg test, both hands (local code)"
    peg = next(o["resource"] for o in data["entry"] if o["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "nhpt")
    assert [(c["code"]["coding"][0]["code"], c["valueQuantity"]["value"]) for c in peg["component"]] == [
        ("nhpt-right", 21.0),
        ("nhpt-left", 23.4),
    ]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"fullUrl": "urn:cellway:patient-1", "resource": {"id": "1"}}], "is not a urn:uuid"),
        ([{"fullUrl": "Patient/1", "resource": {"id": "1"}}], "is not a urn:uuid"),
        ([{"fullUrl": f"urn:uuid:{uuid.UUID(int=1)}", "resource": {"id": str(uuid.UUID(int=2))}}], "does not match"),
        ([{"fullUrl": f"urn:uuid:{uuid.UUID(int=1)}", "resource": {"id": str(uuid.UUID(int=1))}}] * 2, "appears twice"),
        (
            [{"fullUrl": f"urn:uuid:{uuid.UUID(int=1)}", "resource": {"id": str(uuid.UUID(int=1)), "subject": {"reference": "Patient/1"}}}],
            "does not resolve",
        ),
    ],
)
def test_a_bundle_with_a_bad_url_or_a_dangling_reference_is_refused(entries, message):
    with pytest.raises(ValueError, match=message):
        fhir.check_references({"resourceType": "Bundle", "entry": entries})
