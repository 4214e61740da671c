"""A patient's outcome observations as a FHIR R4B Bundle (`fhir.resources.R4B`).

fhir.resources checks structure and types, not value sets: a code that does
not exist would pass. So every coding Cellway writes comes from `CODES`
below, and `check_codes` refuses a bundle carrying any other (the export
runs it, and the tests parse the JSON back and run it again).

Which codes, and how exact they are:

* **EDSS** — SNOMED CT 273554001 "Kurtzke multiple sclerosis rating scale
  (assessment scale)". Best available, not exact: it names the scale, not
  "EDSS score"; LOINC has no observation code for the EDSS total (only a
  part, LP241977-0, which is not for results). Value: the EDSS step, unit
  {score}.
* **Relapse** — SNOMED CT 192929006 "Exacerbation of multiple sclerosis
  (disorder)". Exact as a concept; written as an Observation whose effective
  date is the onset (a Condition resource would also fit; the registry's
  consumers asked for Observations). Severity: SNOMED qualifiers 255604002
  mild, 6736007 moderate, 24484000 severe.
* **Nine-hole peg test**, **timed 25-foot walk**, the Neurostatus
  functional system scores, the ambulation score and MRI lesion counts — no
  standard code we could verify from a source we can cite (an earlier export
  wrote LOINC 83141-2 for the peg test; we found no LOINC publication to
  show that code means it, so it is gone). Cellway's local code system
  (`LOCAL`): every bundle carries it as a CodeSystem resource that says it is
  local to the clinic and lists its codes, and each coding's display says
  "(local code)". The peg test is one Observation with the two hands as
  components, in seconds.

Bundle structure (R4B, "Resource URL & Uniqueness rules in a bundle"): every
entry's `fullUrl` is `urn:uuid:<id>`, where `id` is the resource's id, a
UUID — the patient's own, or for an observation a name-based UUID (version 5)
of what it records, so a second export gives the same URLs. References point
at those URNs (`urn:uuid:<patient>`), so each resolves to an entry of the
bundle; `check_references` refuses a bundle where one does not, and the export
runs it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cellway.cases.models import Case
from cellway.outcomes.models import FS_FIELDS, MriScan, Relapse, Visit
from cellway.outcomes.selectors import history

if TYPE_CHECKING:
    from fhir.resources.R4B.bundle import Bundle

SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
LOCAL = "https://cellway.example/fhir/CodeSystem/outcomes"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
IDENTIFIER = "https://cellway.example/fhir/case"

# (system, code) -> display. The only codings the export may write.
CODES: dict[tuple[str, str], str] = {
    (SNOMED, "273554001"): "Kurtzke multiple sclerosis rating scale",
    (SNOMED, "192929006"): "Exacerbation of multiple sclerosis",
    (SNOMED, "255604002"): "Mild",
    (SNOMED, "6736007"): "Moderate",
    (SNOMED, "24484000"): "Severe",
    (SNOMED, "373066001"): "Yes",
    (SNOMED, "373067005"): "No",
    (LOCAL, "nhpt"): "Nine-hole peg test, both hands (local code)",
    (LOCAL, "t25fw"): "Timed 25-foot walk, mean of two trials (local code)",
    (LOCAL, "nhpt-right"): "Nine-hole peg test, right hand (local code)",
    (LOCAL, "nhpt-left"): "Nine-hole peg test, left hand (local code)",
    (LOCAL, "edss-computed"): "EDSS computed from the Neurostatus scores (local code)",
    (LOCAL, "relapse-treated"): "Relapse treated (local code)",
    (LOCAL, "mri-new-t2"): "New or enlarging T2 lesions (local code)",
    (LOCAL, "mri-gad"): "Gadolinium-enhancing lesions (local code)",
    (LOCAL, "mri"): "MRI lesion activity (local code)",
    **{(LOCAL, f"fs-{name.replace('_', '-')}"): f"Neurostatus {name.replace('_', ' ')} score (local code)" for name in FS_FIELDS},
    (CATEGORY, "exam"): "Exam",
    (CATEGORY, "imaging"): "Imaging",
    (UCUM, "s"): "s",
    (UCUM, "{score}"): "{score}",
    (UCUM, "{lesions}"): "{lesions}",
}
SEVERITY = {"mild": "255604002", "moderate": "6736007", "severe": "24484000"}

# Name-based UUIDs of the observations and of the local CodeSystem: fixed, so
# that the same visit exports with the same fullUrl every time.
_ENTRY_NAMESPACE = uuid.UUID("6f1c4a52-93e4-4c0e-a7f5-2d8b9e61c3a0")
_URN_UUID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def entry_id(name: str) -> str:
    """The resource id (a UUID) of the export's entry called ``name``."""
    return str(uuid.uuid5(_ENTRY_NAMESPACE, name))


def urn(resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


def coding(system: str, code: str) -> dict[str, str]:
    display = CODES.get((system, code))
    if display is None:
        raise ValueError(f"{system}|{code} is not a code Cellway exports")
    return {"system": system, "code": code, "display": display}


def concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [coding(system, code)]}


def quantity(value: Decimal | int | float, unit: str) -> dict[str, Any]:
    return {"value": float(value), "unit": unit, "system": UCUM, "code": unit}


def _observation(case: Case, key: str, category: str, code: tuple[str, str], when: Any, **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": entry_id(key),
        "status": "final",
        "category": [concept(CATEGORY, category)],
        "code": concept(*code),
        "subject": {"reference": urn(str(case.patient.uuid))},
        "effectiveDateTime": when.isoformat(),
        **fields,
    }


def visit_observations(case: Case, visit: Visit) -> list[dict[str, Any]]:
    out = []
    if visit.edss is not None:
        components = [
            {"code": concept(LOCAL, f"fs-{name.replace('_', '-')}"), "valueQuantity": quantity(getattr(visit, name), "{score}")}
            for name in FS_FIELDS
            if getattr(visit, name) is not None
        ]
        if visit.edss_computed is not None:
            components.append({"code": concept(LOCAL, "edss-computed"), "valueQuantity": quantity(visit.edss_computed, "{score}")})
        note = [{"text": f"Recorded EDSS differs from the computed one: {visit.edss_reason}"}] if visit.edss_overridden else None
        obs = _observation(
            case, f"edss-{visit.uuid}", "exam", (SNOMED, "273554001"), visit.seen_on, valueQuantity=quantity(visit.edss, "{score}")
        )
        if components:
            obs["component"] = components
        if note:
            obs["note"] = note
        out.append(obs)
    if visit.t25fw_seconds is not None:
        out.append(
            _observation(
                case, f"t25fw-{visit.uuid}", "exam", (LOCAL, "t25fw"), visit.seen_on, valueQuantity=quantity(visit.t25fw_seconds, "s")
            )
        )
    if visit.nhpt_right_seconds is not None and visit.nhpt_left_seconds is not None:
        out.append(
            _observation(
                case,
                f"nhpt-{visit.uuid}",
                "exam",
                (LOCAL, "nhpt"),
                visit.seen_on,
                component=[
                    {"code": concept(LOCAL, "nhpt-right"), "valueQuantity": quantity(visit.nhpt_right_seconds, "s")},
                    {"code": concept(LOCAL, "nhpt-left"), "valueQuantity": quantity(visit.nhpt_left_seconds, "s")},
                ],
            )
        )
    return out


def relapse_observation(case: Case, relapse: Relapse) -> dict[str, Any]:
    return _observation(
        case,
        f"relapse-{relapse.uuid}",
        "exam",
        (SNOMED, "192929006"),
        relapse.onset_on,
        valueCodeableConcept=concept(SNOMED, SEVERITY[relapse.severity]),
        component=[
            {
                "code": concept(LOCAL, "relapse-treated"),
                "valueCodeableConcept": concept(SNOMED, "373066001" if relapse.treated else "373067005"),
            }
        ],
    )


def mri_observation(case: Case, scan: MriScan) -> dict[str, Any]:
    return _observation(
        case,
        f"mri-{scan.uuid}",
        "imaging",
        (LOCAL, "mri"),
        scan.scanned_on,
        component=[
            {"code": concept(LOCAL, "mri-new-t2"), "valueQuantity": quantity(scan.new_t2_lesions, "{lesions}")},
            {"code": concept(LOCAL, "mri-gad"), "valueQuantity": quantity(scan.gad_lesions, "{lesions}")},
        ],
    )


def local_code_system() -> dict[str, Any]:
    """Cellway's local codes as a CodeSystem resource, said to be local, with every code the export may write."""
    return {
        "resourceType": "CodeSystem",
        "id": entry_id(LOCAL),
        "url": LOCAL,
        "name": "CellwayOutcomesLocal",
        "title": "Cellway outcome measures (clinic-local codes)",
        "status": "active",
        "experimental": False,
        "publisher": "Cellway clinic",
        "description": (
            "Codes local to the Cellway clinic, not a standard terminology: used for outcome measures for which "
            "no standard code could be verified (timed 25-foot walk, nine-hole peg test, Neurostatus functional "
            "system and ambulation scores, MRI lesion counts). Receivers should map them, not assume a meaning "
            "beyond the display."
        ),
        "caseSensitive": True,
        "content": "complete",
        "concept": [{"code": code, "display": display} for (system, code), display in CODES.items() if system == LOCAL],
    }


def case_bundle(case: Case) -> Bundle:
    """A collection Bundle: the patient, every observation of the case and the local CodeSystem; codes and references checked."""
    h = history(case)
    patient = {
        "resourceType": "Patient",
        "id": str(case.patient.uuid),
        "identifier": [{"system": IDENTIFIER, "value": case.code}],
        "name": [{"text": case.patient.full_name}],
    }
    resources: list[dict[str, Any]] = [patient]
    for visit in h.visits:
        resources += visit_observations(case, visit)
    resources += [relapse_observation(case, r) for r in h.relapses]
    resources += [mri_observation(case, s) for s in h.scans]
    resources.append(local_code_system())
    entries = [{"fullUrl": urn(r["id"]), "resource": r} for r in resources]
    # fhir.resources costs ~0.3 s to import; only an export needs it, not every
    # process that loads the outcomes views.
    from fhir.resources.R4B.bundle import Bundle

    # Validating the whole bundle checks every resource against R4B (types, cardinality, required elements).
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "identifier": {"system": IDENTIFIER, "value": f"{case.code}-outcomes"},
            "entry": entries,
        }
    )
    dumped = bundle.model_dump(exclude_none=True)
    check_codes(dumped)
    check_references(dumped)
    return bundle


def codings(node: Any) -> Iterator[dict[str, Any]]:
    """Every Coding in a JSON-like FHIR structure (including quantities' system/code pairs)."""
    if isinstance(node, dict):
        if "system" in node and "code" in node:
            yield node
        for value in node.values():
            yield from codings(value)
    elif isinstance(node, list):
        for value in node:
            yield from codings(value)


def check_codes(bundle_json: dict[str, Any]) -> None:
    """ValueError unless every system|code pair is one of `CODES` (identifiers have no code and are skipped)."""
    for c in codings(bundle_json):
        if (c["system"], c["code"]) not in CODES:
            raise ValueError(f"{c['system']}|{c['code']} is not a code Cellway exports")


def references(node: Any) -> Iterator[str]:
    """Every Reference.reference in a JSON-like FHIR structure."""
    if isinstance(node, dict):
        ref = node.get("reference")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def check_references(bundle_json: dict[str, Any]) -> None:
    """ValueError unless every fullUrl is a distinct ``urn:uuid:`` matching its resource's id and every reference resolves to an entry."""
    full_urls: set[str] = set()
    for entry in bundle_json.get("entry", []):
        full_url = entry.get("fullUrl", "")
        if not _URN_UUID.fullmatch(full_url):
            raise ValueError(f"fullUrl {full_url!r} is not a urn:uuid")
        if full_url != urn(entry["resource"].get("id", "")):
            raise ValueError(f"fullUrl {full_url} does not match its resource's id")
        if full_url in full_urls:
            raise ValueError(f"fullUrl {full_url} appears twice")
        full_urls.add(full_url)
    for ref in references(bundle_json):
        if ref not in full_urls:
            raise ValueError(f"reference {ref!r} does not resolve to an entry of the bundle")
