"""The base of live chat's two WebSocket consumers (the visitor's, `site/chat_socket.py`; the representative's,
`console/chat/consumers.py`).

channels (from 4.2) hands every event a consumer handles to a database thread first, to close connections that
are too old (`aclose_old_connections`): a thread hop per frame received and per notification, even for those
that touch no database, which the chat's per-message path (a notification sent on as it came) would pay twice per
socket. Our consumers do all their database work through `chat.in_thread` (channels' `database_sync_to_async`),
which closes old connections in that thread before and after each call, so the hop on each event does nothing
that call does not; this base dispatches without it. Everything else is channels' own.
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
