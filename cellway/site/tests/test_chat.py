"""Live chat from the visitor's side: the HTTP endpoints (status, start, messages after an id, sends by client id,
refusals with their status) and the WebSocket consumers of both sides (channels.testing.WebsocketCommunicator)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from cellway.accounts.models import User
from cellway.conversations import chat
from cellway.conversations.models import Conversation, Message


def _json(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def _started(client: Client, language: str = "en") -> str:
    response = _json(client, "/chat/start/", {"language": language, "page": "/en/", "name": "Amira"})
    assert response.status_code == 201, response.content
    return str(response.json()["conversation"])


@pytest.fixture
def carla(staff: dict[str, Any]) -> Any:
    chat.heartbeat(by=staff["carla"], available=True, languages=["en", "ar"])
    return staff["carla"]


@pytest.mark.django_db
def test_the_widget_is_offered_a_chat_only_when_someone_is_there(client: Client, staff: dict[str, Any]) -> None:
    assert client.get("/chat/status/").json()["available"] is False
    response = _json(client, "/chat/start/", {"language": "en"})
    assert response.status_code == 409
    assert response.json()["refused"] == "nobody"
    chat.heartbeat(by=staff["carla"], available=True)
    assert client.get("/chat/status/").json() == {"available": True, "reason": "", "message": ""}


@pytest.mark.django_db
def test_send_retry_and_fetch_after_an_id_over_http(client: Client, carla: Any) -> None:
    uuid_ = _started(client)
    client_id = str(uuid.uuid4())
    first = _json(client, f"/chat/{uuid_}/messages/", {"client_id": client_id, "body": "Hello"})
    again = _json(client, f"/chat/{uuid_}/messages/", {"client_id": client_id, "body": "Hello"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    listed = client.get(f"/chat/{uuid_}/messages/?after=0").json()
    assert [m["body"] for m in listed["messages"]] == ["Hello"]
    assert listed["state"] == "open" and listed["representative"] == "Carla"
    assert client.get(f"/chat/{uuid_}/messages/?after={first.json()['id']}").json()["messages"] == []
    assert client.get(f"/chat/{uuid_}/messages/?after=x").status_code == 400


@pytest.mark.django_db
def test_refusals_answer_4xx_in_the_visitors_words(client: Client, carla: Any, settings: Any) -> None:
    settings.CHAT_MESSAGE_MAX_CHARS = 10
    settings.CHAT_MESSAGES_PER_MINUTE = 2
    uuid_ = _started(client)
    big = _json(client, f"/chat/{uuid_}/messages/", {"client_id": str(uuid.uuid4()), "body": "x" * 11})
    assert big.status_code == 413 and "too long" in big.json()["message"]
    for _ in range(2):
        assert _json(client, f"/chat/{uuid_}/messages/", {"client_id": str(uuid.uuid4()), "body": "hi"}).status_code == 201
    flood = _json(client, f"/chat/{uuid_}/messages/", {"client_id": str(uuid.uuid4()), "body": "hi"})
    assert flood.status_code == 429 and "too fast" in flood.json()["message"]
    assert client.post(f"/chat/{uuid_}/messages/", "not json", content_type="application/json").status_code == 404


@pytest.mark.django_db
def test_a_forged_or_another_visitors_conversation_id_is_404(client: Client, carla: Any) -> None:
    uuid_ = _started(client)
    stranger = Client()
    assert stranger.get(f"/chat/{uuid_}/messages/?after=0").status_code == 404
    assert _json(stranger, f"/chat/{uuid_}/messages/", {"client_id": str(uuid.uuid4()), "body": "hi"}).status_code == 404
    assert client.get(f"/chat/{uuid.uuid4()}/messages/?after=0").status_code == 404
    assert client.get("/chat/not-a-uuid/messages/").status_code == 404
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_with_nobody_there_the_visitor_leaves_an_address(client: Client, staff: dict[str, Any], mailoutbox: Any) -> None:
    response = _json(
        client, "/chat/by-email/", {"language": "zh-hans", "email": "li@example.com", "body": "你好", "client_id": str(uuid.uuid4())}
    )
    assert response.status_code == 201
    assert Conversation.objects.get(uuid=response.json()["conversation"]).state == Conversation.State.BY_EMAIL
    bad = _json(client, "/chat/by-email/", {"language": "en", "email": "nope", "body": "x", "client_id": str(uuid.uuid4())})
    assert bad.status_code == 400


# --- WebSockets -----------------------------------------------------------------------------------------------


def _cookies(client: Client) -> bytes:
    return "; ".join(f"{k}={v.value}" for k, v in client.cookies.items()).encode()


def _socket(path: str, client: Client) -> WebsocketCommunicator:
    from cellway.asgi import application

    headers = [(b"cookie", _cookies(client)), (b"origin", b"http://testserver"), (b"host", b"testserver")]
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.mark.django_db(transaction=True)
def test_visitor_and_representative_sockets_exchange_messages(client: Client, staff: dict[str, Any]) -> None:
    chat.heartbeat(by=staff["carla"], available=True, languages=["en"])
    uuid_ = _started(client)
    rep_client = Client()
    rep_client.force_login(staff["carla"])

    async def run() -> None:
        visitor = _socket(f"/ws/chat/{uuid_}/?after=0", client)
        connected, _ = await visitor.connect()
        assert connected
        hello = await visitor.receive_json_from(timeout=5)
        assert hello["type"] == "messages" and hello["state"] == "open"
        representative = _socket("/ws/console/chats/", rep_client)
        connected, _ = await representative.connect()
        assert connected
        first = await representative.receive_json_from(timeout=5)
        assert first["conversation"] == uuid_
        client_id = str(uuid.uuid4())
        await visitor.send_json_to({"type": "send", "client_id": client_id, "body": "Is anyone there?"})
        replies = [await visitor.receive_json_from(timeout=5) for _ in range(2)]
        assert {r["type"] for r in replies} == {"ack", "messages"}
        got = await representative.receive_json_from(timeout=5)
        assert [m["body"] for m in got["messages"]] == ["Is anyone there?"]
        # The same send again (a retry after a lost ack) is acknowledged with the same id and not stored twice.
        await visitor.send_json_to({"type": "send", "client_id": client_id, "body": "Is anyone there?"})
        ack = await visitor.receive_json_from(timeout=5)
        assert ack["type"] == "ack" and ack["id"] == next(r for r in replies if r["type"] == "ack")["id"]
        await representative.send_json_to(
            {"type": "send", "conversation": uuid_, "client_id": str(uuid.uuid4()), "body": "Yes, Carla here."}
        )
        for _ in range(3):
            news = await visitor.receive_json_from(timeout=5)
            if news["type"] == "messages" and news["messages"]:
                break
        assert [m["body"] for m in news["messages"]] == ["Yes, Carla here."]
        await visitor.disconnect()
        await representative.disconnect()

    async_to_sync(run)()
    assert Message.objects.count() == 2


def _count_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement this process runs from now on, on any connection (a consumer's database work runs on
    a connection of its own, not the test's)."""
    from django.db.backends.utils import CursorWrapper

    statements: list[str] = []
    real = CursorWrapper._execute  # type: ignore[attr-defined]

    def counted(self: CursorWrapper, sql: str, params: Any, *args: Any) -> Any:
        if not sql.upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK")):  # transaction control aside
            statements.append(sql)
        return real(self, sql, params, *args)

    monkeypatch.setattr(CursorWrapper, "_execute", counted)
    return statements


async def _next_messages(socket: WebsocketCommunicator) -> dict[str, Any]:
    for _ in range(5):
        news = await socket.receive_json_from(timeout=5)
        if news["type"] == "messages" and news["messages"]:
            return dict(news)
    raise AssertionError("no messages came")


@pytest.mark.django_db(transaction=True)
def test_a_message_reaches_both_sockets_for_the_statements_that_store_it(
    client: Client, staff: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message costs the three statements that store it (`post_message`) and nothing more: both sockets are sent
    it from the notification (it carries the committed message and the id it follows), with no read, no
    session or user lookup, in either direction."""
    chat.heartbeat(by=staff["carla"], available=True, languages=["en"])
    uuid_ = _started(client)
    rep_client = Client()
    rep_client.force_login(staff["carla"])
    counts: list[list[str]] = []
    statements = _count_statements(monkeypatch)

    async def run() -> None:
        visitor = _socket(f"/ws/chat/{uuid_}/?after=0", client)
        assert (await visitor.connect())[0]
        await visitor.receive_json_from(timeout=5)
        representative = _socket("/ws/console/chats/", rep_client)
        assert (await representative.connect())[0]
        await representative.receive_json_from(timeout=5)
        for n in range(3):
            mark = len(statements)
            await visitor.send_json_to({"type": "send", "client_id": str(uuid.uuid4()), "body": f"question {n}"})
            own = await _next_messages(visitor)
            got = await _next_messages(representative)
            await representative.send_json_to(
                {"type": "send", "conversation": uuid_, "client_id": str(uuid.uuid4()), "body": f"answer {n}"}
            )
            answer = await _next_messages(visitor)
            echoed = await _next_messages(representative)
            counts.append(statements[mark:])
            assert [m["body"] for m in own["messages"]] == [m["body"] for m in got["messages"]] == [f"question {n}"]
            assert [m["body"] for m in answer["messages"]] == [m["body"] for m in echoed["messages"]] == [f"answer {n}"]
            assert answer["state"] == "open" and echoed["state"] == "open"
        await visitor.disconnect()
        await representative.disconnect()

    async_to_sync(run)()
    for queries in counts:
        assert len(queries) == 6, queries  # per message: UPDATE … RETURNING, the last id, INSERT; no read on either side
        assert not any("django_session" in sql or "accounts_user" in sql for sql in queries), queries
    stored = list(Message.objects.order_by("id").values_list("body", flat=True))
    assert stored == [body for n in range(3) for body in (f"question {n}", f"answer {n}")]


@pytest.mark.django_db(transaction=True)
def test_a_socket_that_missed_a_notification_reads_what_it_lacks(
    client: Client, staff: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notification lost on its way: the next one does not follow the socket's last id, so the socket reads
    everything after that id from the database (nothing skipped), then goes on from the notifications again."""
    carla = staff["carla"]
    chat.heartbeat(by=carla, available=True, languages=["en"])
    uuid_ = _started(client)
    conversation = Conversation.objects.get(uuid=uuid_)

    async def run() -> None:
        visitor = _socket(f"/ws/chat/{uuid_}/?after=0", client)
        assert (await visitor.connect())[0]
        await visitor.receive_json_from(timeout=5)
        post = database_sync_to_async(chat.post_message)
        with monkeypatch.context() as patched:
            patched.setattr(chat, "_group_send", lambda group, event: None)  # this one's news never arrives
            await post(conversation=conversation, client_id=uuid.uuid4(), body="lost news", by=carla)
        await post(conversation=conversation, client_id=uuid.uuid4(), body="next", by=carla)
        caught_up = await _next_messages(visitor)
        assert [m["body"] for m in caught_up["messages"]] == ["lost news", "next"]
        await post(conversation=conversation, client_id=uuid.uuid4(), body="after", by=carla)
        assert [m["body"] for m in (await _next_messages(visitor))["messages"]] == ["after"]
        await visitor.disconnect()

    async_to_sync(run)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ends", ["signed out", "password changed", "deactivated", "role removed"])
def test_a_representatives_socket_ends_once_the_sign_in_is_revoked(
    client: Client, staff: dict[str, Any], monkeypatch: pytest.MonkeyPatch, ends: str
) -> None:
    """Authenticated at connect and checked again every RECHECK_SECONDS (here made short): a revoked sign-in
    closes the socket (4403), and it tells nothing more."""
    from django.contrib.auth.models import Group

    from cellway.console.chat import consumers

    carla = staff["carla"]
    chat.heartbeat(by=carla, available=True, languages=["en"])
    uuid_ = _started(client)
    rep_client = Client()
    rep_client.force_login(carla)
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.05)

    def revoke() -> None:
        if ends == "signed out":
            rep_client.logout()
        elif ends == "password changed":
            carla.set_password("a new one, long enough 12345")
            carla.save()
        elif ends == "deactivated":
            User.objects.filter(pk=carla.pk).update(is_active=False)
        else:
            carla.groups.remove(*Group.objects.filter(permissions__codename="answer_chat"))

    async def run() -> None:
        representative = _socket("/ws/console/chats/", rep_client)
        assert (await representative.connect())[0]
        first = await representative.receive_json_from(timeout=5)
        assert first["conversation"] == uuid_
        # Still signed in: checked again and kept open (a heartbeat is answered after a few rechecks).
        await asyncio.sleep(0.2)
        await representative.send_json_to({"type": "heartbeat", "available": True})
        assert (await representative.receive_json_from(timeout=5))["type"] == "presence"
        await database_sync_to_async(revoke)()
        closed = await representative.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4403}
        await representative.disconnect()

    async_to_sync(run)()


def test_an_answer_to_someone_who_went_away_is_dropped_not_raised() -> None:
    from cellway.conversations.sockets import ChatConsumer

    async def gone(message: dict[str, Any]) -> None:
        raise OSError("the client disconnected")  # what uvicorn raises then (ClientDisconnected)

    async def broken(message: dict[str, Any]) -> None:
        raise RuntimeError("a mistake of ours")

    consumer = ChatConsumer()
    consumer.base_send = gone
    async_to_sync(consumer.send_json)({"type": "ack"})  # dropped
    consumer.base_send = broken
    with pytest.raises(RuntimeError):
        async_to_sync(consumer.send_json)({"type": "ack"})


@pytest.mark.django_db(transaction=True)
def test_a_socket_to_another_visitors_chat_is_refused(client: Client, staff: dict[str, Any]) -> None:
    chat.heartbeat(by=staff["carla"], available=True)
    uuid_ = _started(client)
    stranger = Client()
    stranger.get("/chat/status/")
    outsider = Client()
    outsider.force_login(staff["fiona"])

    async def run() -> None:
        for path, who in ((f"/ws/chat/{uuid_}/", stranger), (f"/ws/chat/{uuid.uuid4()}/", client)):
            socket = _socket(path, who)
            connected, _ = await socket.connect()
            assert not connected
        socket = _socket("/ws/console/chats/", outsider)
        connected, _ = await socket.connect()
        assert not connected

    async_to_sync(run)()


@pytest.mark.django_db(transaction=True)
def test_a_reconnecting_visitor_gets_everything_after_its_last_id(client: Client, staff: dict[str, Any]) -> None:
    carla = staff["carla"]
    chat.heartbeat(by=carla, available=True)
    uuid_ = _started(client)
    conversation = Conversation.objects.get(uuid=uuid_)
    first, _ = chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="one")
    # Sent while the visitor's socket was down:
    chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="two", by=carla)
    chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="three", by=carla)

    async def run() -> None:
        visitor = _socket(f"/ws/chat/{uuid_}/?after={first.pk}", client)
        assert (await visitor.connect())[0]
        caught_up = await visitor.receive_json_from(timeout=5)
        assert [m["body"] for m in caught_up["messages"]] == ["two", "three"]
        await visitor.disconnect()

    async_to_sync(run)()


@pytest.mark.django_db
def test_the_widget_is_answered_in_the_visitors_language(client: Client, staff: dict[str, Any], settings: Any) -> None:
    assert "لا يوجد أحد" in client.get("/chat/status/?language=ar").json()["message"]
    assert "目前没有人" in client.get("/chat/status/?language=zh-hans").json()["message"]
    chat.heartbeat(by=staff["carla"], available=True)
    settings.CHAT_MESSAGE_MAX_CHARS = 5
    uuid_ = _started(client, language="ar")
    too_long = _json(client, f"/chat/{uuid_}/messages/", {"client_id": str(uuid.uuid4()), "body": "x" * 6})
    assert "طويلة" in too_long.json()["message"]
