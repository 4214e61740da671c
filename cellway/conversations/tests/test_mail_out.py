"""Every mail to a patient or family goes to them alone, in their language, with the case's reply address and
a Message-ID stored on the thread; staff hear in a separate mail."""

from __future__ import annotations

import pytest
from django.test import override_settings

from cellway.cases import notify
from cellway.cases import services as cases
from cellway.cases.reply_address import case_code_of, reply_address
from cellway.cases.stages import Stage
from cellway.conversations.models import Channel, Direction, Message

pytestmark = pytest.mark.django_db


def test_the_patients_mail_has_only_the_patient_in_to_and_staff_get_a_separate_mail(
    case_at, staff, mailoutbox, django_capture_on_commit_callbacks
):
    case = case_at(Stage.QUOTED)

    with django_capture_on_commit_callbacks(execute=True):
        cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Chose treatment closer to home")

    to_patient, to_staff = mailoutbox
    assert (to_patient.to, to_patient.cc, to_patient.bcc) == ([case.patient.email], [], [])
    assert to_patient.reply_to == [reply_address(case.code)]
    assert to_staff.to == ["carla@cellway.example"] and case.patient.email not in to_staff.to + to_staff.cc + to_staff.bcc
    sent = Message.objects.get(case=case)
    assert (sent.channel, sent.direction, sent.email_address) == (Channel.EMAIL, Direction.OUTBOUND, case.patient.email)
    assert sent.subject == to_patient.subject
    assert sent.email_message_id == to_patient.extra_headers["Message-ID"]
    assert sent.email_message_id.endswith("@reply.cellway.example>")


def test_the_reply_address_carries_the_case_code_and_an_hmac_that_is_checked():
    address = reply_address("CW-2026-0042")

    assert address.startswith("case+CW-2026-0042.") and address.endswith("@reply.cellway.example")
    assert case_code_of(address) == "CW-2026-0042"
    assert case_code_of(address.upper().replace("@REPLY.CELLWAY.EXAMPLE", "@reply.cellway.example")) == "CW-2026-0042"
    assert case_code_of(address.replace("CW-2026-0042", "CW-2026-0043")) is None
    assert case_code_of(address.replace("@reply.cellway.example", "@elsewhere.example")) is None
    with override_settings(SECRET_KEY="another-key"):
        assert case_code_of(address) is None


def test_a_patient_who_wrote_in_arabic_is_written_to_in_arabic(case_at, staff, mailoutbox, django_capture_on_commit_callbacks):
    case = case_at(Stage.TRIAGE)
    case.inquiry.site_language = "ar"
    case.inquiry.save()

    with django_capture_on_commit_callbacks(execute=True):
        notify.later(notify.inquiry_received, case_id=case.pk)

    to_patient = next(m for m in mailoutbox if m.to == [case.patient.email])
    assert "شكرا" in to_patient.body or "استفسار" in to_patient.body


def test_staff_never_have_the_patient_on_their_mail_and_the_patient_is_never_with_staff(case_at):
    case = case_at(Stage.TRIAGE)

    with pytest.raises(ValueError, match="alone"):
        notify.addresses(case, [notify.PATIENT, "care"])


@pytest.mark.parametrize(("language", "words"), [("Arabic", "عزيزي"), ("Chinese", "尊敬的"), ("English", "Dear")])
def test_the_case_notices_are_in_the_patients_language(case_at, staff, mailoutbox, django_capture_on_commit_callbacks, language, words):
    case = case_at(Stage.QUOTED)
    case.patient.language = language
    case.patient.save()

    with django_capture_on_commit_callbacks(execute=True):
        cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Chose treatment closer to home")

    to_patient = next(m for m in mailoutbox if m.to == [case.patient.email])
    assert words in to_patient.body
    assert case.code in to_patient.subject
