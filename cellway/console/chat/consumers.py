"""A care representative's live-chat socket (`/ws/console/chats/`): heartbeats, replies, and news of their chats.

One socket per console page carries every chat assigned to the person: it joins each chat's group and the
representatives' group (the queue). As on the visitor's side, what is sent follows the last id this socket sent
for that chat (the notification's committed message when it is the next one, else a read from the database);
messages go through `conversations.chat.post_message`. The sign-in is checked when the socket opens and again
every RECHECK_SECONDS (not on each event).
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from cellway.accounts.models import User
from cellway.conversations import chat
from cellway.conversations.models import Conversation
from cellway.conversations.sockets import ChatConsumer
from cellway.errors import Refusal

# How often an open socket asks again whether its sign-in still holds (`_still_signed_in`): a session signed out,
# expired or ended by a password change, a deactivated account or a role without live chat loses the socket
# within this many seconds. Between checks, events cost no authentication work.
RECHECK_SECONDS = 30.0
# The close code of a socket refused or ended for its sign-in (the page tries again, refused until signed in again).
REFUSED = 4403


@chat.in_thread
def _allowed(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(chat.ANSWER))


@chat.in_thread
def _still_signed_in(session_key: str | None, user_id: int) -> bool:
    """Whether the session this socket opened with still signs in ``user_id`` as someone who answers chats, read
    afresh (the socket's own copy of the session and user never change): Django's `get_user` refuses a session
    gone or expired, and one whose password hash no longer matches (a password change signs out everywhere);
    the user must still be active with the role, and the sign-in within its lifetime (`CELLWAY_SESSION_SECONDS`;
    the idle limit is the pages': chatting on the socket is use)."""
    import time
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import get_user
    from django.http import HttpRequest

    from cellway.accounts.sessions import SIGNED_IN_AT

    if not session_key:
        return False
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(request)
    if user.pk != user_id or not user.is_active or not user.has_perm(chat.ANSWER):
        return False
    signed_in_at = request.session.get(SIGNED_IN_AT)
    return signed_in_at is None or time.time() - float(signed_in_at) <= settings.SESSION_COOKIE_AGE


@chat.in_thread
def _assigned(user: User) -> dict[str, Conversation]:
    found = Conversation.objects.filter(channel="chat", state=Conversation.State.OPEN, assigned_to=user)
    return {str(c.uuid): c for c in found}


@chat.in_thread
def _news(user: User, uuid: str, after: int, state: str | None) -> tuple[list[dict[str, Any]], str]:
    """What is new in one of this person's chats after ``after``, and its state: read again unless ``state`` is
    given (news of messages only), then one query, which keeps the scope (the chat is assigned to ``user``)."""
    if state is not None:
        return [chat.message_json(m) for m in chat.representative_messages_after(by=user, uuid=uuid, after=after)], state
    conversation = chat.representative_conversation(by=user, uuid=uuid)
    if conversation is None:
        return [], ""
    return [chat.message_json(m) for m in chat.messages_after(conversation, after)], conversation.state


@chat.in_thread
def _send(user: User, uuid: str, client_id: str, body: str, known: Conversation | None) -> dict[str, Any]:
    # ``known``: the chat as this socket found it among the person's own (its state is checked again under lock).
    conversation = known or chat.representative_conversation(by=user, uuid=uuid)
    if conversation is None:
        return {"type": "refused", "client_id": client_id, "reason": "missing", "message": "No such chat of yours."}
    try:
        message, _ = chat.post_message(conversation=conversation, client_id=client_id, body=body, by=user)
    except Refusal as refused:
        return {"type": "refused", "client_id": client_id, "reason": getattr(refused, "reason", "refused"), "message": refused.message}
    return {"type": "ack", "conversation": uuid, "client_id": client_id, "id": message.pk}


@chat.in_thread
def _heartbeat(user: User, available: bool, languages: list[str] | None) -> dict[str, Any]:
    try:
        presence = chat.heartbeat(by=user, available=available, languages=languages)
    except Refusal as refused:
        return {"type": "refused", "reason": "presence", "message": refused.message}
    return {"type": "presence", "available": presence.available, "languages": presence.languages.split(",")}


def _group(uuid: str) -> str:
    return f"chat.{UUID(uuid).hex}"


class RepresentativeConsumer(ChatConsumer):
    user: User
    last_ids: dict[str, int]
    # Each followed chat as last read (reused to send in it) and its state as last sent (reused while only
    # messages come).
    chats: dict[str, Conversation]
    states: dict[str, str]

    ended = False  # the sign-in no longer holds: the socket is closing and tells nothing more
    watch: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not await _allowed(user):
            await self.close(code=REFUSED)
            return
        self.user = user
        self.last_ids = {}
        self.chats = {}
        self.states = {}
        await self.channel_layer.group_add(chat.REPRESENTATIVES_GROUP, self.channel_name)
        await self.accept()
        await self.follow_assigned()
        session = self.scope.get("session")
        self.watch = asyncio.get_running_loop().create_task(self.recheck(getattr(session, "session_key", None)))

    async def recheck(self, session_key: str | None) -> None:
        """Authenticated once, at connect; then asked again every RECHECK_SECONDS, off the message path."""
        while True:
            await asyncio.sleep(RECHECK_SECONDS)
            try:
                still = await _still_signed_in(session_key, self.user.pk)
            except Exception:  # noqa: BLE001 - the check could not be made (the database away): not proven, so closed
                still = False
            if not still:
                self.ended = True
                await self.close(code=REFUSED)
                return

    async def disconnect(self, code: int) -> None:
        if self.watch is not None:
            self.watch.cancel()
        if not hasattr(self, "last_ids"):
            return
        await self.channel_layer.group_discard(chat.REPRESENTATIVES_GROUP, self.channel_name)
        for uuid in self.last_ids:
            await self.channel_layer.group_discard(_group(uuid), self.channel_name)

    async def follow_assigned(self) -> None:
        """Join the groups of chats newly assigned to this person, and send what each holds."""
        for uuid, conversation in (await _assigned(self.user)).items():
            self.chats[uuid] = conversation
            if uuid not in self.last_ids:
                self.last_ids[uuid] = 0
                await self.channel_layer.group_add(_group(uuid), self.channel_name)
                await self.push(uuid)

    async def push(self, uuid: str, *, messages_only: bool = False) -> None:
        messages, state = await _news(self.user, uuid, self.last_ids.get(uuid, 0), self.states.get(uuid) if messages_only else None)
        self.states[uuid] = state
        if messages:
            self.last_ids[uuid] = messages[-1]["id"]
        await self.send_json({"type": "messages", "conversation": uuid, "messages": messages, "state": state})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or self.ended:
            return
        kind = content.get("type")
        uuid = str(content.get("conversation", ""))
        if kind == "heartbeat":
            languages = content.get("languages")
            chosen = [str(code) for code in languages] if isinstance(languages, list) else None
            await self.send_json(await _heartbeat(self.user, bool(content.get("available")), chosen))
        elif kind == "send":
            client_id, body = str(content.get("client_id", "")), str(content.get("body", ""))
            await self.send_json(await _send(self.user, uuid, client_id, body, self.chats.get(uuid)))
        elif kind == "fetch" and uuid in self.last_ids:
            after = content.get("after")
            if isinstance(after, int) and after < self.last_ids[uuid]:
                self.last_ids[uuid] = max(after, 0)
            await self.push(uuid)

    async def chat_changed(self, event: dict[str, Any]) -> None:
        uuid = str(UUID(hex=str(event.get("conversation", ""))))
        if uuid not in self.last_ids or self.ended:
            return
        # One of this person's chats (followed because it was assigned to them; an open chat is never given to
        # another): the next message as committed, with no query and no thread, unless this socket is behind.
        known, message = chat.next_message(event, self.last_ids[uuid])
        if known and uuid in self.states:
            if message is not None:
                self.last_ids[uuid] = message["id"]
                await self.send_json({"type": "messages", "conversation": uuid, "messages": [message], "state": self.states[uuid]})
            return
        await self.push(uuid, messages_only=bool(event.get("messages_only")))

    async def queue_changed(self, event: dict[str, Any]) -> None:
        if self.ended:
            return
        await self.follow_assigned()
        await self.send_json({"type": "queue"})
