"""Mail that no case could take by itself waits for review: care staff put it on a case (its held attachments
then go through the records intake, its sender becomes a contact) or set it aside."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from cellway.cases.reply_address import reply_address
from cellway.cases.stages import Stage
from cellway.conversations import services
from cellway.conversations.models import Direction, HeldAttachment, Message, Review
from cellway.conversations.tests.mailgun import PDF, mail, post
from cellway.errors import NotAllowed, StageConflict
from cellway.records.models import RecordFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(client, case_at):
    case = case_at(Stage.TRIAGE)
    post(client, mail(sender="Uncle Omar <omar@example.org>", to=reply_address(case.code), files=[("report.pdf", PDF, "application/pdf")]))
    return case, Message.objects.get(review=Review.WAITING)


def test_care_sees_the_waiting_mail_and_puts_it_on_the_case(as_user, client, waiting, django_capture_on_commit_callbacks):
    case, message = waiting
    held_file = HeldAttachment.objects.get().file.name
    care = as_user("carla")

    page = care.get(reverse("console:mail-review")).content.decode()
    assert "omar@example.org" in page and case.code in page and "report.pdf" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = care.post(reverse("console:mail-attach", args=[message.pk]), {"case_code": case.code.lower()})

    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.case, message.review) == (case, Review.ATTACHED)
    record = RecordFile.objects.get()
    assert (record.item.case, record.original_name, record.source) == (case, "report.pdf", "email")
    assert not HeldAttachment.objects.exists() and not default_storage.exists(held_file)
    # The sender is now a contact of the case: the next mail threads by itself.
    post(client, mail(sender="omar@example.org", to=reply_address(case.code), subject="One more thing"))
    assert Message.objects.filter(case=case, direction=Direction.INBOUND).count() == 2


def test_a_mail_is_set_aside_with_its_files_and_cannot_be_reviewed_twice(as_user, waiting, staff):
    _case, message = waiting

    response = as_user("carla").post(reverse("console:mail-discard", args=[message.pk]))

    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.review, message.case, message.reviewed_by) == (Review.DISCARDED, None, staff["carla"])
    assert not HeldAttachment.objects.exists()
    with pytest.raises(StageConflict, match="discarded"):
        services.attach_mail(message=message, case=_case, by=staff["liam"])
    assert as_user("liam").post(reverse("console:mail-attach", args=[message.pk]), {"case_code": _case.code}).status_code == 404


def test_an_unknown_case_code_is_refused_and_nothing_moves(as_user, waiting):
    _case, message = waiting

    response = as_user("carla").post(reverse("console:mail-attach", args=[message.pk]), {"case_code": "CW-1999-9999"})

    assert response.status_code == 422
    message.refresh_from_db()
    assert message.review == Review.WAITING


@pytest.mark.parametrize("username", ["fiona", "lena", "nina", "sofia", "outsider"])
def test_roles_without_a_reason_neither_see_nor_act_on_the_review_queue(as_user, waiting, staff, username):
    case, message = waiting
    client = as_user(username)

    assert client.get(reverse("console:mail-review")).status_code == 403
    assert client.post(reverse("console:mail-attach", args=[message.pk]), {"case_code": case.code}).status_code == 403
    assert client.post(reverse("console:mail-discard", args=[message.pk])).status_code == 403
    with pytest.raises(NotAllowed):
        services.discard_mail(message=message, by=staff[username])
    message.refresh_from_db()
    assert message.review == Review.WAITING
