"""Staff see who follows a case on the portal, in which language, and invite a patient from the case page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from cellway.cases.events import EventKind
from cellway.cases.stages import Stage
from cellway.portal.models import PortalGrant

pytestmark = pytest.mark.django_db


def test_care_invites_the_patient_from_the_case_page_once(as_user: Any, case_at: Any, django_capture_on_commit_callbacks: Any) -> None:
    from django.core import mail

    case = case_at(Stage.TRIAGE)
    client = as_user("carla")
    page = client.get(reverse("console:case", kwargs={"uuid": case.uuid})).content.decode()
    assert "Nobody follows this case on the portal." in page and "Invite the patient to the portal" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("console:act-portal-invite", kwargs={"uuid": case.uuid}))
    assert response.status_code == 302
    assert PortalGrant.objects.filter(case=case, relation="patient").count() == 1
    assert [m.to for m in mail.outbox] == [[case.patient.email]]
    page = client.get(reverse("console:case", kwargs={"uuid": case.uuid})).content.decode()
    assert f"{case.patient.email}: the patient" in page and "Invite the patient to the portal" not in page
    again = client.post(reverse("console:act-portal-invite", kwargs={"uuid": case.uuid}))
    assert again.status_code == 422 and "already invited" in again.content.decode()
    assert case.events.filter(kind=EventKind.PORTAL_INVITED).count() == 1


def test_a_role_that_does_not_read_contact_details_sees_no_portal_panel_and_cannot_invite(as_user: Any, case_at: Any) -> None:
    case = case_at(Stage.SCHEDULED)
    client = as_user("ivan")
    page = client.get(reverse("console:case", kwargs={"uuid": case.uuid}))
    assert page.status_code == 200 and 'id="portal"' not in page.content.decode()
    assert client.post(reverse("console:act-portal-invite", kwargs={"uuid": case.uuid})).status_code in {403, 404}
    assert not PortalGrant.objects.filter(case=case).exists()


def test_logistics_sees_the_panel_but_is_not_offered_the_invitation_and_is_refused_it(as_user: Any, case_at: Any) -> None:
    case = case_at(Stage.SCHEDULED)
    client = as_user("lena")
    page = client.get(reverse("console:case", kwargs={"uuid": case.uuid})).content.decode()
    assert 'id="portal"' in page and "Invite the patient to the portal" not in page
    assert client.post(reverse("console:act-portal-invite", kwargs={"uuid": case.uuid})).status_code == 403
    assert not PortalGrant.objects.filter(case=case).exists()
