"""Messages with the care team in the portal, on the case's one thread: who may write and read, what the patient's
side sees, a double post stored once, the size and the rate, and the care team's reply told by mail."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cellway.cases.reply_address import reply_address
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.conversations import selectors as thread_selectors
from cellway.conversations import services as conversations
from cellway.conversations.models import Channel, Direction, Message
from cellway.errors import NotAllowed, Refusal
from cellway.portal import services
from cellway.portal.models import PortalGrant
from cellway.portal.selectors import messages_for

pytestmark = pytest.mark.django_db


def _client(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _post(person: Any, case: Any, body: str, client_id: str | None = None) -> Any:
    data = {"client_id": client_id or str(uuid.uuid4()), "body": body}
    return _client(person).post(reverse("portal:messages", kwargs={"uuid": case.uuid}), data)


@pytest.fixture
def world(portal_case: Any, staff: dict[str, Any]) -> dict[str, Any]:
    case, patient = portal_case(Stage.QUOTED)
    patient.language = "ar"
    patient.save()
    grant = PortalGrant.objects.get(person=patient, case=case)
    ends = clinic_today() + dt.timedelta(days=30)
    daughter = services.grant_access(
        grant=grant, email="layla@example.com", full_name="Layla Haddad", relation="family", scopes=["messages"], ends_on=ends
    ).person
    daughter.language = "zh-hans"
    daughter.save()
    doctor = services.grant_access(
        grant=grant, email="dr.referrer@example.com", full_name="Karim Referrer", relation="doctor", scopes=["records"], ends_on=ends
    ).person
    mail.outbox.clear()
    return {"case": case, "patient": patient, "daughter": daughter, "doctor": doctor, "staff": staff}


def test_the_patient_writes_and_it_is_on_the_staff_thread_waiting_on_the_care_team(world: dict[str, Any]) -> None:
    case, patient = world["case"], world["patient"]

    response = _post(patient, case, "When should I do the screening?")

    assert response.status_code == 302 and response.url.endswith("#messages")
    message = Message.objects.get(case=case, channel=Channel.PORTAL)
    assert (message.direction, message.author, message.author_role, message.on_behalf_of) == (Direction.INBOUND, patient, "patient", "")
    entries = thread_selectors.thread(case)
    assert entries[0].channel == Channel.PORTAL and entries[0].body == "When should I do the screening?"
    assert thread_selectors.waiting_on(entries) == thread_selectors.CARE_TEAM
    page = _client(patient).get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert "When should I do the screening?" in page


def test_a_helper_with_messages_writes_as_themselves_on_behalf_of_the_patient(world: dict[str, Any]) -> None:
    case, daughter = world["case"], world["daughter"]

    assert _post(daughter, case, "My father asks about the hotel.").status_code == 302

    message = Message.objects.get(case=case, channel=Channel.PORTAL)
    assert message.author == daughter and message.author_role == "family"
    assert message.on_behalf_of == case.patient.full_name and message.author_label == "Layla Haddad"
    entry = thread_selectors.thread(case)[0]
    assert entry.speaker == "Layla Haddad (family)" and entry.on_behalf_of == case.patient.full_name
    # The patient reads who wrote it and for whom.
    page = _client(world["patient"]).get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert "Layla Haddad" in page and case.patient.full_name in page


def test_a_helper_without_messages_another_patient_and_an_outsider_get_404_and_nothing_is_written(
    world: dict[str, Any], portal_case: Any
) -> None:
    case = world["case"]
    _other_case, other_patient = portal_case(Stage.INQUIRY)

    for who in (world["doctor"], other_patient, world["staff"]["outsider"]):
        assert _post(who, case, "Let me in").status_code == 404
    page = _client(world["doctor"]).get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert 'id="messages"' not in page
    assert not Message.objects.filter(channel=Channel.PORTAL).exists()
    doctor_grant = PortalGrant.objects.get(person=world["doctor"], case=case)
    with pytest.raises(NotAllowed):
        services.write_message(grant=doctor_grant, client_id=str(uuid.uuid4()), body="Hello")
    assert messages_for(doctor_grant) == []


def test_a_double_click_or_a_retried_post_stores_one_message(world: dict[str, Any]) -> None:
    case, patient = world["case"], world["patient"]
    client_id = str(uuid.uuid4())

    first = _post(patient, case, "Once only", client_id)
    second = _post(patient, case, "Once only", client_id)

    assert first.status_code == second.status_code == 302
    assert Message.objects.filter(case=case, channel=Channel.PORTAL).count() == 1


def test_a_forged_client_id_of_someone_elses_message_is_refused_and_reveals_nothing(world: dict[str, Any]) -> None:
    case, patient, daughter = world["case"], world["patient"], world["daughter"]
    client_id = str(uuid.uuid4())
    _post(patient, case, "Private words of the patient", client_id)

    response = _post(daughter, case, "Overwrite it", client_id)

    assert response.status_code == 422
    assert "Reload the page" in response.content.decode() or "重新" in response.content.decode()
    assert list(Message.objects.filter(case=case, channel=Channel.PORTAL).values_list("body", flat=True)) == [
        "Private words of the patient"
    ]


def test_a_malformed_client_id_or_an_empty_message_is_a_form_error_not_a_500(world: dict[str, Any]) -> None:
    case, patient = world["case"], world["patient"]

    assert _post(patient, case, "Hello", client_id="not-a-uuid").status_code == 422
    assert _post(patient, case, "   ").status_code == 422
    assert not Message.objects.filter(channel=Channel.PORTAL).exists()


def test_an_over_long_message_is_refused_with_the_limit_and_what_was_typed_kept(world: dict[str, Any], settings: Any) -> None:
    settings.PORTAL_MESSAGE_MAX_CHARS = 50
    case, patient = world["case"], world["patient"]
    patient.language = "en"
    patient.save()

    response = _post(patient, case, "x" * 51)

    assert response.status_code == 422
    page = response.content.decode()
    assert "at most 50 characters" in page and "x" * 51 in page
    assert not Message.objects.filter(channel=Channel.PORTAL).exists()
    assert _post(patient, case, "x" * 50).status_code == 302


def test_a_flood_is_rate_limited_and_said_so(world: dict[str, Any], settings: Any) -> None:
    settings.PORTAL_MESSAGES_PER_HOUR = 3
    case, patient = world["case"], world["patient"]
    patient.language = "en"
    patient.save()

    for n in range(3):
        assert _post(patient, case, f"Message {n}").status_code == 302
    response = _post(patient, case, "One too many")

    assert response.status_code == 429
    assert "At most 3 messages an hour" in response.content.decode()
    assert Message.objects.filter(case=case, channel=Channel.PORTAL).count() == 3
    # The rate is per person: the daughter still writes.
    assert _post(world["daughter"], case, "Mine").status_code == 302
    # An hour later the patient writes again.
    Message.objects.filter(author=patient).update(created_at=timezone.now() - dt.timedelta(hours=1, minutes=1))
    assert _post(patient, case, "Later").status_code == 302


def test_the_patients_side_sees_what_was_said_with_them_and_not_staff_notes_or_other_parties(world: dict[str, Any]) -> None:
    case, staff = world["case"], world["staff"]
    patient_grant = PortalGrant.objects.get(person=world["patient"], case=case)
    now = timezone.now()
    conversations.log_contact(
        case=case,
        by=staff["carla"],
        channel="phone",
        direction="out",
        contact="the patient",
        occurred_at=now,
        summary="Internal: sounded worried",
    )
    Message.objects.create(
        case=case,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        email_address="dr.referrer@example.com",
        body="To the doctor",
        occurred_at=now,
    )
    Message.objects.create(
        case=case,
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        email_address="stranger@example.com",
        body="From a stranger",
        occurred_at=now,
    )
    Message.objects.create(case=case, channel=Channel.CHAT, direction=Direction.INBOUND, body="A chat before the case", occurred_at=now)
    Message.objects.create(
        case=case,
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        email_address=case.patient.email.upper(),
        body="Patient's mail",
        occurred_at=now,
    )
    Message.objects.create(
        case=case,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        email_address="layla@example.com",
        body="Mail to Layla",
        occurred_at=now,
    )
    Message.objects.create(
        case=case,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        email_address=case.patient.email,
        body="Notice",
        automatic=True,
        occurred_at=now,
    )
    services.write_message(grant=patient_grant, client_id=str(uuid.uuid4()), body="Portal words")

    seen = [m.body for m in messages_for(patient_grant)]

    assert seen == ["Patient's mail", "Mail to Layla", "Portal words"]
    daughter_grant = PortalGrant.objects.get(person=world["daughter"], case=case)
    assert [m.body for m in messages_for(daughter_grant)] == seen
    # Once Layla no longer reads messages, mail with her is no longer the patient's side's.
    services.revoke_access(grant=patient_grant, helper_uuid=str(daughter_grant.uuid))
    assert [m.body for m in messages_for(patient_grant)] == ["Patient's mail", "Portal words"]


def test_the_care_teams_reply_shows_in_the_portal_and_each_reader_gets_a_short_mail_in_their_language(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case, staff, patient = world["case"], world["staff"], world["patient"]
    _post(patient, case, "A question")

    with django_capture_on_commit_callbacks(execute=True):
        response = _client(staff["carla"]).post(
            reverse("console:act-portal-reply", kwargs={"uuid": case.uuid}),
            {"client_id": str(uuid.uuid4()), "body": "Secret medical answer: take the test on Monday"},
        )

    assert response.status_code == 302
    reply = Message.objects.get(case=case, channel=Channel.PORTAL, direction=Direction.OUTBOUND)
    assert reply.author == staff["carla"]
    assert thread_selectors.waiting_on(thread_selectors.thread(case)) == thread_selectors.CONTACT
    page = _client(patient).get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert "Secret medical answer" in page
    # One mail each, to them alone, in their language, with a link and without the words; nobody else.
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {patient.email, "layla@example.com"}
    for sent in mail.outbox:
        assert len(sent.to) == 1 and not sent.cc and not sent.bcc
        assert "Secret medical answer" not in sent.body and "Monday" not in sent.subject
        assert f"/portal/cases/{case.uuid}/#messages" in sent.body
        assert sent.reply_to == [reply_address(case.code)]
        assert Message.objects.filter(email_message_id=sent.extra_headers["Message-ID"], automatic=True).exists()
    assert "رسالة" in by_address[patient.email].subject
    assert "消息" in by_address["layla@example.com"].subject
    # The notices are on the staff thread, but the portal does not list them as messages.
    assert [m.body for m in messages_for(PortalGrant.objects.get(person=patient, case=case))] == [
        "A question",
        "Secret medical answer: take the test on Monday",
    ]


def test_staff_without_the_permission_get_403_outsiders_404_and_nothing_is_written(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case, staff = world["case"], world["staff"]
    url = reverse("console:act-portal-reply", kwargs={"uuid": case.uuid})
    data = {"client_id": str(uuid.uuid4()), "body": "Hello"}

    with django_capture_on_commit_callbacks(execute=True):
        assert _client(staff["fiona"]).post(url, data).status_code == 403  # finance: the thread is not theirs
        assert _client(staff["lena"]).post(url, data).status_code == 403  # logistics
        assert _client(staff["outsider"]).post(url, data).status_code == 404
        assert _client(staff["daniel"]).post(url, data).status_code == 404  # a specialist not assigned
        assert _client(world["patient"]).post(url, data).status_code == 404  # the patient is not staff

    assert not Message.objects.filter(channel=Channel.PORTAL).exists() and not mail.outbox


def test_a_staff_reply_posted_twice_is_one_message_and_one_round_of_mails(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case, carla = world["case"], world["staff"]["carla"]
    client_id = str(uuid.uuid4())

    with django_capture_on_commit_callbacks(execute=True):
        first, new_first = conversations.reply_in_portal(case=case, by=carla, client_id=client_id, body="Answer")
    with django_capture_on_commit_callbacks(execute=True):
        second, new_second = conversations.reply_in_portal(case=case, by=carla, client_id=client_id, body="Answer")

    assert (new_first, new_second) == (True, False) and first.pk == second.pk
    assert len(mail.outbox) == 2


def test_no_portal_reply_before_anyone_reads_the_portal(case_at: Any, staff: dict[str, Any]) -> None:
    case = case_at(Stage.TRIAGE)  # the invitation at opening is off in these settings

    with pytest.raises(Refusal, match="Nobody reads"):
        conversations.reply_in_portal(case=case, by=staff["carla"], client_id=str(uuid.uuid4()), body="Hello")
    assert not Message.objects.filter(channel=Channel.PORTAL).exists()
