"""The base of live chat's two WebSocket consumers (the visitor's, `site/chat_socket.py`; the representative's,
`console/chat/consumers.py`).

channels (from 4.2) hands every event a consumer handles to a database thread first, to close connections that
are too old (`aclose_old_connections`): a thread hop per frame received and per notification, even for those
that touch no database, which the chat's per-message path (a notification sent on as it came) would pay twice per
socket. Our consumers do all their database work through `chat.in_thread` (channels' `database_sync_to_async`),
which closes old connections in that thread before and after each call, so the hop on each event does nothing
that call does not; this base dispatches without it.

A person who goes away while their socket is answering them (a phone losing its signal mid-send) makes the
server refuse the answer (uvicorn's `ClientDisconnected`, an `OSError`): there is nobody left to tell, what they
sent is stored, and their page asks for what it lacks when it reconnects, so the answer is dropped rather than
logged as the application's error. Everything else is channels' own.
"""

from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer


class ChatConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def send_json(self, content: Any, close: bool = False) -> None:
        try:
            await super().send_json(content, close=close)
        except OSError:
            return  # the other end is gone: nobody to tell
