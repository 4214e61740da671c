"""The eBook and the newsletter: double opt-in (a GET changes nothing), links that expire or are forged,
one-click unsubscribe (RFC 8058), suppression, and issues sent in batches, each recipient once, in their language."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from cellway.demo.site import load_ms_page, load_references
from cellway.errors import NotAllowed, Refusal
from cellway.evidence import services as evidence
from cellway.newsletter import services, tasks
from cellway.newsletter.models import Delivery, EbookRequest, Issue, Subscriber
from cellway.pdf import unavailable

pytestmark = pytest.mark.django_db

EBOOK = "/{}/conditions/multiple-sclerosis/ebook/"


@pytest.fixture(autouse=True)
def _mails_after_commit(django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each request's commit callbacks (the mails) run when the request ends, as they would after a real commit."""
    from django.test import client as test_client

    real = test_client.ClientHandler.__call__

    def call(self: Any, environ: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return real(self, environ)

    monkeypatch.setattr(test_client.ClientHandler, "__call__", call)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ms_page(staff: dict[str, Any]) -> Any:
    load_references(staff["adam"])
    page, _ = load_ms_page(staff["adam"])
    if evidence.publish_problems(page):
        pytest.fail("the demo MS page should be publishable")
    return page


def _link(message: Any) -> str:
    found = re.search(r"http://127\.0\.0\.1:8000(/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def _ask(client: Client, language: str = "en", email: str = "Mira@Example.org", newsletter: bool = False) -> Any:
    data = {"email": email, "website": ""}
    if newsletter:
        data["newsletter"] = "on"
    return client.post(EBOOK.format(language), data)


def test_a_get_of_the_confirmation_link_changes_nothing_the_button_confirms(client: Client, ms_page: Any) -> None:
    response = _ask(client, newsletter=True)
    assert response.status_code == 200 and "Check your mail" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["mira@example.org"]
    confirm = _link(mail.outbox[0])
    assert client.get(confirm).status_code == 200  # what a mail scanner does
    asked = EbookRequest.objects.get()
    assert asked.confirmed_at is None and not Subscriber.objects.exists() and len(mail.outbox) == 1

    page = client.post(confirm)
    asked.refresh_from_db()
    assert page.status_code == 200 and asked.confirmed_at is not None
    subscriber = Subscriber.objects.get()
    assert subscriber.state == Subscriber.State.ACTIVE
    assert (subscriber.consent_version, subscriber.consent_address) == (services.CONSENT_VERSION, "127.0.0.1")
    assert len(mail.outbox) == 2 and "/en/ebook/" in mail.outbox[1].body


def test_the_newsletter_box_is_separate_and_unticked(client: Client, ms_page: Any) -> None:
    html = client.get("/en/conditions/multiple-sclerosis/").content.decode()
    box = re.search(r'<input type="checkbox" name="newsletter"[^>]*>', html)
    assert box and "checked" not in box.group(0)
    _ask(client)
    client.post(_link(mail.outbox[0]))
    assert not Subscriber.objects.exists()  # the eBook alone subscribes nobody


def test_asking_twice_sends_one_mail_and_the_same_answer(client: Client, ms_page: Any) -> None:
    first = _ask(client)
    second = _ask(client, email="mira@example.org ")
    # The same page, but for the CSRF token every form on it carries (masked afresh for each response).
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub(b"", first.content) == token.sub(b"", second.content)
    assert len(mail.outbox) == 1 and EbookRequest.objects.count() == 1


def test_a_reused_confirmation_link_confirms_nothing_twice(client: Client, ms_page: Any) -> None:
    _ask(client)
    confirm = _link(mail.outbox[0])
    client.post(confirm)
    again = client.post(confirm)
    assert again.status_code == 200 and len(mail.outbox) == 2  # no second download mail


def test_forged_and_expired_links_are_refused_clearly(client: Client, ms_page: Any) -> None:
    _ask(client)
    confirm = _link(mail.outbox[0])
    forged = confirm.replace("/confirm/", "/confirm/x")
    assert client.get(forged).status_code == 404 and client.post(forged).status_code == 404
    EbookRequest.objects.update(requested_at=timezone.now() - dt.timedelta(days=4))
    expired = client.post(confirm)
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert EbookRequest.objects.get().confirmed_at is None


def test_a_download_link_works_only_once_confirmed_and_until_it_expires(client: Client, ms_page: Any) -> None:
    _ask(client)
    asked = EbookRequest.objects.get()
    early = f"/en/ebook/{services.download_token(asked)}/"
    assert client.get(early).status_code == 409
    client.post(_link(mail.outbox[0]))
    EbookRequest.objects.update(confirmed_at=timezone.now() - dt.timedelta(days=8))
    assert client.get(early).status_code == 410
    assert client.get("/en/ebook/forged:token/").status_code == 404


@pytest.mark.skipif(unavailable() is not None, reason=f"No PDFs on this machine: {unavailable()}")
@pytest.mark.parametrize(("language", "words"), [("en", "References"), ("ar", "المراجع")])
def test_the_ebook_is_the_published_page_in_the_readers_language(client: Client, ms_page: Any, language: str, words: str) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    _ask(client, language=language)
    client.post(_link(mail.outbox[0]))
    response = client.get(_link(mail.outbox[1]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert words in text and "Uccelli" in text
    assert EbookRequest.objects.get().downloads == 1


def test_the_hidden_field_stores_nothing_and_says_the_same(client: Client, ms_page: Any) -> None:
    response = client.post(EBOOK.format("en"), {"email": "bot@example.org", "website": "http://spam"})
    assert response.status_code == 200 and not EbookRequest.objects.exists() and not mail.outbox


def test_a_flood_from_one_address_is_refused(client: Client, ms_page: Any) -> None:
    statuses = [_ask(client, email=f"p{i}@example.org").status_code for i in range(services.LIMIT_PER_ADDRESS[0] + 1)]
    assert statuses[-1] == 429 and statuses[:-1] == [200] * services.LIMIT_PER_ADDRESS[0]
    assert EbookRequest.objects.count() == services.LIMIT_PER_ADDRESS[0]


def test_a_bad_address_is_refused_with_the_form_again(client: Client, ms_page: Any) -> None:
    response = _ask(client, email="not an address")
    assert response.status_code == 422 and 'name="email"' in response.content.decode() and not EbookRequest.objects.exists()


def _subscriber(email: str = "sub@example.org", language: str = "en") -> Subscriber:
    return Subscriber.objects.create(
        email=email, language=language, state=Subscriber.State.ACTIVE, consent_version="v", consent_at=timezone.now()
    )


def test_one_click_unsubscribe_needs_no_cookie_and_a_get_changes_nothing() -> None:
    subscriber = _subscriber()
    url = f"/en/newsletter/unsubscribe/{services.unsubscribe_token(subscriber)}/"
    browser = Client(enforce_csrf_checks=True)
    assert browser.get(url).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE
    response = browser.post(url, {"List-Unsubscribe": "One-Click"})
    subscriber.refresh_from_db()
    assert response.status_code == 200 and subscriber.state == Subscriber.State.UNSUBSCRIBED
    assert browser.post(url).status_code == 200  # again: still unsubscribed, no error


def test_a_forged_unsubscribe_token_is_404_and_unsubscribes_nobody() -> None:
    subscriber = _subscriber()
    token = services.unsubscribe_token(subscriber)
    assert Client().post(f"/en/newsletter/unsubscribe/{token[:-2]}xx/").status_code == 404
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE


def test_a_suppressed_address_is_not_put_back_by_a_new_confirmation(client: Client, ms_page: Any) -> None:
    _subscriber(email="mira@example.org")
    services.suppress(email="MIRA@example.org", because="bounced: mailbox does not exist")
    _ask(client, newsletter=True)
    client.post(_link(mail.outbox[0]))
    assert Subscriber.objects.get().state == Subscriber.State.SUPPRESSED


def _issue() -> Issue:
    return Issue.objects.create(
        subject_en="This week", body_en="Hello from the clinic.", subject_ar="هذا الأسبوع", body_ar="مرحبا من العيادة."
    )


def test_only_the_administrator_schedules_and_only_a_draft(staff: dict[str, Any]) -> None:
    issue = _issue()
    soon = timezone.now() + dt.timedelta(hours=1)
    with pytest.raises(NotAllowed):
        services.schedule(issue=issue, by=staff["carla"], send_at=soon)
    with pytest.raises(Refusal, match="in the past"):
        services.schedule(issue=issue, by=staff["adam"], send_at=timezone.now() - dt.timedelta(days=1))
    services.schedule(issue=issue, by=staff["adam"], send_at=soon)
    with pytest.raises(Refusal, match="not a draft"):
        services.schedule(issue=issue, by=staff["adam"], send_at=soon)
    issue.refresh_from_db()
    assert issue.state == Issue.State.SCHEDULED and issue.scheduled_by == staff["adam"]


def test_an_issue_goes_out_in_batches_each_subscriber_once_in_their_language(staff: dict[str, Any], settings: Any) -> None:
    settings.NEWSLETTER_BATCH_SIZE = 2
    english, arabic, chinese = _subscriber("a@example.org"), _subscriber("b@example.org", "ar"), _subscriber("c@example.org", "zh-hans")
    _subscriber("gone@example.org").__class__.objects.filter(email="gone@example.org").update(state=Subscriber.State.UNSUBSCRIBED)
    issue = services.schedule(issue=_issue(), by=staff["adam"], send_at=timezone.now())
    assert tasks.run_once() == {"sent": 2, "failed": 0}
    issue.refresh_from_db()
    assert issue.state == Issue.State.SENDING and issue.deliveries.count() == 3  # the unsubscribed address gets none
    assert tasks.run_once() == {"sent": 1, "failed": 0}
    issue.refresh_from_db()
    assert issue.state == Issue.State.SENT
    assert tasks.run_once() == {"sent": 0, "failed": 0} and len(mail.outbox) == 3
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address[arabic.email].subject == "هذا الأسبوع" and by_address[chinese.email].subject == "This week"
    for message in mail.outbox:
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = re.fullmatch(r"<(http://127\.0\.0\.1:8000(/\S+/))>", message.extra_headers["List-Unsubscribe"])
        assert link and link.group(1) in message.body  # the same link, visible
    assert english.email in by_address


def test_who_unsubscribes_before_their_batch_is_skipped_and_counted(staff: dict[str, Any], settings: Any) -> None:
    from cellway.newsletter.selectors import issue_counts

    settings.NEWSLETTER_BATCH_SIZE = 1
    first, second = _subscriber("a@example.org"), _subscriber("b@example.org")
    issue = services.schedule(issue=_issue(), by=staff["adam"], send_at=timezone.now())
    tasks.run_once()
    sent_to = mail.outbox[0].to[0]
    waiting = second if sent_to == first.email else first
    services.unsubscribe(token=services.unsubscribe_token(waiting, issue))
    tasks.run_once()
    counts = issue_counts(issue)
    assert (counts.sent, counts.skipped, counts.unsubscribed, len(mail.outbox)) == (1, 1, 1, 1)


def test_a_failed_mail_is_counted_and_the_batch_goes_on(staff: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.mail import EmailMultiAlternatives

    _subscriber("a@example.org"), _subscriber("b@example.org")
    real_send = EmailMultiAlternatives.send

    def send(self: EmailMultiAlternatives, fail_silently: bool = False) -> int:
        if self.to == ["a@example.org"]:
            raise ConnectionError("provider said no")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    services.schedule(issue=_issue(), by=staff["adam"], send_at=timezone.now())
    assert tasks.run_once() == {"sent": 1, "failed": 1}
    failed = Delivery.objects.get(state=Delivery.State.FAILED)
    assert "provider said no" in failed.error and failed.subscriber.email == "a@example.org"


def test_the_administrator_previews_and_schedules_in_the_admin(client: Client, staff: dict[str, Any]) -> None:
    issue = _issue()
    client.force_login(staff["adam"])
    preview = client.get(f"/admin/newsletter/issue/{issue.pk}/preview/ar/")
    assert preview.status_code == 200 and "مرحبا من العيادة." in preview.content.decode() and 'dir="rtl"' in preview.content.decode()
    page = client.get(f"/admin/newsletter/issue/{issue.pk}/schedule/")
    assert page.status_code == 200
    when = (timezone.localtime(timezone.now()) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/admin/newsletter/issue/{issue.pk}/schedule/", {"send_at": when})
    issue.refresh_from_db()
    assert issue.state == Issue.State.SCHEDULED
    client.force_login(staff["carla"])
    assert client.get(f"/admin/newsletter/issue/{issue.pk}/preview/en/").status_code in (302, 403)


def test_the_demo_issue_is_ready_to_schedule_and_loading_twice_adds_nothing(staff: dict[str, Any]) -> None:
    from cellway.demo.site import load_newsletter

    assert load_newsletter() == 3 and load_newsletter() == 3
    issue = Issue.objects.get()
    assert services.issue_problems(issue) == [] and Issue.objects.count() == 1
    services.schedule(issue=issue, by=staff["adam"], send_at=timezone.now())
    assert tasks.run_once()["sent"] == 3
