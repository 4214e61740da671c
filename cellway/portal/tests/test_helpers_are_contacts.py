"""A portal helper is one of the case's people while their access is open: their mail threads to the case as the
patient's does, the care team may write to them; once revoked or past its last day, they are not (review queue)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cellway.cases.reply_address import reply_address
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.conversations.contacts import people_of
from cellway.conversations.models import Message, Review
from cellway.conversations.services import InboundMail, known_contact, mail_recipients, receive_mail, write_mail
from cellway.errors import Refusal
from cellway.portal import services
from cellway.portal.models import PortalGrant

pytestmark = pytest.mark.django_db

N = iter(range(1000))


def _mail_from(address: str, case: Any) -> Message:
    return receive_mail(
        mail=InboundMail(
            message_id=f"<m{next(N)}@example.com>",
            from_address=address,
            from_name="Sami",
            recipients=(reply_address(case.code),),
            subject="About my father",
            text="When is the transfer?",
            automatic=False,
        )
    ).message


@pytest.fixture
def world(portal_case: Any) -> dict[str, Any]:
    case, patient = portal_case(Stage.SCHEDULED)
    grant = PortalGrant.objects.get(person=patient, case=case)
    helper = services.grant_access(
        grant=grant,
        email="Sami@Example.com",
        full_name="Sami Haddad",
        relation="family",
        scopes=["itinerary"],
        ends_on=clinic_today() + dt.timedelta(days=30),
    )
    return {"case": case, "grant": grant, "helper": helper}


def test_an_active_helpers_mail_threads_to_the_case_like_the_patients(world: dict[str, Any]) -> None:
    case = world["case"]

    assert known_contact(case, "sami@example.com")
    message = _mail_from("sami@example.com", case)

    assert message.case == case and message.review == Review.NONE
    assert "sami@example.com" in {r.email.lower() for r in mail_recipients(case)}


def test_a_revoked_helper_is_no_longer_a_contact_even_after_the_clinic_mailed_them(
    world: dict[str, Any], staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case = world["case"]
    with django_capture_on_commit_callbacks(execute=True):
        write_mail(case=case, by=staff["carla"], to="sami@example.com", subject="Transfer", body="At 10.")

    services.revoke_access(grant=world["grant"], helper_uuid=str(world["helper"].uuid))

    assert not known_contact(case, "sami@example.com")
    message = _mail_from("sami@example.com", case)
    assert message.case is None and message.review == Review.WAITING and message.claimed_case == case
    assert "sami@example.com" not in {p.email.lower() for p in people_of(case)}
    with pytest.raises(Refusal, match="neither"):
        write_mail(case=case, by=staff["carla"], to="sami@example.com", subject="Again", body="Hello")


def test_an_expired_helper_is_no_longer_a_contact(world: dict[str, Any]) -> None:
    case = world["case"]
    PortalGrant.objects.filter(pk=world["helper"].pk).update(ends_on=clinic_today() - dt.timedelta(days=1))

    assert not known_contact(case, "sami@example.com")
    assert _mail_from("sami@example.com", case).review == Review.WAITING


def test_a_helper_of_another_case_is_not_a_contact_of_this_one(world: dict[str, Any], portal_case: Any) -> None:
    other_case, _other = portal_case(Stage.QUOTED)

    assert not known_contact(other_case, "sami@example.com")
    assert _mail_from("sami@example.com", other_case).review == Review.WAITING
