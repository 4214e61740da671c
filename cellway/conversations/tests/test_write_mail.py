"""Staff write a mail from the case's thread: to one of the case's people alone, in their language, with the case's
reply address and a Message-ID their reply threads back by; on the thread as mail out, once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cellway.cases.reply_address import reply_address
from cellway.cases.stages import Stage
from cellway.conversations import selectors
from cellway.conversations.models import Channel, Direction, Message
from cellway.conversations.services import InboundMail, receive_mail, write_mail
from cellway.errors import NotAllowed, Refusal

pytestmark = pytest.mark.django_db


def _client(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _data(case: Any, **changes: str) -> dict[str, str]:
    return {"to": case.patient.email, "subject": "Your screening", "body": "Dear Omar & family,\nplease send the report.", **changes}


def test_a_liaison_mails_the_patient_alone_in_their_language_and_the_reply_threads_back(
    case_at: Any, staff: dict[str, Any], mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = case_at(Stage.ACCEPTED)
    case.inquiry.site_language = "ar"
    case.inquiry.save()
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = _client(staff["liam"]).post(reverse("console:act-write-mail", kwargs={"uuid": case.uuid}), _data(case))

    assert response.status_code == 302
    (sent,) = mailoutbox
    assert (sent.to, sent.cc, sent.bcc) == ([case.patient.email], [], [])
    assert sent.reply_to == [reply_address(case.code)]
    assert sent.subject == f"Your screening ({case.code})"
    assert "Dear Omar & family,\nplease send the report." in sent.body  # the writer's words, not HTML-escaped
    assert "مرحبًا" in sent.body and "Liam" in sent.body  # the greeting in Arabic, signed by the writer
    stored = Message.objects.get(case=case, channel=Channel.EMAIL, direction=Direction.OUTBOUND)
    assert stored.email_message_id == sent.extra_headers["Message-ID"]
    assert (stored.author, stored.email_address, stored.subject) == (staff["liam"], case.patient.email, "Your screening")
    entries = selectors.thread(case)
    assert entries[0].direction == Direction.OUTBOUND and selectors.waiting_on(entries) == selectors.CONTACT

    answer = receive_mail(
        mail=InboundMail(
            message_id="<answer-1@example.com>",
            from_address=case.patient.email,
            from_name="Omar",
            recipients=("someone@elsewhere.example",),
            subject="Re: Your screening",
            text="Here it is.",
            automatic=False,
            answers=(stored.email_message_id,),
        )
    )
    assert answer.message.case == case
    assert selectors.waiting_on(selectors.thread(case)) == selectors.CARE_TEAM


def test_only_the_cases_people_are_written_to_and_nothing_is_written_otherwise(
    case_at: Any, staff: dict[str, Any], mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = case_at(Stage.TRIAGE)
    mailoutbox.clear()
    url = reverse("console:act-write-mail", kwargs={"uuid": case.uuid})

    with django_capture_on_commit_callbacks(execute=True):
        refused = _client(staff["carla"]).post(url, _data(case, to="finance@cellway.example"))
        with pytest.raises(Refusal, match="subject"):
            write_mail(case=case, by=staff["carla"], to=case.patient.email, subject=" \n ", body="Text")
        with pytest.raises(Refusal, match="too long"):
            write_mail(case=case, by=staff["carla"], to=case.patient.email, subject="S", body="x" * 20001)

    assert refused.status_code == 422 and "neither" in refused.content.decode()
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists() and not mailoutbox


def test_a_header_cannot_be_injected_through_the_subject(
    case_at: Any, staff: dict[str, Any], mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = case_at(Stage.TRIAGE)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        write_mail(case=case, by=staff["carla"], to=case.patient.email, subject="Hello\r\nBcc: evil@example.com", body="Text")
    (sent,) = mailoutbox
    assert sent.bcc == [] and "\n" not in sent.subject and sent.subject.startswith("Hello Bcc:")


def test_staff_without_the_permission_get_403_and_outsiders_404(
    case_at: Any, staff: dict[str, Any], mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = case_at(Stage.TRIAGE)
    mailoutbox.clear()
    url = reverse("console:act-write-mail", kwargs={"uuid": case.uuid})

    with django_capture_on_commit_callbacks(execute=True):
        for who, status in (("fiona", 403), ("lena", 403), ("ivan", 403), ("outsider", 404), ("daniel", 404)):
            assert _client(staff[who]).post(url, _data(case)).status_code == status, who
        with pytest.raises(NotAllowed):
            write_mail(case=case, by=staff["marcus"], to=case.patient.email, subject="S", body="B")

    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists() and not mailoutbox


def test_the_case_page_offers_the_forms_to_those_who_may_write_only(case_at: Any, staff: dict[str, Any]) -> None:
    case = case_at(Stage.TRIAGE)
    url = reverse("console:case", kwargs={"uuid": case.uuid})

    page = _client(staff["carla"]).get(url).content.decode()
    assert "Write an email" in page and reverse("console:act-write-mail", kwargs={"uuid": case.uuid}) in page
    # Nobody reads the portal yet (the invitation at opening is off in these tests): no portal reply offered.
    assert "Reply in the portal" not in page
    finance = _client(staff["fiona"]).get(url).content.decode()
    assert "Write an email" not in finance and 'id="thread"' not in finance
