"""The visitor's live-chat socket (`/ws/chat/<uuid>/?after=<id>`).

The socket only tells: every message goes through `conversations.chat.post_message` (stored first), and what the
visitor is sent follows the last id this socket sent: the committed message a notification carries when it is
the next one (`chat.next_message`), else what the database holds after that id, so a notification that arrives
late, twice or out of order never skips or repeats a message (one lost is made good by the next). A socket for a
chat that is not this browser's (another visitor's, a guessed or malformed id) is refused before it opens.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from cellway.conversations import chat
from cellway.conversations.models import Conversation
from cellway.conversations.sockets import ChatConsumer

SESSION_KEY = "chat_visitor_key"
# Refused before it opens: the handshake answers 403 and the widget falls back to asking over HTTP (which 404s).
NOT_FOUND = 4404


def _after(query: bytes) -> int:
    values = parse_qs(query.decode("latin-1")).get("after", ["0"])
    return int(values[0]) if values[0].isdigit() else 0


def state_json(conversation: Conversation) -> dict[str, Any]:
    representative = conversation.assigned_to
    return {
        "state": conversation.state,
        "representative": (representative.first_name or representative.username) if representative else "",
    }


@chat.in_thread
def _find(uuid: str, visitor_key: str) -> Conversation | None:
    return chat.visitor_conversation(uuid=uuid, visitor_key=visitor_key)


@chat.in_thread
def _news(conversation: Conversation, after: int, state: dict[str, Any] | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """What is new after ``after``, and the chat's state: read again unless ``state`` is given (news of messages
    only, the state as this socket last sent it): one query for a message, two when the chat changed."""
    if state is None:
        conversation = Conversation.objects.select_related("assigned_to").get(pk=conversation.pk)
        state = state_json(conversation)
    return [chat.message_json(m) for m in chat.messages_after(conversation, after)], state


@chat.in_thread
def _send(conversation: Conversation, client_id: str, body: str) -> dict[str, Any]:
    try:
        message, _ = chat.post_message(conversation=conversation, client_id=client_id, body=body)
    except chat.ChatRefused as refused:
        from cellway.site.chat_views import refusal_text

        text = refusal_text(refused.reason, conversation.language)
        return {"type": "refused", "client_id": client_id, "reason": refused.reason, "message": text}
    return {"type": "ack", "client_id": client_id, "id": message.pk}


@chat.in_thread
def _page(conversation: Conversation, page: str) -> None:
    chat.record_page(conversation=conversation, page=page)


class VisitorConsumer(ChatConsumer):
    conversation: Conversation
    last_id: int
    state: dict[str, Any] | None = None  # the chat's state as last sent: reused while only messages come

    async def connect(self) -> None:
        session = self.scope.get("session")
        key = (await chat.in_thread(session.get)(SESSION_KEY, "")) if session is not None else ""
        found = await _find(str(self.scope["url_route"]["kwargs"]["uuid"]), key)
        if found is None:
            await self.close(code=NOT_FOUND)
            return
        self.conversation = found
        self.last_id = _after(self.scope.get("query_string", b""))
        await self.channel_layer.group_add(chat.conversation_group(found), self.channel_name)
        await self.accept()
        await self.push()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "conversation"):
            await self.channel_layer.group_discard(chat.conversation_group(self.conversation), self.channel_name)

    async def push(self, *, messages_only: bool = False) -> None:
        """Send what is stored after the last id this socket sent (and the chat's state, read again unless only
        messages are new)."""
        messages, state = await _news(self.conversation, self.last_id, self.state if messages_only else None)
        self.state = state
        if messages:
            self.last_id = messages[-1]["id"]
        await self.send_json({"type": "messages", "messages": messages, **state})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "send":
            reply = await _send(self.conversation, str(content.get("client_id", "")), str(content.get("body", "")))
            await self.send_json(reply)
        elif kind == "fetch":
            after = content.get("after")
            if isinstance(after, int) and after < self.last_id:
                self.last_id = max(after, 0)
            await self.push()
        elif kind == "page":
            await _page(self.conversation, str(content.get("path", "")))

    async def chat_changed(self, event: dict[str, Any]) -> None:
        # The next message as it was committed (no query, no thread), unless this socket is behind: then it reads.
        known, message = chat.next_message(event, self.last_id)
        if known and self.state is not None:
            if message is not None:
                self.last_id = message["id"]
                await self.send_json({"type": "messages", "messages": [message], **self.state})
            return
        await self.push(messages_only=bool(event.get("messages_only")))
