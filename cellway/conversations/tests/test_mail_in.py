"""Mail in by django-anymail's Mailgun inbound webhook: signed posts built here, as Mailgun sends them.

Mail to the inquiry address opens an inquiry with its attachments through the records intake; a reply threads
back to its case (reply address with its hmac, then In-Reply-To/References, then a [#CODE] tag) only from a
known contact, else it waits for review; machines are never answered; one Message-ID is stored once; an
unsigned, wrongly signed or stale post, or a mail with no sender, writes nothing.
"""

from __future__ import annotations

import time

import pytest

from cellway.cases.models import Case, Inquiry, Source
from cellway.cases.reply_address import reply_address
from cellway.cases.stages import Stage
from cellway.conversations.models import Channel, Direction, HeldAttachment, Message, Review
from cellway.conversations.tests.mailgun import PDF, mail, post
from cellway.records.models import RecordFile

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    inbound = Message.objects.filter(direction=Direction.INBOUND)
    return inbound.count(), Case.objects.count(), RecordFile.objects.count(), HeldAttachment.objects.count()


def test_mail_to_the_inquiry_address_opens_an_inquiry_with_its_attachment(client, staff, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, mail(files=[("mri-report.pdf", PDF, "application/pdf")]))

    assert response.status_code == 200
    inquiry = Inquiry.objects.get()
    assert (inquiry.source, inquiry.email, inquiry.full_name) == (Source.EMAIL, "layla@example.com", "Layla Hassan")
    assert inquiry.recorded_by is None
    assert "diagnosed in 2019" in inquiry.message
    case = inquiry.case
    assert case.stage == Stage.INQUIRY
    message = Message.objects.get(direction=Direction.INBOUND)
    assert (message.case, message.channel, message.direction) == (case, Channel.EMAIL, Direction.INBOUND)
    assert message.email_address == "layla@example.com"
    record = RecordFile.objects.get()
    assert (record.item.case, record.original_name, record.source, record.uploaded_by) == (case, "mri-report.pdf", "email", None)
    assert list(message.records.all()) == [record]
    # The sender is acknowledged alone, with the case's reply address; customer care hears separately.
    to_sender = [m for m in mailoutbox if m.to == ["layla@example.com"]]
    assert len(to_sender) == 1 and to_sender[0].reply_to == [reply_address(case.code)]
    assert all("layla@example.com" not in m.to for m in mailoutbox if m is not to_sender[0])
    assert any(m.to == ["carla@cellway.example"] and "by email" in m.subject for m in mailoutbox)


def test_a_chinese_inquiry_is_acknowledged_in_chinese(client, staff, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, mail(subject="咨询干细胞治疗", text="您好，我父亲患有多发性硬化症。"))

    (ack,) = [m for m in mailoutbox if m.to == ["layla@example.com"]]
    assert "感谢" in ack.body or "您" in ack.body


def test_a_reply_to_the_case_reply_address_threads_back_to_the_case(client, case_at):
    case = case_at(Stage.TRIAGE)

    response = post(client, mail(sender=f"Patient <{case.patient.email}>", to=reply_address(case.code), subject="Re: your dates"))

    assert response.status_code == 200
    message = Message.objects.get()
    assert (message.case, message.review) == (case, Review.NONE)
    assert Case.objects.count() == 1  # no new inquiry


def test_a_reply_address_with_a_wrong_hmac_does_not_reach_the_case(client, case_at):
    case = case_at(Stage.TRIAGE)
    forged = reply_address(case.code).replace(".", ".0", 1)[:-1]  # another case+CODE.<mac>

    post(client, mail(sender=case.patient.email, to=f"case+{case.code}.0123456789abcdef@reply.cellway.example", subject="Hello"))
    post(client, mail(sender=case.patient.email, to=forged, subject="Hello again"))

    assert not Message.objects.filter(case=case).exists()
    assert Message.objects.filter(review=Review.WAITING).count() == 2


def test_a_reply_threads_back_by_in_reply_to(client, case_at, mailoutbox, django_capture_on_commit_callbacks, staff):
    from cellway.cases import services as cases

    case = case_at(Stage.QUOTED)
    with django_capture_on_commit_callbacks(execute=True):
        cases.end_case(case=case, to=Stage.WITHDRAWN, by=staff["carla"], reason="Asked by phone")
    sent = Message.objects.get(case=case, direction=Direction.OUTBOUND)
    (to_patient,) = [m for m in mailoutbox if m.to == [case.patient.email]]
    assert to_patient.extra_headers["Message-ID"] == sent.email_message_id

    # A client that drops the Reply-To and writes to the clinic's usual address: the headers still tell.
    post(client, mail(sender=case.patient.email, to="care@cellway.example", headers=[("In-Reply-To", sent.email_message_id)]))

    assert Message.objects.get(direction=Direction.INBOUND).case == case


def test_a_reply_threads_back_by_references_and_by_subject_tag(client, case_at):
    case = case_at(Stage.TRIAGE)
    Message.objects.create(
        case=case,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        body="x",
        email_message_id="<out-1@reply.cellway.example>",
        email_address=case.patient.email,
        occurred_at=case.opened_at,
    )

    references = [("References", "<a@b> <out-1@reply.cellway.example>")]
    post(client, mail(sender=case.patient.email, to="care@cellway.example", headers=references))
    post(client, mail(sender=case.patient.email, to="care@cellway.example", subject=f"Question [#{case.code}]"))

    assert Message.objects.filter(case=case, direction=Direction.INBOUND).count() == 2


def test_a_reply_from_an_address_that_is_not_a_contact_waits_for_review(client, case_at, mailoutbox, django_capture_on_commit_callbacks):
    case = case_at(Stage.TRIAGE)

    with django_capture_on_commit_callbacks(execute=True):
        post(client, mail(sender="stranger@example.net", to=reply_address(case.code), files=[("scan.pdf", PDF, "application/pdf")]))
        post(client, mail(sender="stranger@example.net", to="care@cellway.example", subject=f"About [#{case.code}]"))

    waiting = Message.objects.filter(review=Review.WAITING)
    assert waiting.count() == 2
    assert {m.claimed_case for m in waiting} == {case}
    assert not Message.objects.filter(case=case).exists()
    assert not RecordFile.objects.exists()  # nothing on the case's records
    assert HeldAttachment.objects.get().name == "scan.pdf"
    assert mailoutbox == []


@pytest.mark.parametrize(
    "automatic",
    [
        {"headers": [("Auto-Submitted", "auto-replied")]},
        {"headers": [("Precedence", "bulk")]},
        {"headers": [("Precedence", "auto_reply")]},
        {"headers": [("X-Autoreply", "yes")]},
        {"envelope_sender": ""},
        {"sender": "MAILER-DAEMON@mail.example.com", "envelope_sender": ""},
    ],
)
def test_auto_replies_and_bounces_never_trigger_a_reply(client, staff, case_at, automatic, mailoutbox, django_capture_on_commit_callbacks):
    case = case_at(Stage.TRIAGE)
    big = ("huge.pdf", PDF + b"0" * (2 * 1024 * 1024), "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        to_inquiry = post(client, mail(**automatic, files=[big]))
        on_case = post(client, mail(**{"sender": case.patient.email, **automatic}, to=reply_address(case.code), files=[big]))

    assert to_inquiry.status_code == on_case.status_code == 200
    assert not Inquiry.objects.exclude(case=case).exists()  # an out-of-office opens no inquiry
    assert mailoutbox == []  # no acknowledgement, no "attachment kept out"
    assert Message.objects.filter(automatic=True).count() == 2


def test_the_same_message_delivered_twice_is_stored_once(client, staff, mailoutbox, django_capture_on_commit_callbacks):
    fields = mail(message_id="<once@mail.example.com>", files=[("report.pdf", PDF, "application/pdf")])
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, fields)
    fields["attachment-1"].seek(0)
    with django_capture_on_commit_callbacks(execute=True):
        second = post(client, fields)

    assert first.status_code == second.status_code == 200
    assert counts() == (1, 1, 1, 0)
    assert len([m for m in mailoutbox if m.to == ["layla@example.com"]]) == 1  # acknowledged once


@pytest.mark.parametrize(
    "how",
    [
        {"key": "not-the-signing-key"},
        {"timestamp": int(time.time()) - 3600},
        {"timestamp": int(time.time()) + 3600},
    ],
)
def test_a_wrongly_signed_or_stale_webhook_is_rejected_and_writes_nothing(client, staff, how):
    response = post(client, mail(), **how)

    assert response.status_code == 400
    assert counts() == (0, 0, 0, 0)


def test_an_unsigned_webhook_is_rejected_and_writes_nothing(client, staff):
    response = client.post("/anymail/mailgun/inbound/", mail())

    assert response.status_code == 400
    assert counts() == (0, 0, 0, 0)


def test_without_a_signing_key_the_webhook_is_not_there(client, staff, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": ""}

    assert post(client, mail()).status_code == 404
    assert counts() == (0, 0, 0, 0)


def test_a_mail_without_a_sender_is_refused_cleanly(client, staff, mailoutbox):
    response = post(client, mail(sender="", envelope_sender=None))

    assert response.status_code == 406
    assert "no sender" in response.content.decode()
    assert counts() == (0, 0, 0, 0)
    assert mailoutbox == []


def test_a_signed_post_that_is_not_a_mail_is_a_clear_400(client, staff):
    fields = mail()
    del fields["message-headers"]

    assert post(client, fields).status_code == 400
    assert counts() == (0, 0, 0, 0)


def test_a_50_mb_attachment_is_kept_out_and_the_sender_told(client, staff, mailoutbox, django_capture_on_commit_callbacks):
    huge = PDF + b"0" * (50 * 1024 * 1024)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, mail(files=[("whole-mri.pdf", huge, "application/pdf"), ("letter.pdf", PDF, "application/pdf")]))

    assert response.status_code == 200
    message = Message.objects.get(direction=Direction.INBOUND)
    assert [r.original_name for r in RecordFile.objects.all()] == ["letter.pdf"]  # the small one is in
    assert "whole-mri.pdf is 50.0 MiB" in message.attachments_note
    told = [m for m in mailoutbox if m.to == ["layla@example.com"] and "attachments" in m.subject]
    assert len(told) == 1 and "whole-mri.pdf" in told[0].body
    assert told[0].reply_to == [reply_address(message.case.code)]


def test_an_attachment_of_a_type_not_accepted_is_kept_out(client, staff, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, mail(files=[("setup.exe", b"MZ\x90\x00" + b"\x00" * 200, "application/octet-stream")]))

    assert not RecordFile.objects.exists()
    assert "setup.exe" in Message.objects.get(direction=Direction.INBOUND).attachments_note


def test_a_sender_who_wrote_in_chinese_is_told_in_chinese(client, staff, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.MAIL_ATTACHMENT_MAX_MIB = 1
    big = ("mri.pdf", PDF + b"0" * (2 * 1024 * 1024), "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, mail(subject="咨询", text="您好，这是我父亲的核磁共振报告。", files=[big]))

    (told,) = [m for m in mailoutbox if m.to == ["layla@example.com"] and "附件" in m.subject]
    assert "mri.pdf" in told.body and "1 MB" in told.body
