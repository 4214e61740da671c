"""Live chat's services: each rule tried to break (idempotent retries, after-id reads, rate, size, forged ids,
first-in-first-out assignment by language within the cap, presence, hours, by-email, inquiry in one step)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cellway.accounts.models import User
from cellway.accounts.roles import Role
from cellway.cases.models import Condition, Source
from cellway.conversations import chat
from cellway.conversations.models import CannedReply, Conversation, Message, Presence
from cellway.errors import NotAllowed, Refusal

pytestmark = pytest.mark.django_db


def representative(username: str, languages: str = "en") -> User:
    user = User.objects.create_user(username, first_name=username.title())
    user.groups.add(Group.objects.get(name=Role.CARE))
    user = User.objects.get(pk=user.pk)  # fresh permission cache
    chat.heartbeat(by=user, available=True, languages=languages.split(","))
    return user


def start(language: str = "en", name: str = "Amira Haddad", key: str | None = None) -> Conversation:
    return chat.start_chat(visitor_key=key or chat.new_visitor_key(), language=language, page="/en/", name=name)


def test_a_retried_send_with_the_same_client_id_is_stored_once(staff: dict[str, Any]) -> None:
    representative("rep1")
    conversation = start()
    client_id = uuid.uuid4()
    first, created = chat.post_message(conversation=conversation, client_id=client_id, body="Hello")
    again, created_again = chat.post_message(conversation=conversation, client_id=str(client_id), body="Hello")
    assert created and not created_again
    assert again.pk == first.pk
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_the_same_client_id_in_another_conversation_is_another_message(staff: dict[str, Any]) -> None:
    representative("rep1")
    one, two = start(), start()
    client_id = uuid.uuid4()
    chat.post_message(conversation=one, client_id=client_id, body="a")
    _, created = chat.post_message(conversation=two, client_id=client_id, body="a")
    assert created


def test_messages_after_an_id_are_the_newer_ones_in_order(staff: dict[str, Any]) -> None:
    rep = representative("rep1")
    conversation = start()
    conversation.refresh_from_db()
    ids = []
    for n in range(5):
        message, _ = chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body=f"m{n}", by=rep if n % 2 else None)
        ids.append(message.pk)
    assert [m.body for m in chat.messages_after(conversation, ids[1])] == ["m2", "m3", "m4"]
    assert chat.messages_after(conversation, ids[-1]) == []
    assert [m.pk for m in chat.messages_after(conversation, 0)] == ids


def test_a_flood_from_one_visitor_is_refused_and_says_so(staff: dict[str, Any], settings: Any) -> None:
    settings.CHAT_MESSAGES_PER_MINUTE = 3
    representative("rep1")
    conversation = start()
    for n in range(3):
        chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body=f"m{n}")
    with pytest.raises(chat.ChatRefused) as refused:
        chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="too many")
    assert refused.value.reason == "rate"
    assert "at most 3 a minute" in refused.value.message
    assert Message.objects.filter(conversation=conversation).count() == 3


def test_a_message_over_the_size_limit_is_refused_and_nothing_is_stored(staff: dict[str, Any], settings: Any) -> None:
    settings.CHAT_MESSAGE_MAX_CHARS = 100
    representative("rep1")
    conversation = start()
    with pytest.raises(chat.ChatRefused) as refused:
        chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="x" * 101)
    assert refused.value.reason == "size"
    assert "at most 100" in refused.value.message
    chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="x" * 100)
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_empty_and_nul_messages_and_bad_client_ids_are_refused(staff: dict[str, Any]) -> None:
    representative("rep1")
    conversation = start()
    for body, client_id in (("   ", uuid.uuid4()), ("a\x00b", uuid.uuid4()), ("ok", "not-a-uuid")):
        with pytest.raises(chat.ChatRefused):
            chat.post_message(conversation=conversation, client_id=client_id, body=body)
    assert not Message.objects.filter(conversation=conversation).exists()


def test_a_forged_or_malformed_conversation_id_or_another_visitors_key_finds_nothing(staff: dict[str, Any]) -> None:
    representative("rep1")
    key = chat.new_visitor_key()
    conversation = start(key=key)
    assert chat.visitor_conversation(uuid=conversation.uuid, visitor_key=key) == conversation
    assert chat.visitor_conversation(uuid=conversation.uuid, visitor_key=chat.new_visitor_key()) is None
    assert chat.visitor_conversation(uuid=conversation.uuid, visitor_key="") is None
    assert chat.visitor_conversation(uuid=uuid.uuid4(), visitor_key=key) is None
    assert chat.visitor_conversation(uuid="1 OR 1=1", visitor_key=key) is None


def test_nobody_is_offered_a_chat_with_an_empty_room(staff: dict[str, Any]) -> None:
    assert chat.chat_status() == chat.ChatStatus(False, "nobody")
    with pytest.raises(chat.ChatRefused) as refused:
        start()
    assert refused.value.reason == "nobody"
    rep = representative("rep1")
    assert chat.chat_status().available
    # A representative whose page stopped sending heartbeats is no longer present.
    Presence.objects.filter(user=rep).update(last_seen_at=timezone.now() - dt.timedelta(minutes=5))
    assert chat.chat_status() == chat.ChatStatus(False, "nobody")
    chat.heartbeat(by=rep, available=False)
    assert not chat.chat_status().available


def test_out_of_hours_the_chat_is_closed(staff: dict[str, Any], settings: Any) -> None:
    settings.CHAT_HOURS = "08-20"
    representative("rep1")
    night = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)  # 03:00 in Belgrade
    day = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
    assert chat.chat_status(night) == chat.ChatStatus(False, "hours")
    assert chat.within_hours(day)
    with pytest.raises(chat.ChatRefused) as refused:
        chat.start_chat(visitor_key="k", language="en", now=night)
    assert refused.value.reason == "hours"


def test_assignment_is_first_in_first_out_and_within_the_cap(staff: dict[str, Any], settings: Any) -> None:
    settings.CHAT_MAX_OPEN_PER_REPRESENTATIVE = 1
    rep1 = representative("rep1")
    first = start(name="First")
    second = start(name="Second")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.assigned_to == rep1 and first.state == Conversation.State.OPEN
    assert second.assigned_to is None and second.state == Conversation.State.WAITING
    third = start(name="Third")
    rep2 = representative("rep2")
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.assigned_to == rep2  # the oldest waiting chat goes first
    assert third.state == Conversation.State.WAITING
    chat.close_chat(conversation=first, by=rep1)
    third.refresh_from_db()
    assert third.assigned_to == rep1  # a closed chat frees a place and the queue moves


def test_the_representative_who_waited_longest_gets_the_next_chat(staff: dict[str, Any]) -> None:
    rep1 = representative("rep1")
    rep2 = representative("rep2")
    got = []
    for _ in range(4):
        conversation = start()
        conversation.refresh_from_db()
        got.append(conversation.assigned_to)
    assert got == [rep1, rep2, rep1, rep2]


def test_assignment_prefers_a_representative_who_speaks_the_language(staff: dict[str, Any]) -> None:
    english = representative("rep1", "en")
    arabic = representative("rep2", "ar,en")
    conversation = start(language="ar")
    conversation.refresh_from_db()
    assert conversation.assigned_to == arabic
    # Nobody present speaks Chinese: anyone present answers rather than nobody.
    chinese = start(language="zh-hans")
    chinese.refresh_from_db()
    assert chinese.assigned_to in (english, arabic)


def test_a_speaker_at_the_cap_keeps_the_chat_waiting_for_them(staff: dict[str, Any], settings: Any) -> None:
    settings.CHAT_MAX_OPEN_PER_REPRESENTATIVE = 1
    representative("rep1", "en")
    arabic = representative("rep2", "ar")
    start(language="ar")
    waiting = start(language="ar")
    waiting.refresh_from_db()
    assert waiting.state == Conversation.State.WAITING
    assert Conversation.objects.filter(assigned_to=arabic).count() == 1


def test_only_the_assigned_representative_writes_and_only_care_answers(staff: dict[str, Any]) -> None:
    rep1 = representative("rep1")
    rep2 = representative("rep2")
    conversation = start()
    conversation.refresh_from_db()
    assert conversation.assigned_to == rep1
    with pytest.raises(NotAllowed):
        chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="hi", by=rep2)
    with pytest.raises(NotAllowed):
        chat.heartbeat(by=staff["fiona"], available=True)
    assert chat.representative_conversation(by=rep2, uuid=conversation.uuid) is None


def test_a_closed_chat_takes_no_more_messages(staff: dict[str, Any]) -> None:
    rep = representative("rep1")
    conversation = start()
    conversation.refresh_from_db()
    chat.close_chat(conversation=conversation, by=rep)
    with pytest.raises(chat.ChatRefused) as refused:
        chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="still there?")
    assert refused.value.reason == "closed"


def test_the_visitors_pages_are_kept_newest_last(staff: dict[str, Any]) -> None:
    representative("rep1")
    conversation = start()
    for page in ("/en/how-we-proceed/", "/en/conditions/multiple-sclerosis/", "https://evil.example/", "/en/inquiry/"):
        chat.record_page(conversation=conversation, page=page)
    conversation.chat.refresh_from_db()
    assert conversation.chat.current_page == "/en/inquiry/"
    assert conversation.chat.pages_before == ["/en/", "/en/how-we-proceed/", "/en/conditions/multiple-sclerosis/"]


def test_canned_replies_fill_their_variables(staff: dict[str, Any]) -> None:
    rep = representative("rep1")
    conversation = start(name="Amira Haddad")
    reply = CannedReply.objects.create(
        language="en", title="Hello", body="Hello {first_name}, I am {representative} of {clinic}. {unknown}"
    )
    assert chat.fill_canned(reply, conversation=conversation, by=rep) == "Hello Amira, I am Rep1 of Cellway Clinic. {unknown}"


def test_nobody_there_continues_by_email_and_mails_the_visitor_alone_in_their_language(
    staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        conversation = chat.continue_by_email(
            visitor_key="k",
            language="ar",
            email="amira@example.com",
            body="هل تعالجون التصلب المتعدد؟",
            client_id=str(uuid.uuid4()),
            name="Amira",
        )
    assert conversation.state == Conversation.State.BY_EMAIL
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["amira@example.com"]
    assert "هل تعالجون" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Message-ID"]
    assert Message.objects.filter(conversation=conversation, email_message_id=mail.outbox[0].extra_headers["Message-ID"]).exists()
    with pytest.raises(chat.ChatRefused):
        chat.continue_by_email(visitor_key="k", language="en", email="not an address", body="x", client_id=str(uuid.uuid4()))


def test_a_chat_becomes_an_inquiry_and_a_case_in_one_step(staff: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    carla = staff["carla"]
    chat.heartbeat(by=carla, available=True, languages=["en"])
    conversation = start(name="Amira")
    conversation.refresh_from_db()
    chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="My mother has MS")
    case = chat.make_inquiry(
        conversation=conversation,
        by=carla,
        full_name="Amira Haddad",
        email="amira@example.com",
        country="Jordan",
        condition=Condition.objects.first(),  # type: ignore[arg-type]
    )
    assert case.inquiry.source == Source.CHAT
    assert "My mother has MS" in case.inquiry.message
    conversation.refresh_from_db()
    assert conversation.case == case and conversation.inquiry == case.inquiry
    assert Message.objects.filter(conversation=conversation, case=case).count() == 1
    with pytest.raises(Refusal):
        chat.make_inquiry(
            conversation=conversation,
            by=carla,
            full_name="Again",
            email="a@example.com",
            country="Jordan",
            condition=Condition.objects.first(),  # type: ignore[arg-type]
        )
    with django_capture_on_commit_callbacks(execute=True):
        chat.send_transcript(conversation=conversation, by=carla)
    assert mail.outbox[-1].to == ["amira@example.com"]
    assert "My mother has MS" in mail.outbox[-1].body


def test_a_transcript_needs_an_address(staff: dict[str, Any]) -> None:
    rep = representative("rep1")
    conversation = start()
    conversation.refresh_from_db()
    with pytest.raises(Refusal):
        chat.send_transcript(conversation=conversation, by=rep)


def _data_queries(captured: CaptureQueriesContext) -> list[str]:
    """The statements that read or write rows (not the test transaction's savepoints)."""
    return [q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]


def test_a_steady_heartbeat_does_no_assignment_work(staff: dict[str, Any], settings: Any) -> None:
    # A representative at the cap with a chat waiting: their heartbeats every 15 s neither lock nor assign.
    settings.CHAT_MAX_OPEN_PER_REPRESENTATIVE = 1
    rep = representative("rep1")
    start(name="First")
    waiting = start(name="Second")
    rep = User.objects.get(pk=rep.pk)
    rep.has_perm(chat.ANSWER)  # the permission cache filled, as on a socket's user
    with CaptureQueriesContext(connection) as captured:
        presence = chat.heartbeat(by=rep, available=True)
    queries = _data_queries(captured)
    assert len(queries) == 2, queries  # read the presence, move last_seen_at
    assert not any("FOR UPDATE" in sql.upper() or "conversations_conversation" in sql for sql in queries)
    assert presence.available
    waiting.refresh_from_db()
    assert waiting.state == Conversation.State.WAITING
    # The same with languages unchanged; choosing another language is news, and the queue is looked at.
    with CaptureQueriesContext(connection) as captured:
        chat.heartbeat(by=rep, available=True, languages=["en"])
    assert len(_data_queries(captured)) == 2
    with CaptureQueriesContext(connection) as captured:
        chat.heartbeat(by=rep, available=True, languages=["en", "ar"])
    assert any("conversations_conversation" in sql for sql in _data_queries(captured))


def test_becoming_available_again_takes_the_waiting_chats(staff: dict[str, Any]) -> None:
    rep = representative("rep1")
    queued = start()
    Conversation.objects.filter(pk=queued.pk).update(state=Conversation.State.WAITING, assigned_to=None)
    # Not taking chats, then back: the heartbeat that makes them available assigns.
    chat.heartbeat(by=rep, available=False)
    chat.heartbeat(by=rep, available=True)
    queued.refresh_from_db()
    assert queued.state == Conversation.State.OPEN and queued.assigned_to == rep
    # Available all along but the presence window lapsed (the page slept): its next heartbeat is a return too.
    Conversation.objects.filter(pk=queued.pk).update(state=Conversation.State.WAITING, assigned_to=None)
    Presence.objects.filter(user=rep).update(last_seen_at=timezone.now() - dt.timedelta(hours=2))
    chat.heartbeat(by=rep, available=True)
    queued.refresh_from_db()
    assert queued.state == Conversation.State.OPEN and queued.assigned_to == rep


def test_the_sweep_assigns_what_is_waiting(staff: dict[str, Any]) -> None:
    from cellway.conversations.tasks import assign_waiting_chats

    rep = representative("rep1")
    queued = start()
    Conversation.objects.filter(pk=queued.pk).update(state=Conversation.State.WAITING, assigned_to=None)
    chat.heartbeat(by=rep, available=True)  # steady: leaves the queue alone
    queued.refresh_from_db()
    assert queued.state == Conversation.State.WAITING
    assert assign_waiting_chats.call() == 1
    queued.refresh_from_db()
    assert queued.assigned_to == rep


def test_a_message_is_stored_in_three_statements(staff: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    rep = representative("rep1")
    conversation = start()
    conversation.refresh_from_db()
    rep = User.objects.get(pk=rep.pk)
    rep.has_perm(chat.ANSWER)
    for by in (None, rep):
        with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks() as callbacks:
            message, created = chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="hello", by=by)
        queries = _data_queries(captured)
        assert created
        assert len(queries) == 3, queries  # UPDATE … RETURNING (the lock, the state, the case), the last id, INSERT
        assert len(callbacks) == 1  # one notification, after commit
    # A retry is found by its client id (and does not count against the visitor's rate); a chat that ended
    # refuses new messages but still answers a retry with the stored one.
    again, created = chat.post_message(conversation=conversation, client_id=message.client_id, body="hello", by=rep)
    assert (again.pk, created) == (message.pk, False)
    chat.close_chat(conversation=conversation, by=rep)
    again, created = chat.post_message(conversation=conversation, client_id=message.client_id, body="hello", by=rep)
    assert (again.pk, created) == (message.pk, False)
    with pytest.raises(chat.ChatRefused):
        chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="late", by=rep)
    assert Message.objects.filter(conversation=conversation).count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's row locks and snapshots (CI's database)")
def test_the_id_a_message_follows_is_read_once_the_lock_is_held(staff: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Two messages at once in one chat: the second waits for the chat's row lock while the first commits. The
    id it says it follows must be the first's (read after the lock), or a socket handed the second's
    notification first would send it on and then take the first for one it had sent (and skip it)."""
    import threading

    from django.db import connections

    rep = representative("rep1")
    conversation = start()
    conversation.refresh_from_db()
    told: list[dict[str, Any]] = []
    monkeypatch.setattr(chat, "_group_send", lambda group, event: told.append(event))
    stored, waiting, go_on = threading.Event(), threading.Event(), threading.Event()
    real_notify = chat.notify

    def notify_when_told(conversation: Conversation, **kwargs: Any) -> None:
        if threading.current_thread().name == "first":
            stored.set()  # the first holds the lock and has inserted; it commits once the second waits
            go_on.wait(10)
        real_notify(conversation, **kwargs)

    monkeypatch.setattr(chat, "notify", notify_when_told)

    def send(body: str, by: User | None) -> None:
        try:
            if threading.current_thread().name == "second":
                waiting.set()
            chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body=body, by=by)
        finally:
            connections.close_all()

    first = threading.Thread(target=send, args=("first", None), name="first")
    first.start()
    assert stored.wait(10)
    second = threading.Thread(target=send, args=("second", rep), name="second")
    second.start()
    assert waiting.wait(10)
    with connection.cursor() as cursor:  # the second is blocked on the first's row lock
        for _ in range(100):
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.05)
    go_on.set()
    first.join(10)
    second.join(10)
    ids = dict(Message.objects.filter(conversation=conversation).values_list("body", "pk"))
    by_body = {event["message"]["body"]: event for event in told}
    assert by_body["first"]["previous"] == 0
    assert by_body["second"]["previous"] == ids["first"]


def test_a_stale_conversation_still_copies_the_case_and_refuses_once_closed(staff: dict[str, Any]) -> None:
    carla = staff["carla"]
    chat.heartbeat(by=carla, available=True, languages=["en"])
    conversation = start(name="Amira")
    stale = Conversation.objects.get(pk=conversation.pk)  # a socket's copy, from before the inquiry
    case = chat.make_inquiry(
        conversation=stale,
        by=carla,
        full_name="Amira Haddad",
        email="amira@example.com",
        country="Jordan",
        condition=Condition.objects.first(),  # type: ignore[arg-type]
    )
    stale = Conversation.objects.get(pk=conversation.pk)
    Conversation.objects.filter(pk=conversation.pk).update(contact_name="Amira H.")
    message, _ = chat.post_message(conversation=stale, client_id=uuid.uuid4(), body="hi")
    assert message.case_id == case.pk  # on the case's thread
    assert message.author_label == "Amira H."  # read under the lock, not from the socket's copy
    Conversation.objects.filter(pk=conversation.pk).update(state=Conversation.State.CLOSED)
    with pytest.raises(chat.ChatRefused) as refused:
        chat.post_message(conversation=stale, client_id=uuid.uuid4(), body="after the end")
    assert refused.value.reason == "closed"
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_a_retry_gives_back_its_place_in_the_rate(staff: dict[str, Any], settings: Any) -> None:
    settings.CHAT_MESSAGES_PER_MINUTE = 2
    representative("rep1")
    conversation = start()
    client_id = uuid.uuid4()
    for _ in range(3):
        chat.post_message(conversation=conversation, client_id=client_id, body="again")
    second, _ = chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="second")
    with pytest.raises(chat.ChatRefused):
        chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="third")
    # At the rate, a retry of a stored message is still answered with it, not refused.
    again, created = chat.post_message(conversation=conversation, client_id=second.client_id, body="second")
    assert (again.pk, created) == (second.pk, False)
    assert Message.objects.filter(conversation=conversation).count() == 2
