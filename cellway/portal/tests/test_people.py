"""The patient lets family and helpers in, and out; every step on the trail with who acted on whose behalf."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from cellway.cases.events import EventKind
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal
from cellway.portal import services
from cellway.portal.models import PortalGrant

pytestmark = pytest.mark.django_db


def _signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _data(**changes: Any) -> dict[str, Any]:
    data = {
        "full_name": "Dana Haddad",
        "email": "dana@example.com",
        "relation": "family",
        "scopes": ["itinerary", "payments"],
        "ends_on": (clinic_today() + dt.timedelta(days=60)).isoformat(),
    }
    return {**data, **changes}


def test_the_patient_lets_their_daughter_in_and_she_sees_only_what_was_granted(
    portal_case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case, patient = portal_case(Stage.SCHEDULED)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _signed_in(patient).post(reverse("portal:people", kwargs={"uuid": case.uuid}), _data())
    assert response.status_code == 302
    grant = PortalGrant.objects.get(case=case, person__email="dana@example.com", revoked_at=None)
    assert grant.scopes == ["payments", "itinerary"] and grant.granted_by == patient
    event = case.events.get(kind=EventKind.PORTAL_GRANTED)
    assert event.actor == patient and event.data["by_grant"] == str(PortalGrant.objects.get(person=patient).uuid)
    assert [m.to for m in mail.outbox] == [["dana@example.com"]]
    daughter = _signed_in(grant.person)
    assert daughter.get(reverse("portal:itinerary_ics", kwargs={"uuid": case.uuid})).status_code == 200
    page = daughter.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert "Your itinerary" in page and "Records we still need" not in page
    assert daughter.get(reverse("portal:people", kwargs={"uuid": case.uuid})).status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scopes": []}, "This field is required"),
        ({"ends_on": "2020-01-01"}, "cannot be in the past"),
        ({"ends_on": (dt.date.today() + dt.timedelta(days=3 * 366)).isoformat()}, "two years at most"),
        ({"email": "not-an-address"}, "Enter a valid email address"),
        ({"relation": "patient"}, "Select a valid choice"),
        ({"scopes": ["everything"]}, "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(portal_case: Any, changes: dict[str, Any], message: str) -> None:
    case, patient = portal_case(Stage.INQUIRY)
    response = _signed_in(patient).post(reverse("portal:people", kwargs={"uuid": case.uuid}), _data(**changes))
    assert response.status_code == 422 and message in response.content.decode()
    assert PortalGrant.objects.filter(case=case).count() == 1
    assert not case.events.filter(kind=EventKind.PORTAL_GRANTED).exists()


def test_a_second_grant_to_the_same_address_and_a_staff_address_are_refused(portal_case: Any, staff: dict[str, Any]) -> None:
    case, patient = portal_case(Stage.INQUIRY)
    client = _signed_in(patient)
    url = reverse("portal:people", kwargs={"uuid": case.uuid})
    assert client.post(url, _data()).status_code == 302
    response = client.post(url, _data())
    assert response.status_code == 422 and "can already see this case" in response.content.decode()
    staff["carla"].email = "carla@clinic.example"
    staff["carla"].save()
    response = client.post(url, _data(email="carla@clinic.example"))
    assert response.status_code == 422 and "member of staff" in response.content.decode()
    response = client.post(url, _data(email=patient.email))
    assert response.status_code == 422 and "your own address" in response.content.decode()
    assert case.events.filter(kind=EventKind.PORTAL_GRANTED).count() == 1


def test_the_patient_revokes_access_at_once_and_a_second_revoke_is_refused(portal_case: Any) -> None:
    case, patient = portal_case(Stage.INQUIRY)
    client = _signed_in(patient)
    url = reverse("portal:people", kwargs={"uuid": case.uuid})
    client.post(url, _data())
    helper = PortalGrant.objects.get(case=case, person__email="dana@example.com")
    helper_client = _signed_in(helper.person)
    assert helper_client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).status_code == 200
    assert client.post(url, {"revoke": str(helper.uuid)}).status_code == 302
    assert helper_client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).status_code == 404
    event = case.events.get(kind=EventKind.PORTAL_REVOKED)
    assert event.actor == patient and event.data["grant"] == str(helper.uuid)
    response = client.post(url, {"revoke": str(helper.uuid)}, follow=True)
    assert "already revoked" in response.content.decode()
    assert case.events.filter(kind=EventKind.PORTAL_REVOKED).count() == 1


def test_a_grant_of_another_case_cannot_be_revoked_from_this_one(portal_case: Any) -> None:
    case, patient = portal_case(Stage.INQUIRY)
    other_case, other_patient = portal_case(Stage.INQUIRY)
    _signed_in(other_patient).post(reverse("portal:people", kwargs={"uuid": other_case.uuid}), _data())
    theirs = PortalGrant.objects.get(case=other_case, person__email="dana@example.com")
    response = _signed_in(patient).post(reverse("portal:people", kwargs={"uuid": case.uuid}), {"revoke": str(theirs.uuid)}, follow=True)
    assert "no such access" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    for forged in ("not-a-uuid", str(PortalGrant.objects.get(person=patient).uuid)):
        _signed_in(patient).post(reverse("portal:people", kwargs={"uuid": case.uuid}), {"revoke": forged})
    assert PortalGrant.objects.get(person=patient).revoked_at is None


def test_a_helper_cannot_let_others_in_even_through_the_service(portal_case: Any) -> None:
    case, patient = portal_case(Stage.INQUIRY)
    _signed_in(patient).post(reverse("portal:people", kwargs={"uuid": case.uuid}), _data(scopes=["records"]))
    helper = PortalGrant.objects.get(case=case, person__email="dana@example.com")
    with pytest.raises(NotAllowed):
        services.grant_access(
            grant=helper, email="x@example.com", full_name="X", relation="family", scopes=["records"], ends_on=clinic_today()
        )
    with pytest.raises(NotAllowed):
        services.revoke_access(grant=helper, helper_uuid=str(helper.uuid))
    assert PortalGrant.objects.filter(case=case).count() == 2


def test_a_revoked_helper_cannot_accept_the_quote_through_the_service(portal_case: Any) -> None:
    case, patient = portal_case(Stage.QUOTED)
    _signed_in(patient).post(reverse("portal:people", kwargs={"uuid": case.uuid}), _data(scopes=["payments"]))
    helper = PortalGrant.objects.get(case=case, person__email="dana@example.com")
    services.revoke_access(grant=PortalGrant.objects.get(person=patient), helper_uuid=str(helper.uuid))
    helper.refresh_from_db()
    quote = case.quotes.get()
    with pytest.raises(Refusal):
        services.accept_quote(grant=helper, quote=quote, shown_version=quote.version, shown_digest=quote.document_digest(), address=None)
    case.refresh_from_db()
    assert case.stage == Stage.QUOTED
