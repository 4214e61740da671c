"""The live-chat page for customer care: who may open it, what it shows of the visitor, the JSON endpoints of the
polling fallback, and the one-step actions (inquiry, join a case, transcript, close)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.core import mail

from cellway.cases.models import Condition
from cellway.cases.stages import Stage
from cellway.conversations import chat
from cellway.conversations.models import CannedReply, Conversation, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(staff: dict[str, Any]) -> Conversation:
    chat.heartbeat(by=staff["carla"], available=True, languages=["en", "ar"])
    started = chat.start_chat(visitor_key="visitor", language="ar", page="/ar/", name="Amira Haddad")
    chat.record_page(conversation=started, page="/ar/conditions/multiple-sclerosis/")
    started.refresh_from_db()
    return started


def test_only_care_opens_the_chat_page(as_user: Any, staff: dict[str, Any]) -> None:
    assert as_user("carla").get("/chats/").status_code == 200
    for other in ("fiona", "sofia", "outsider"):
        assert as_user(other).get("/chats/").status_code == 403


def test_the_page_shows_the_visitors_language_page_and_pages_before_and_canned_replies(as_user: Any, conversation: Conversation) -> None:
    CannedReply.objects.create(language="ar", title="Greeting", body="مرحبًا {first_name}، أنا {representative}.")
    CannedReply.objects.create(language="en", title="English only", body="Hello")
    page = as_user("carla").get("/chats/").content.decode()
    assert "Amira Haddad" in page and "Arabic" in page
    assert "/ar/conditions/multiple-sclerosis/" in page and "/ar/" in page
    assert "مرحبًا Amira، أنا Carla." in page
    assert "English only" not in page


def test_send_and_fetch_after_an_id_over_http(as_user: Any, conversation: Conversation) -> None:
    client = as_user("carla")
    client_id = str(uuid.uuid4())
    url = f"/chats/{conversation.uuid}/messages/"
    first = client.post(url, json.dumps({"client_id": client_id, "body": "Hello"}), content_type="application/json")
    again = client.post(url, json.dumps({"client_id": client_id, "body": "Hello"}), content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert client.get(url + "?after=0").json()["messages"][0]["body"] == "Hello"
    assert client.get(url + f"?after={first.json()['id']}").json()["messages"] == []


def test_another_representatives_chat_is_404(as_user: Any, conversation: Conversation, staff: dict[str, Any]) -> None:
    from django.contrib.auth.models import Group

    other = staff["outsider"]
    other.groups.add(Group.objects.get(name="Customer care"))
    client = as_user("outsider")
    assert client.get(f"/chats/{conversation.uuid}/messages/?after=0").status_code == 404
    assert client.post(f"/chats/{conversation.uuid}/close/").status_code == 404
    assert client.get(f"/chats/{uuid.uuid4()}/messages/").status_code == 404


def test_an_inquiry_from_the_chat_in_one_step_then_the_transcript(
    as_user: Any, conversation: Conversation, django_capture_on_commit_callbacks: Any
) -> None:
    client = as_user("carla")
    chat.post_message(conversation=conversation, client_id=uuid.uuid4(), body="أمي مصابة بالتصلب المتعدد")
    ms = Condition.objects.get(code="ms")
    response = client.post(
        f"/chats/{conversation.uuid}/inquiry/",
        {"full_name": "Amira Haddad", "email": "amira@example.com", "country": "Jordan", "condition": ms.pk},
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.case is not None and conversation.case.inquiry.source == "chat"
    assert Message.objects.filter(conversation=conversation, case=conversation.case).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/chats/{conversation.uuid}/transcript/").status_code == 302
    assert any(m.to == ["amira@example.com"] for m in mail.outbox)


def test_join_an_existing_case_by_its_code(as_user: Any, conversation: Conversation, case_at: Any) -> None:
    case = case_at(Stage.INQUIRY)
    client = as_user("carla")
    assert client.post(f"/chats/{conversation.uuid}/join/", {"code": "CW-0000-0000"}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.case is None
    client.post(f"/chats/{conversation.uuid}/join/", {"code": case.code})
    conversation.refresh_from_db()
    assert conversation.case == case


def test_heartbeat_over_http_sets_presence(as_user: Any, staff: dict[str, Any]) -> None:
    client = as_user("carla")
    response = client.post("/chats/heartbeat/", json.dumps({"available": True, "languages": ["zh-hans"]}), content_type="application/json")
    assert response.json() == {"available": True, "languages": ["zh-hans"]}
    assert chat.chat_status().available
    refused = client.post("/chats/heartbeat/", json.dumps({"available": True, "languages": ["xx"]}), content_type="application/json")
    assert refused.status_code == 422
