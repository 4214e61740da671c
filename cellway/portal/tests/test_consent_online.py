"""Consent signed in the portal: what version, when, from where, who on whose behalf; the ward's gate accepts it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cellway.cases.events import EventKind
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.journey import ensure_consent_documents
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.portal import services
from cellway.portal.models import PortalGrant
from cellway.treatment import services as treatment
from cellway.treatment.models import Consent, ConsentDocument
from cellway.treatment.selectors import consents_to_sign_online

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(portal_case: Any) -> tuple[Any, Any, PortalGrant]:
    ensure_consent_documents()
    case, patient = portal_case(Stage.PAID)
    return case, patient, PortalGrant.objects.get(person=patient, case=case)


def _sign_all(client: Client, case: Any, **post: Any) -> list[Any]:
    responses = []
    for document in consents_to_sign_online(case):
        data = {"document": document.pk, "sha256": document.sha256, "agree": "on", **post}
        responses.append(client.post(reverse("portal:consent", kwargs={"uuid": case.uuid}), data, REMOTE_ADDR="203.0.113.9"))
    return responses


def test_the_patient_signs_in_the_portal_and_the_wards_gate_accepts_it(paid: Any) -> None:
    case, patient, _grant = paid
    with pytest.raises(Refusal, match="No informed consent"):
        treatment.check_consent(case=case)
    client = Client()
    client.force_login(patient)
    page = client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert reverse("portal:consent", kwargs={"uuid": case.uuid}) in page
    form_page = client.get(reverse("portal:consent", kwargs={"uuid": case.uuid})).content.decode()
    assert "Informed consent: investigational cell therapy" in form_page
    assert all(r.status_code == 302 for r in _sign_all(client, case))
    treatment.check_consent(case=case)  # the gate, unchanged, passes
    consent = Consent.objects.filter(case=case).first()
    assert consent is not None and consent.is_electronic and consent.scan is None and consent.taken_by is None
    assert consent.signed_by == patient and consent.signed_as == "patient" and consent.signed_from == "203.0.113.9"
    assert consent.document_sha256 == consent.document.sha256 and consent.signed_at is not None
    event = case.events.filter(kind=EventKind.CONSENT).latest("pk")
    assert "signed electronically" in event.summary and "203.0.113.9" in event.summary
    assert event.data["sha256"] == consent.document_sha256
    assert consents_to_sign_online(case) == []
    assert "signed in the portal by" in client.get(reverse("portal:consent", kwargs={"uuid": case.uuid})).content.decode()


def test_a_text_changed_since_the_page_was_shown_is_refused_and_nothing_written(paid: Any) -> None:
    case, patient, grant = paid
    document = consents_to_sign_online(case)[0]
    client = Client()
    client.force_login(patient)
    url = reverse("portal:consent", kwargs={"uuid": case.uuid})
    response = client.post(url, {"document": document.pk, "sha256": "0" * 64, "agree": "on"})
    assert response.status_code == 409 and not Consent.objects.filter(case=case).exists()
    ConsentDocument.objects.filter(pk=document.pk).update(retired=True)
    with pytest.raises(StageConflict, match="newer version"):
        services.sign_consent(grant=grant, document=document, shown_sha256=document.sha256, address=None)
    assert not Consent.objects.filter(case=case).exists()


def test_unticked_twice_or_out_of_stage_is_refused(paid: Any, portal_case: Any) -> None:
    case, patient, grant = paid
    client = Client()
    client.force_login(patient)
    url = reverse("portal:consent", kwargs={"uuid": case.uuid})
    document = consents_to_sign_online(case)[0]
    assert client.post(url, {"document": document.pk, "sha256": document.sha256}).status_code == 422
    assert client.post(url, {"document": 999999, "sha256": document.sha256, "agree": "on"}).status_code == 404
    services.sign_consent(grant=grant, document=document, shown_sha256=document.sha256, address=None)
    with pytest.raises(StageConflict, match="already signed"):
        services.sign_consent(grant=grant, document=document, shown_sha256=document.sha256, address=None)
    assert Consent.objects.filter(case=case).count() == 1
    quoted, quoted_patient = portal_case(Stage.QUOTED)
    quoted_grant = PortalGrant.objects.get(case=quoted, person=quoted_patient)
    with pytest.raises(Refusal):
        services.sign_consent(grant=quoted_grant, document=document, shown_sha256=document.sha256, address=None)


def test_a_family_member_cannot_sign_nor_see_the_consent_page(paid: Any) -> None:
    case, _patient, grant = paid
    helper = services.grant_access(
        grant=grant,
        email="son@example.com",
        full_name="Sami Son",
        relation="family",
        scopes=["records", "documents", "payments", "itinerary", "screening"],
        ends_on=clinic_today() + dt.timedelta(days=9),
    )
    client = Client()
    client.force_login(helper.person)
    url = reverse("portal:consent", kwargs={"uuid": case.uuid})
    assert client.get(url).status_code == 404
    document = consents_to_sign_online(case)[0]
    assert client.post(url, {"document": document.pk, "sha256": document.sha256, "agree": "on"}).status_code == 404
    with pytest.raises(NotAllowed):
        services.sign_consent(grant=helper, document=document, shown_sha256=document.sha256, address=None)
    assert not Consent.objects.filter(case=case).exists()


def test_a_guardian_signs_on_the_patients_behalf_and_then_the_patient_does_not(paid: Any, staff: dict[str, Any]) -> None:
    case, patient, _grant = paid
    guardian = services.set_guardian(
        case=case,
        by=staff["carla"],
        email="guardian@example.com",
        full_name="Gita Guardian",
        document_kind="court_order",
        document_reference="Lisbon family court 123/2026",
        document_date=clinic_today(),
    )
    patient_client = Client()
    patient_client.force_login(patient)
    assert patient_client.get(reverse("portal:consent", kwargs={"uuid": case.uuid})).status_code == 404
    client = Client()
    client.force_login(guardian.person)
    page = client.get(reverse("portal:consent", kwargs={"uuid": case.uuid})).content.decode()
    assert "on their behalf" in page
    assert all(r.status_code == 302 for r in _sign_all(client, case))
    treatment.check_consent(case=case)
    consent = Consent.objects.filter(case=case).first()
    assert consent is not None and consent.signed_by == guardian.person and consent.signed_as == "guardian"
    event = case.events.filter(kind=EventKind.CONSENT).latest("pk")
    assert f"on behalf of {case.patient.full_name}" in event.summary and event.data["on_behalf_of"] == case.patient.full_name
