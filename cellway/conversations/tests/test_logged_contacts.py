"""Staff log contacts by hand (a phone call, WhatsApp, a visit) on the case's one thread, which shows them with
mail in and out, newest first, and whom it waits on; only roles that read what the patient wrote see it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cellway.cases.reply_address import reply_address
from cellway.cases.stages import Stage
from cellway.conversations import selectors, services
from cellway.conversations.models import Channel, Direction, Message
from cellway.conversations.tests.mailgun import mail, post
from cellway.errors import NotAllowed, Refusal

pytestmark = pytest.mark.django_db


def log(case, by, **kw):
    fields = {
        "channel": Channel.PHONE,
        "direction": Direction.OUTBOUND,
        "contact": "Layla (daughter)",
        "occurred_at": timezone.now() - dt.timedelta(minutes=30),
        "summary": "Called about the MRI; she will send it this week.",
    }
    return services.log_contact(case=case, by=by, **{**fields, **kw})


def test_care_logs_a_phone_call_with_who_when_channel_summary_and_direction(case_at, staff):
    case = case_at(Stage.TRIAGE)
    when = timezone.now() - dt.timedelta(hours=2)

    message = log(case, staff["carla"], occurred_at=when, channel=Channel.WHATSAPP, direction=Direction.INBOUND)

    assert (message.case, message.channel, message.direction, message.contact) == (case, "whatsapp", "in", "Layla (daughter)")
    assert (message.author, message.occurred_at) == (staff["carla"], when)


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"channel": Channel.EMAIL}, "how you were in contact"),
        ({"channel": "pigeon"}, "how you were in contact"),
        ({"direction": "sideways"}, "who reached out"),
        ({"contact": "  "}, "whom"),
        ({"summary": ""}, "what was said"),
        ({"summary": "x" * 2001}, "too long"),
        ({"occurred_at": timezone.now() + dt.timedelta(hours=2)}, "future"),
        ({"occurred_at": timezone.now() - dt.timedelta(days=3650)}, "before the inquiry"),
    ],
)
def test_a_logged_contact_that_breaks_a_rule_is_refused_with_nothing_written(case_at, staff, change, refusal):
    case = case_at(Stage.TRIAGE)

    with pytest.raises(Refusal, match=refusal):
        log(case, staff["carla"], **change)

    assert not Message.objects.exists()


@pytest.mark.parametrize("username", ["fiona", "lena", "ivan", "outsider"])
def test_roles_without_a_reason_may_not_log_contacts(case_at, staff, username):
    with pytest.raises(NotAllowed):
        log(case_at(Stage.TRIAGE), staff[username])


def test_the_thread_holds_mail_in_and_out_and_logged_contacts_newest_first_and_says_whom_it_waits_on(
    client, case_at, staff, django_capture_on_commit_callbacks
):
    from cellway.cases import services as cases

    case = case_at(Stage.QUOTED)
    log(case, staff["carla"], occurred_at=timezone.now() - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        cases.end_case(case=case, to=Stage.WITHDRAWN, by=staff["carla"], reason="Asked to stop")
    assert selectors.waiting_on(selectors.thread(case)) == selectors.CONTACT

    post(client, mail(sender=case.patient.email, to=reply_address(case.code), subject="Re: closed", text="Why was it closed?"))
    entries = selectors.thread(case)

    assert [(e.channel, e.direction) for e in entries] == [("email", "in"), ("email", "out"), ("phone", "out")]
    assert selectors.waiting_on(entries) == selectors.CARE_TEAM

    # An out-of-office reply is shown but is not the patient's answer.
    log(case, staff["carla"], occurred_at=timezone.now())
    post(client, mail(sender=case.patient.email, to=reply_address(case.code), headers=[("Auto-Submitted", "auto-replied")]))
    assert selectors.waiting_on(selectors.thread(case)) == selectors.CONTACT


def test_the_case_page_shows_the_thread_and_logs_a_contact(as_user, case_at, staff):
    case = case_at(Stage.TRIAGE)
    client = as_user("carla")
    when = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        reverse("console:act-log-contact", args=[case.uuid]),
        {"channel": "phone", "direction": "in", "contact": "Layla (daughter)", "occurred_at": when, "summary": "Asked about flights."},
    )
    assert response.status_code == 302
    page = client.get(reverse("console:case", args=[case.uuid])).content.decode()

    assert 'id="thread"' in page and "Asked about flights." in page and "logged by" in page
    assert "The care team owes a reply" in page


def test_a_refused_logged_contact_shows_the_page_again_with_the_message(as_user, case_at):
    case = case_at(Stage.TRIAGE)
    later = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    response = as_user("carla").post(
        reverse("console:act-log-contact", args=[case.uuid]),
        {"channel": "phone", "direction": "in", "contact": "Layla", "occurred_at": later, "summary": "Asked about flights."},
    )

    assert response.status_code == 422
    assert "cannot be in the future" in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.parametrize(("username", "sees"), [("carla", True), ("liam", True), ("nina", True), ("fiona", False), ("lena", False)])
def test_only_roles_that_read_what_the_patient_wrote_see_the_thread(as_user, case_at, staff, username, sees):
    case = case_at(Stage.TRIAGE)
    log(case, staff["carla"])

    page = as_user(username).get(reverse("console:case", args=[case.uuid])).content.decode()

    assert ('id="thread"' in page) is sees
    assert ("Called about the MRI" in page) is sees


def test_finance_cannot_log_a_contact_by_a_direct_post(as_user, case_at):
    case = case_at(Stage.TRIAGE)
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    response = as_user("fiona").post(
        reverse("console:act-log-contact", args=[case.uuid]),
        {"channel": "phone", "direction": "in", "contact": "Layla", "occurred_at": when, "summary": "x"},
    )

    assert response.status_code == 403
    assert not Message.objects.exists()
