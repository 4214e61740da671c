"""Documents from the portal: the post-treatment protocol, the discharge summary and the Certificates of Analysis of
the lots the patient received; each only once it exists, only to the patient or a helper granted "documents",
each download a medical read on the case's trail."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from cellway.cases.stages import Stage
from cellway.cells.models import VialStatus
from cellway.clinic import clinic_today
from cellway.demo import cells as demo_cells
from cellway.portal import services
from cellway.portal.models import PortalGrant

pytestmark = pytest.mark.django_db

DOCUMENT_URLS = ["portal:protocol_pdf", "portal:discharge_summary_pdf", "portal:certificate_pdf"]


def text_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def _helper(grant: PortalGrant, email: str, scopes: list[str]) -> Any:
    return services.grant_access(
        grant=grant,
        email=email,
        full_name=f"Helper {email[:3]}",
        relation="family",
        scopes=scopes,
        ends_on=clinic_today() + dt.timedelta(days=30),
    ).person


@pytest.fixture
def world(portal_case: Any, staff: dict[str, Any]) -> dict[str, Any]:
    """A case in follow-up (treated, protocol issued) whose patient received a vial of a released lot; another patient,
    a daughter granted the documents, a son granted only the records, an outsider."""
    case, patient = portal_case(Stage.FOLLOW_UP)
    _other_case, other_patient = portal_case(Stage.QUOTED)
    lot = demo_cells.released_lot(staff["ivan"], staff["tara"])
    lot.vials.filter(number=1).update(case=case, status=VialStatus.ADMINISTERED)  # given on the ward (the bedside tests walk it)
    grant = PortalGrant.objects.get(person=patient, case=case)
    return {
        "case": case,
        "lot": lot,
        "patient": patient,
        "other": other_patient,
        "daughter": _helper(grant, "daughter@example.com", ["documents"]),
        "helper": _helper(grant, "son@example.com", ["records"]),
        "outsider": staff["outsider"],
    }


def _url(name: str, case: Any, lot: Any) -> str:
    extra = {"lot": lot.uuid} if name == "portal:certificate_pdf" else {}
    return reverse(name, kwargs={"uuid": case.uuid, **extra})


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", DOCUMENT_URLS)
@pytest.mark.parametrize("who", ["patient", "daughter", "other", "helper", "outsider", "anonymous"])
def test_every_document_url_for_every_visitor(world: dict[str, Any], name: str, who: str) -> None:
    client = Client() if who == "anonymous" else _client(world[who])
    response = client.get(_url(name, world["case"], world["lot"]))
    if who == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("portal:sign_in"))
    elif who in {"patient", "daughter"}:
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
    else:
        assert response.status_code == 404
    reads = world["case"].events.filter(kind="medical.read")
    assert reads.exists() == (who in {"patient", "daughter"})


def test_the_patient_downloads_the_protocol_and_the_trail_says_so(world: dict[str, Any]) -> None:
    case = world["case"]
    client = _client(world["patient"])
    page = client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert "documents-heading" in page and reverse("portal:protocol_pdf", kwargs={"uuid": case.uuid}) in page
    assert str(world["lot"].uuid) in page

    text = text_of(client.get(reverse("portal:protocol_pdf", kwargs={"uuid": case.uuid})))
    protocol = case.protocol
    assert "Post-treatment protocol" in text and case.code in text
    assert protocol.instructions.split()[0] in text and "Signed electronically by" in text
    read = case.events.get(kind="medical.read", data__subject="protocol")
    assert read.actor == world["patient"] and "Downloaded the post-treatment protocol from the portal" in read.summary
    assert "(the patient)" in read.summary

    client.get(reverse("portal:protocol_pdf", kwargs={"uuid": case.uuid}))
    assert case.events.filter(kind="medical.read", data__subject="protocol").count() == 1  # one row per read window


def test_the_protocol_is_in_the_patients_language(world: dict[str, Any]) -> None:
    patient = world["patient"]
    patient.language = "zh-hans"
    patient.save(update_fields=["language"])
    text = text_of(_client(patient).get(reverse("portal:protocol_pdf", kwargs={"uuid": world["case"].uuid})))
    assert "治疗后方案" in text and "Post-treatment protocol" not in text


def test_a_daughter_downloads_the_discharge_summary_and_the_coa_on_the_patients_behalf(world: dict[str, Any]) -> None:
    case, lot = world["case"], world["lot"]
    client = _client(world["daughter"])
    summary = text_of(client.get(reverse("portal:discharge_summary_pdf", kwargs={"uuid": case.uuid})))
    assert case.code in summary and case.patient.full_name in summary
    coa = text_of(client.get(reverse("portal:certificate_pdf", kwargs={"uuid": case.uuid, "lot": lot.uuid})))
    assert lot.din_value.thirteen[:5] in coa.replace(" ", "")
    reads = {e.data["subject"]: e for e in case.events.filter(kind="medical.read", actor=world["daughter"])}
    assert set(reads) == {"discharge-summary", f"coa:{lot.uuid}"}
    assert f"on behalf of {case.patient.full_name}" in reads["discharge-summary"].summary


def test_nothing_before_it_exists(portal_case: Any, world: dict[str, Any]) -> None:
    """Before treatment there is no protocol, no discharge summary, and no CoA of a lot the patient did not receive."""
    early, patient = portal_case(Stage.IN_TREATMENT)
    client = _client(patient)
    assert "documents-heading" not in client.get(reverse("portal:case", kwargs={"uuid": early.uuid})).content.decode()
    for name in DOCUMENT_URLS:
        assert client.get(_url(name, early, world["lot"])).status_code == 404
    assert not early.events.filter(kind="medical.read").exists()


def test_a_helper_without_the_documents_part_sees_no_documents_section(world: dict[str, Any]) -> None:
    page = _client(world["helper"]).get(reverse("portal:case", kwargs={"uuid": world["case"].uuid})).content.decode()
    assert "documents-heading" not in page and "protocol.pdf" not in page


@pytest.mark.parametrize(
    ("language", "title", "heading"), [("en", "Discharge summary", "What was given"), ("zh-hans", "出院小结", "不良事件")]
)
def test_the_discharge_summarys_labels_are_in_the_patients_language_and_the_records_as_written(
    world: dict[str, Any], language: str, title: str, heading: str
) -> None:
    case, patient = world["case"], world["patient"]
    patient.language = language
    patient.save(update_fields=["language"])
    text = text_of(_client(patient).get(reverse("portal:discharge_summary_pdf", kwargs={"uuid": case.uuid})))
    assert title in text and heading in text and case.code in text and case.patient.full_name in text
    if language != "en":
        assert "Discharge summary" not in text and "What was given" not in text
    # The doctor's own words stay as written.
    assert case.protocol.instructions.split()[0] in text


def test_the_discharge_summary_in_arabic_is_drawn(world: dict[str, Any]) -> None:
    patient = world["patient"]
    patient.language = "ar"
    patient.save(update_fields=["language"])
    response = _client(patient).get(reverse("portal:discharge_summary_pdf", kwargs={"uuid": world["case"].uuid}))
    text = text_of(response)
    assert world["case"].code in text and "Discharge summary" not in text
    page = _client(patient).get(reverse("portal:case", kwargs={"uuid": world["case"].uuid})).content.decode()
    assert "ملخص الخروج الخاص بك (PDF)" in page
