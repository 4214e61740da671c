"""Guardianship for a patient who cannot consent: staff set it from a document on the case page; the guardian acts on
the patient's behalf, and the portal says so; the patient cannot name or dismiss a guardian themselves."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cellway.cases.events import EventKind
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal
from cellway.portal import services
from cellway.portal.models import PortalGrant, Relation

pytestmark = pytest.mark.django_db

GUARDIAN = {
    "full_name": "Gita Guardian",
    "email": "gita@example.com",
    "document_kind": "court_order",
    "document_reference": "Lisbon family court 123/2026",
}


def test_care_sets_up_a_guardian_from_a_document_once_and_ends_it(
    as_user: Any, portal_case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    case, _patient = portal_case(Stage.SCHEDULED)
    client = as_user("carla")
    url = reverse("console:case", kwargs={"uuid": case.uuid})
    assert "Set up a guardian" in client.get(url).content.decode()
    act = reverse("console:act-portal-guardian", kwargs={"uuid": case.uuid})
    # No document reference: the form is refused, nothing written.
    bad = client.post(act, {**GUARDIAN, "document_reference": "", "document_date": clinic_today().isoformat()})
    assert bad.status_code == 422 and not PortalGrant.objects.filter(case=case, relation=Relation.GUARDIAN).exists()
    future = client.post(act, {**GUARDIAN, "document_date": (clinic_today() + dt.timedelta(days=3)).isoformat()})
    assert future.status_code == 422 and "future" in future.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(act, {**GUARDIAN, "document_date": clinic_today().isoformat()})
    assert response.status_code == 302
    guardian = PortalGrant.objects.get(case=case, relation=Relation.GUARDIAN, revoked_at__isnull=True)
    assert guardian.document_reference == GUARDIAN["document_reference"] and guardian.granted_by.username == "carla"
    assert [m.to for m in mail.outbox] == [["gita@example.com"]] and "guardian" in mail.outbox[0].subject
    page = client.get(url).content.decode()
    assert "behalf, from the court order" in page and "Set up a guardian" not in page
    again = client.post(act, {**GUARDIAN, "email": "other@example.com", "document_date": clinic_today().isoformat()})
    assert again.status_code == 422 and "already has a guardian" in again.content.decode()
    event = case.events.filter(kind=EventKind.PORTAL_GRANTED).latest("pk")
    assert "acting on their behalf" in event.summary and "court order" in event.summary
    end = reverse("console:act-portal-guardian-end", kwargs={"uuid": case.uuid})
    assert client.post(end, {"reason": ""}).status_code == 422
    assert client.post(end, {"reason": "The patient recovered capacity (neurologist's letter)."}).status_code == 302
    assert not PortalGrant.objects.filter(case=case, relation=Relation.GUARDIAN, revoked_at__isnull=True).exists()


def test_a_role_without_contact_details_cannot_set_a_guardian(as_user: Any, portal_case: Any) -> None:
    case, _patient = portal_case(Stage.SCHEDULED)
    act = reverse("console:act-portal-guardian", kwargs={"uuid": case.uuid})
    data = {**GUARDIAN, "document_date": clinic_today().isoformat()}
    assert as_user("lena").post(act, data).status_code == 403
    assert not PortalGrant.objects.filter(case=case, relation=Relation.GUARDIAN).exists()


def test_the_patient_can_neither_name_nor_dismiss_a_guardian(portal_case: Any, staff: dict[str, Any]) -> None:
    case, patient = portal_case(Stage.SCHEDULED)
    grant = PortalGrant.objects.get(case=case, person=patient)
    with pytest.raises(Refusal, match="set up by the clinic"):
        services.grant_access(
            grant=grant,
            email="x@example.com",
            full_name="X Y",
            relation="guardian",
            scopes=["records"],
            ends_on=clinic_today() + dt.timedelta(days=5),
        )
    guardian = services.set_guardian(case=case, by=staff["carla"], document_date=clinic_today(), **GUARDIAN)
    with pytest.raises(Refusal, match="ended by the clinic"):
        services.revoke_access(grant=grant, helper_uuid=str(guardian.uuid))
    with pytest.raises(Refusal, match="patient's own address"):
        services.end_guardianship(case=case, by=staff["carla"], reason="test")
        services.set_guardian(case=case, by=staff["carla"], document_date=clinic_today(), **{**GUARDIAN, "email": patient.email})


def test_the_guardian_acts_on_the_patients_behalf_and_the_portal_and_trail_say_so(portal_case: Any, staff: dict[str, Any]) -> None:
    case, _patient = portal_case(Stage.SCHEDULED)
    guardian = services.set_guardian(case=case, by=staff["carla"], document_date=clinic_today(), **GUARDIAN)
    client = Client()
    client.force_login(guardian.person)
    page = client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert "You act on behalf of" in page and case.patient.full_name in page
    helper = services.grant_access(
        grant=guardian,
        email="son@example.com",
        full_name="Sami Son",
        relation="family",
        scopes=["itinerary"],
        ends_on=clinic_today() + dt.timedelta(days=5),
    )
    event = case.events.filter(kind=EventKind.PORTAL_GRANTED).latest("pk")
    assert f"(guardian, on behalf of {case.patient.full_name})" in event.summary
    with pytest.raises(NotAllowed):
        services.check_manage_helpers(grant=helper)


def test_a_helper_becomes_the_guardian_and_loses_the_helper_access(portal_case: Any, staff: dict[str, Any]) -> None:
    case, patient = portal_case(Stage.SCHEDULED)
    grant = PortalGrant.objects.get(case=case, person=patient)
    helper = services.grant_access(
        grant=grant,
        email=GUARDIAN["email"],
        full_name="Gita Guardian",
        relation="family",
        scopes=["itinerary"],
        ends_on=clinic_today() + dt.timedelta(days=5),
    )
    guardian = services.set_guardian(case=case, by=staff["carla"], document_date=clinic_today(), **GUARDIAN)
    helper.refresh_from_db()
    assert helper.revoked_at is not None and guardian.person == helper.person and guardian.is_guardian
