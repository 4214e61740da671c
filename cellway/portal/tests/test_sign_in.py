"""Signing in to the portal by an emailed code: only portal people get one, the answer is the same for anyone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from cellway.cases.events import EventKind
from cellway.cases.stages import Stage
from cellway.portal.models import PortalGrant, Relation

pytestmark = pytest.mark.django_db


def _request_code(client: Any, email: str) -> Any:
    return client.post(reverse("account_request_login_code"), {"email": email})


def _code(message: Any) -> str:
    found = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE)
    assert found, message.body
    return found.group(1)


def test_a_patient_signs_in_by_the_code_mailed_to_them_and_lands_on_their_case(client: Any, portal_case: Any) -> None:
    case, patient = portal_case(Stage.QUOTED)
    mail.outbox.clear()
    response = _request_code(client, patient.email.upper())
    assert response.status_code == 302 and response.url.startswith(reverse("account_confirm_login_code"))
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [patient.email]
    response = client.post(reverse("account_confirm_login_code"), {"code": _code(mail.outbox[0])})
    assert response.status_code == 302
    response = client.get(response.url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:case", kwargs={"uuid": case.uuid})
    assert "Your treatment plan is ready" in response.content.decode()


def test_a_wrong_code_is_refused_and_three_wrong_codes_end_the_attempt(client: Any, portal_case: Any) -> None:
    _case, patient = portal_case(Stage.INQUIRY)
    mail.outbox.clear()
    _request_code(client, patient.email)
    right = _code(mail.outbox[0])
    wrong = "AAAA-AAAA" if right != "AAAA-AAAA" else "BBBB-BBBB"
    assert client.post(reverse("account_confirm_login_code"), {"code": wrong}).status_code == 200
    client.post(reverse("account_confirm_login_code"), {"code": wrong})
    response = client.post(reverse("account_confirm_login_code"), {"code": wrong})
    assert response.status_code == 302
    # The right code no longer works: the attempt is over, a new code must be asked for.
    response = client.post(reverse("account_confirm_login_code"), {"code": right})
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_a_code_is_taken_once(client: Any, portal_case: Any) -> None:
    _case, patient = portal_case(Stage.INQUIRY)
    mail.outbox.clear()
    _request_code(client, patient.email)
    code = _code(mail.outbox[0])
    client.post(reverse("account_confirm_login_code"), {"code": code})
    client.logout()
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302 and "_auth_user_id" not in client.session


@pytest.mark.parametrize("who", ["nobody", "staff", "revoked"])
def test_any_other_address_gets_the_same_answer_and_no_mail(client: Any, portal_case: Any, staff: dict[str, Any], who: str) -> None:
    _case, patient = portal_case(Stage.INQUIRY)
    email = {"nobody": "nobody@example.com", "staff": staff["carla"].email or "carla@example.com", "revoked": patient.email}[who]
    if who == "staff" and not staff["carla"].email:
        staff["carla"].email = email
        staff["carla"].save()
    if who == "revoked":
        PortalGrant.objects.filter(person=patient).update(revoked_at="2026-01-01T00:00:00Z")
    mail.outbox.clear()
    response = _request_code(client, email)
    assert response.status_code == 302 and response.url.startswith(reverse("account_confirm_login_code"))
    assert mail.outbox == []


def test_a_code_flood_for_one_address_is_stopped_known_or_not(portal_case: Any) -> None:
    from django.test import Client

    _case, patient = portal_case(Stage.INQUIRY)
    mail.outbox.clear()
    for email in (patient.email, "nobody@example.com"):
        # A new browser each time (one browser with a code pending is simply sent back to type it).
        answers = [_request_code(Client(), email) for _ in range(4)]
        assert [a.status_code for a in answers] == [302, 302, 302, 200], email
        assert "Too many" in answers[-1].content.decode()
    assert len([m for m in mail.outbox if m.to == [patient.email] and "code" in m.subject.lower()]) == 3


def test_the_staff_sign_in_page_is_unchanged_and_offers_no_code(client: Any) -> None:
    page = client.get(reverse("account_login")).content.decode()
    assert 'name="password"' in page and "login/code" not in page


@override_settings(PORTAL_INVITE_ON_OPENING=True)
def test_opening_a_case_invites_the_patient_in_their_language(staff: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    from cellway.cases import services as cases
    from cellway.cases.models import Condition

    inquiry = cases.record_inquiry(
        by=staff["carla"],
        full_name="Layla Haddad",
        email="layla@example.com",
        phone="",
        country="Jordan",
        language="Arabic",
        condition=Condition.objects.get(code="ms"),
        source="email",
        message="",
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.open_case(inquiry=inquiry, by=staff["carla"])
    grant = PortalGrant.objects.get(case=case)
    assert grant.relation == Relation.PATIENT and grant.person.email == "layla@example.com" and grant.person.language == "ar"
    assert not grant.person.has_usable_password()
    assert case.events.filter(kind=EventKind.PORTAL_INVITED).count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["layla@example.com"]
    assert "/portal/sign-in/" in mail.outbox[0].body


def test_a_case_whose_address_is_a_staff_members_opens_without_an_invitation(staff: dict[str, Any], case_at: Any) -> None:
    from cellway.portal.services import invite_patient

    case = case_at(Stage.INQUIRY)
    staff["carla"].email = case.patient.email
    staff["carla"].save()
    from cellway.errors import Refusal

    with pytest.raises(Refusal, match="member of staff"):
        invite_patient(case=case, by=staff["carla"])
    assert not PortalGrant.objects.filter(case=case).exists()


def test_signing_in_by_code_shows_no_account_name(client: Any, portal_case: Any) -> None:
    case, patient = portal_case(Stage.INQUIRY)
    mail.outbox.clear()
    _request_code(client, patient.email)
    response = client.post(reverse("account_confirm_login_code"), {"code": _code(mail.outbox[0])}, follow=True)
    assert response.status_code == 200 and patient.username not in response.content.decode()
