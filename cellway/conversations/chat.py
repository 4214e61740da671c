"""Live chat: every write (start, send, assign, presence, close, inquiry, transcript) and the reads the sockets
and the polling fallback share.

The database is the truth. A message is stored first (its client-chosen id makes a retried send the same
message), and only once the transaction commits are the conversation's sockets told (`notify`); a socket then
reads what is new from the database. A client that reconnects, returns to its tab or cannot open a WebSocket at
all asks `messages_after` the last id it has, so nothing sent while it was away is lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import uuid as uuid_module
import zoneinfo
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Field, Q, QuerySet
from django.utils import timezone

from cellway import limits
from cellway.accounts.models import User
from cellway.cases import services as cases
from cellway.cases.events import EventKind
from cellway.cases.models import Case, Condition, Source
from cellway.conversations.models import (
    CannedReply,
    Channel,
    ChatVisit,
    Conversation,
    Direction,
    Message,
    Presence,
)
from cellway.errors import NotAllowed, Refusal

ANSWER = "conversations.answer_chat"
LANGUAGES = ("en", "zh-hans", "ar")
# The channel-layer group of one conversation's sockets, and the one of every present representative.
REPRESENTATIVES_GROUP = "chat.representatives"


def conversation_group(conversation: Conversation) -> str:
    return f"chat.{conversation.uuid.hex}"


class ChatRefused(Refusal):
    """A refusal the visitor's widget says in the visitor's language: ``reason`` is one of "closed", "size",
    "empty", "rate", "hours", "nobody", "email"; ``message`` is the English for staff and logs."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


# --- Opening hours and presence -------------------------------------------------------------------------------


def within_hours(at: dt.datetime | None = None) -> bool:
    """Whether live chat is open at ``at`` (now) by ``CHAT_HOURS`` in the clinic's time zone."""
    start, _, end = settings.CHAT_HOURS.partition("-")
    local = timezone.localtime(at or timezone.now(), zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE))
    return int(start) <= local.hour < int(end)


def present_representatives(now: dt.datetime | None = None) -> QuerySet[Presence]:
    """Representatives available for chats whose last heartbeat is within the presence window."""
    now = now or timezone.now()
    since = now - dt.timedelta(seconds=settings.CHAT_PRESENCE_SECONDS)
    return Presence.objects.filter(available=True, last_seen_at__gte=since, user__is_active=True)


@dataclass(frozen=True)
class ChatStatus:
    """What the widget offers: a chat (someone is there, within hours) or, with the reason, an email address."""

    available: bool
    reason: str  # "", "hours" or "nobody"


def chat_status(now: dt.datetime | None = None) -> ChatStatus:
    """Nobody is offered a chat with an empty room: out of hours or with no representative present, the widget
    collects an email address instead."""
    if not within_hours(now):
        return ChatStatus(False, "hours")
    if not present_representatives(now).exists():
        return ChatStatus(False, "nobody")
    return ChatStatus(True, "")


def check_answer_chats(*, by: User) -> None:
    if not by.has_perm(ANSWER):
        raise NotAllowed("Your role does not answer live chats.")


def heartbeat(*, by: User, available: bool, languages: list[str] | None = None, now: dt.datetime | None = None) -> Presence:
    """A representative's page says it is still open (every 15 seconds): present for the presence window.

    A heartbeat that changes nothing (still available, same languages, seen within the window) only moves
    ``last_seen_at``: two queries, no lock, no assignment. Becoming available (again, after the window lapsed)
    or choosing other languages takes the oldest waiting chats this person may answer; a chat that starts, a
    chat that ends and the scheduler's sweep (`tasks.assign_waiting_chats`) move the queue otherwise."""
    check_answer_chats(by=by)
    now = now or timezone.now()
    chosen: str | None = None
    if languages is not None:
        codes = [code for code in languages if code in LANGUAGES]
        if not codes:
            raise Refusal(f"Choose at least one chat language: {', '.join(LANGUAGES)}.")
        chosen = ",".join(codes)
    presence = Presence.objects.filter(user=by).first()
    if presence is None:
        presence, _ = Presence.objects.update_or_create(
            user=by, defaults={"available": available, "last_seen_at": now, **({"languages": chosen} if chosen else {})}
        )
        newly_available = available
    else:
        since = now - dt.timedelta(seconds=settings.CHAT_PRESENCE_SECONDS)
        was_present = presence.available and presence.last_seen_at >= since
        newly_available = available and (not was_present or (chosen is not None and chosen != presence.languages))
        changes: dict[str, Any] = {"available": available, "last_seen_at": now}
        if chosen is not None:
            changes["languages"] = chosen
        Presence.objects.filter(pk=presence.pk).update(**changes)
        for field, value in changes.items():
            setattr(presence, field, value)
    if newly_available:
        assign_waiting(now)
    return presence


# --- Starting a chat, and the visitor's place on the site -----------------------------------------------------


def new_visitor_key() -> str:
    return secrets.token_urlsafe(32)


def _clean_page(page: str) -> str:
    # Only a path of this site: a full address or anything else is not shown to staff as a page.
    page = page.strip()[: limits.SHORT]
    return page if page.startswith("/") and not page.startswith("//") else ""


def start_chat(*, visitor_key: str, language: str, page: str = "", name: str = "", now: dt.datetime | None = None) -> Conversation:
    """A visitor asks for a representative: the conversation waits in the queue (first in, first out) and is
    given at once to a representative who is free. Refused out of hours or with nobody present (the widget
    offers the email form instead)."""
    status = chat_status(now)
    if not status.available:
        raise ChatRefused(status.reason, "Live chat is closed now." if status.reason == "hours" else "No representative is available.")
    if language not in LANGUAGES:
        language = "en"
    limits.check_length(name, limits.NAME, "The name")
    now = now or timezone.now()
    with transaction.atomic():
        conversation = Conversation.objects.create(
            channel=Channel.CHAT, state=Conversation.State.WAITING, language=language, contact_name=name.strip()
        )
        ChatVisit.objects.create(conversation=conversation, visitor_key=visitor_key, current_page=_clean_page(page), queued_at=now)
    assign_waiting()
    return conversation


def visitor_conversation(*, uuid: str | uuid_module.UUID, visitor_key: str) -> Conversation | None:
    """The visitor's own chat, or None: an unknown id, a malformed one, or another visitor's (the caller answers 404)."""
    try:
        wanted = uuid if isinstance(uuid, uuid_module.UUID) else uuid_module.UUID(str(uuid))
    except ValueError:
        return None
    if not visitor_key:
        return None
    found = Conversation.objects.filter(uuid=wanted, channel=Channel.CHAT).select_related("chat").first()
    if found is None or not secrets.compare_digest(found.chat.visitor_key, visitor_key):
        return None
    return found


def record_page(*, conversation: Conversation, page: str) -> None:
    """The visitor opened another page of the site: it becomes the current page, the one before joins the list."""
    page = _clean_page(page)
    if not page:
        return
    with transaction.atomic():
        visit = ChatVisit.objects.select_for_update().get(conversation=conversation)
        if visit.current_page == page:
            return
        if visit.current_page:
            visit.pages_before = [*visit.pages_before, visit.current_page][-10:]
        visit.current_page = page
        visit.save(update_fields=["current_page", "pages_before"])
        notify_representatives(conversation)


# --- Assignment -----------------------------------------------------------------------------------------------


def _open_chats(user_ids: list[int]) -> dict[int, int]:
    rows = (
        Conversation.objects.filter(channel=Channel.CHAT, state=Conversation.State.OPEN, assigned_to__in=user_ids)
        .values("assigned_to")
        .annotate(n=Count("pk"))
    )
    return {row["assigned_to"]: row["n"] for row in rows}


def choose_representative(language: str, candidates: list[Presence], load: dict[int, int]) -> Presence | None:
    """Who answers a chat in ``language``: among those present below the cap, those who speak the language
    (anyone, if nobody present speaks it); among them, the one who has waited longest since their last chat."""
    cap = settings.CHAT_MAX_OPEN_PER_REPRESENTATIVE
    speakers_present = [p for p in candidates if p.speaks(language)]
    pool = speakers_present or candidates
    free = [p for p in pool if load.get(p.user_id, 0) < cap]
    if not free:
        return None
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return min(free, key=lambda p: (p.last_assigned_at or oldest, p.user_id))


def assign_waiting(now: dt.datetime | None = None) -> list[Conversation]:
    """Give waiting chats to representatives, oldest chat first (first in, first out), language-aware and
    within each person's cap of open chats. Locked so two processes never give one chat twice."""
    now = now or timezone.now()
    assigned: list[Conversation] = []
    with transaction.atomic():
        waiting = list(
            # of=("self",): the visit is an outer join, which PostgreSQL does not lock (nor need we).
            Conversation.objects.select_for_update(of=("self",))
            .filter(channel=Channel.CHAT, state=Conversation.State.WAITING)
            .select_related("chat")
            .order_by("chat__queued_at", "pk")
        )
        if not waiting:
            return []
        candidates = list(present_representatives(now).select_for_update(of=("self",)).order_by("user_id"))
        load = _open_chats([p.user_id for p in candidates])
        for conversation in waiting:
            chosen = choose_representative(conversation.language, candidates, load)
            if chosen is None:
                continue
            conversation.state = Conversation.State.OPEN
            conversation.assigned_to_id = chosen.user_id
            conversation.save(update_fields=["state", "assigned_to"])
            ChatVisit.objects.filter(pk=conversation.chat.pk).update(assigned_at=now)
            chosen.last_assigned_at = now
            Presence.objects.filter(pk=chosen.pk).update(last_assigned_at=now)
            load[chosen.user_id] = load.get(chosen.user_id, 0) + 1
            assigned.append(conversation)
        for conversation in assigned:
            notify(conversation)
        if assigned:
            notify_representatives()
    return assigned


# --- Messages -------------------------------------------------------------------------------------------------


def _rate_key(conversation: Conversation) -> str:
    return f"chat:rate:{conversation.uuid.hex}:{int(timezone.now().timestamp()) // 60}"


def check_rate(conversation: Conversation) -> None:
    """A visitor may send at most CHAT_MESSAGES_PER_MINUTE messages a minute (counted in the shared cache)."""
    limit = settings.CHAT_MESSAGES_PER_MINUTE
    key = _rate_key(conversation)
    # The minute's counter is counted up first and made only when missing: two cache operations a message (on
    # Redis, two round trips, each with a client Django builds for it) where adding it first each time took three.
    try:
        count = cache.incr(key)
    except ValueError:  # the minute's first message (or the counter expired)
        count = 1 if cache.add(key, 1, timeout=120) else cache.incr(key)
    if count > limit:
        raise ChatRefused("rate", f"Too many messages: at most {limit} a minute. Wait a moment and send again.")


def check_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ChatRefused("empty", "An empty message is not sent.")
    limit = settings.CHAT_MESSAGE_MAX_CHARS
    if len(body) > limit:
        raise ChatRefused("size", f"The message is too long: {len(body):,} characters, at most {limit:,}.")
    if "\x00" in body:
        raise ChatRefused("size", "The message holds a character that cannot be stored.")
    return body


def _parse_client_id(client_id: str | uuid_module.UUID) -> uuid_module.UUID:
    try:
        return client_id if isinstance(client_id, uuid_module.UUID) else uuid_module.UUID(str(client_id))
    except ValueError:
        raise ChatRefused("empty", "Each message needs its client id (a UUID).") from None


_ENDED = (Conversation.State.CLOSED, Conversation.State.BY_EMAIL)


def _uncount(conversation: Conversation) -> None:
    """A send that turned out to be a retry gives back the place it took in the visitor's rate."""
    with contextlib.suppress(ValueError):  # the minute turned: nothing to give back
        cache.decr(_rate_key(conversation))


def _mark_message(conversation: Conversation, now: dt.datetime) -> tuple[int | None, str, int] | None:
    """Lock the conversation's row and note its last message, if it still takes messages: ``(case id, contact
    name, id of its last message so far or 0)`` as they are now, or None when it has ended.

    The row lock orders the conversation's messages: their ids commit in the order they were given, so
    "everything after id X" never skips one still being written, and the last id read under the lock is the
    one the new message follows (`notify` carries it: a socket that has sent that one sends the new message as
    it comes, without reading). One ``UPDATE … RETURNING`` (PostgreSQL, and SQLite from 3.35) takes the lock,
    checks the state and reads what the message copies, where the ORM needs a ``SELECT … FOR UPDATE`` and an
    ``UPDATE``; then the last id, in a statement of its own: on PostgreSQL (read committed) a statement that
    waited for the lock still reads with the snapshot it began with, so a subquery of the ``UPDATE`` would miss
    the message that the lock's previous holder committed meanwhile, and a socket would skip it."""
    meta = Conversation._meta
    quote = connection.ops.quote_name
    column = {
        name: quote(str(cast("Field[Any, Any]", meta.get_field(name)).column))
        for name in ("state", "last_message_at", "case", "contact_name")
    }
    column["id"] = quote(str(meta.pk.column))
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {column['last_message_at']} = %s "  # noqa: S608 - names from the model, values bound
        f"WHERE {column['id']} = %s AND {column['state']} IN (%s, %s) RETURNING {column['case']}, {column['contact_name']}"
    )
    params = [connection.ops.adapt_datetimefield_value(now), conversation.pk, Conversation.State.WAITING, Conversation.State.OPEN]
    message_conversation = quote(str(cast("Field[Any, Any]", Message._meta.get_field("conversation")).column))
    last = (
        f"SELECT MAX({quote(str(Message._meta.pk.column))}) FROM {quote(Message._meta.db_table)} "  # noqa: S608 - as above
        f"WHERE {message_conversation} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        cursor.execute(last, [conversation.pk])  # on the (conversation, id) index
        previous = cursor.fetchone()[0]
    return row[0], row[1], previous or 0


def post_message(
    *, conversation: Conversation, client_id: str | uuid_module.UUID, body: str, by: User | None = None
) -> tuple[Message, bool]:
    """Store one message in a chat and tell its sockets once it is committed. ``by`` is the representative, or
    None for the visitor. Returns the message and whether it is new: a send retried with the same client id
    returns the stored message and stores nothing (nor counts against the rate), even once the chat has ended.

    Refused: a closed chat, an empty or too long message, a visitor over the rate, a representative who is not
    the one assigned.

    Three statements in one transaction when all is well (`_mark_message`'s two, the insert); a retry is found by the
    unique client id, after the insert fails, so the first send pays nothing for it. ``conversation`` may be
    stale (a socket's): its state, case and contact name are read again under the lock."""
    wanted = _parse_client_id(client_id)
    body = check_body(body)
    if by is not None:
        check_write_as_representative(conversation=conversation, by=by)
    if conversation.state in _ENDED:
        return _stored_or_refuse(conversation, wanted)
    if by is None:
        retried = _count_or_retried(conversation, wanted)
        if retried is not None:
            return retried, False
    now = timezone.now()
    try:
        with transaction.atomic():
            current = _mark_message(conversation, now)
            if current is None:
                raise _Ended
            case_id, contact_name, previous = current
            message = Message.objects.create(
                conversation=conversation,
                case_id=case_id,
                channel=Channel.CHAT,
                direction=Direction.INBOUND if by is None else Direction.OUTBOUND,
                author=by,
                author_label=(contact_name if by is None else (by.first_name or by.username)),
                body=body,
                client_id=wanted,
                occurred_at=now,
            )
            notify(conversation, message=message, previous=previous)
    except _Ended:
        if by is None:
            _uncount(conversation)
        return _stored_or_refuse(conversation, wanted)
    except IntegrityError:
        # Sent before (a retry after a lost acknowledgement), or the same client id twice at once.
        if by is None:
            _uncount(conversation)
        return Message.objects.get(conversation=conversation, client_id=wanted), False
    return message, True


def _count_or_retried(conversation: Conversation, wanted: uuid_module.UUID) -> Message | None:
    """Count a visitor's send against the rate. Over it, a retry of a message already stored (its
    acknowledgement lost) is that message, not a refusal."""
    try:
        check_rate(conversation)
    except ChatRefused:
        _uncount(conversation)
        existing = Message.objects.filter(conversation=conversation, client_id=wanted).first()
        if existing is None:
            raise
        return existing
    return None


class _Ended(Exception):
    """The chat ended before this message was stored (rolls the transaction back)."""


def _stored_or_refuse(conversation: Conversation, wanted: uuid_module.UUID) -> tuple[Message, bool]:
    existing = Message.objects.filter(conversation=conversation, client_id=wanted).first()
    if existing is None:
        raise ChatRefused("closed", "This chat has ended.")
    return existing, False


def messages_after(conversation: Conversation, after: int = 0, limit: int = 200) -> list[Message]:
    """The conversation's messages with an id above ``after``, oldest first (at most ``limit``)."""
    return list(Message.objects.filter(conversation=conversation, id__gt=max(after, 0)).order_by("id")[:limit])


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "client_id": str(message.client_id) if message.client_id else "",
        "from": "visitor" if message.direction == Direction.INBOUND else "representative",
        "author": message.author_label,
        "body": message.body,
        "at": message.occurred_at.isoformat(),
    }


def in_thread[**P, R](func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """channels' database_sync_to_async, typed: a consumer's database work in a thread, connections tidied."""
    from channels.db import database_sync_to_async

    wrapped: Callable[P, Awaitable[R]] = database_sync_to_async(func)
    return wrapped


# --- Notification (after commit; the socket only tells) -------------------------------------------------------


_SENDING: set[Any] = set()  # notifications under way on the server's loop (kept referenced until done)


def _group_send(group: str, event: dict[str, Any]) -> None:
    """Tell a group. Inside the ASGI server (a consumer's or a view's database thread) the send is handed to the
    server's event loop without waiting for it: the one database thread goes on with the next message instead of
    queueing behind the loop. Elsewhere (a command, a test, WSGI) it is sent and waited for."""
    import os

    from asgiref.sync import SyncToAsync, async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is not None and getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) == os.getpid() and loop.is_running():

        def start() -> None:
            task = loop.create_task(layer.group_send(group, event))
            _SENDING.add(task)
            task.add_done_callback(_SENDING.discard)

        loop.call_soon_threadsafe(start)
        return
    async_to_sync(layer.group_send)(group, event)


def notify(conversation: Conversation, *, message: Message | None = None, previous: int = 0) -> None:
    """Once the transaction commits, tell the conversation's sockets (visitor and representative) that there
    is something new; each reads it from the database.

    ``message``: one new message and nothing else (the chat's state, representative and case are as they
    were), stored right after the message ``previous`` (read under the chat's row lock, `_mark_message`). The
    event carries it as committed: a socket whose last sent id is ``previous`` sends it on as it is, with no
    query and no thread; any other socket (it missed a notification, or is behind) reads what is new."""
    group = conversation_group(conversation)
    event: dict[str, Any] = {"type": "chat.changed", "conversation": conversation.uuid.hex, "messages_only": message is not None}
    if message is not None:
        event.update(message=message_json(message), previous=previous)
    transaction.on_commit(lambda: _group_send(group, event))


def next_message(event: dict[str, Any], last_id: int) -> tuple[bool, dict[str, Any] | None]:
    """What a socket that has sent everything up to ``last_id`` does with a `notify` event: ``(False, None)``
    reads what is new from the database; ``(True, message)`` sends the event's message as it is, with nothing
    to read; ``(True, None)`` sends nothing (the message was sent already, read with an earlier one)."""
    message = event.get("message")
    if not event.get("messages_only") or not isinstance(message, dict):
        return False, None
    if message.get("id", 0) <= last_id:
        return True, None
    if event.get("previous") == last_id:
        return True, message
    return False, None


def notify_representatives(conversation: Conversation | None = None) -> None:
    """Tell every representative's page that the queue or a visitor's page changed."""
    transaction.on_commit(lambda: _group_send(REPRESENTATIVES_GROUP, {"type": "queue.changed"}))
    if conversation is not None:
        notify(conversation)


# --- The representative's side --------------------------------------------------------------------------------


def check_write_as_representative(*, conversation: Conversation, by: User) -> None:
    check_answer_chats(by=by)
    if conversation.assigned_to_id != by.pk:
        raise NotAllowed("This chat is assigned to another representative.")


def representative_chats(by: User) -> QuerySet[Conversation]:
    """The chats a representative sees: those assigned to them that are open, and the waiting queue."""
    check_answer_chats(by=by)
    return (
        Conversation.objects.filter(channel=Channel.CHAT)
        .filter(Q(state=Conversation.State.WAITING) | Q(state=Conversation.State.OPEN, assigned_to=by))
        .select_related("chat", "assigned_to", "case", "inquiry")
        .order_by("chat__queued_at", "pk")
    )


def representative_conversation(*, by: User, uuid: str | uuid_module.UUID) -> Conversation | None:
    """A chat this representative may read: assigned to them (open or ended), else None (404)."""
    check_answer_chats(by=by)
    try:
        wanted = uuid if isinstance(uuid, uuid_module.UUID) else uuid_module.UUID(str(uuid))
    except ValueError:
        return None
    return Conversation.objects.filter(uuid=wanted, channel=Channel.CHAT, assigned_to=by).select_related("chat", "case", "inquiry").first()


def representative_messages_after(*, by: User, uuid: str | uuid_module.UUID, after: int = 0, limit: int = 200) -> list[Message]:
    """`messages_after` for a chat assigned to ``by``, in one query (nothing for any other chat)."""
    check_answer_chats(by=by)
    try:
        wanted = uuid if isinstance(uuid, uuid_module.UUID) else uuid_module.UUID(str(uuid))
    except ValueError:
        return []
    found = Message.objects.filter(
        conversation__uuid=wanted, conversation__channel=Channel.CHAT, conversation__assigned_to=by, id__gt=max(after, 0)
    )
    return list(found.order_by("id")[:limit])


def fill_canned(reply: CannedReply, *, conversation: Conversation, by: User) -> str:
    """A canned reply's text with its variables filled ({first_name}, {representative}, {clinic}); an unknown
    variable is left as written rather than failing."""
    values = {
        "first_name": (conversation.contact_name.split() or [""])[0],
        "representative": by.first_name or by.username,
        "clinic": settings.CLINIC_NAME,
    }

    class Keep(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return reply.body.format_map(Keep(values))


def canned_replies(language: str) -> list[CannedReply]:
    return list(CannedReply.objects.filter(language=language))


def close_chat(*, conversation: Conversation, by: User | None = None) -> Conversation:
    """End a chat (by its representative, or by the visitor when ``by`` is None); later messages are refused."""
    if by is not None:
        check_write_as_representative(conversation=conversation, by=by)
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.state == Conversation.State.CLOSED:
            return locked
        locked.state = Conversation.State.CLOSED
        locked.save(update_fields=["state"])
        ChatVisit.objects.filter(conversation=locked).update(closed_at=timezone.now())
        notify(locked)
        notify_representatives()
    assign_waiting()
    return locked


def transcript(conversation: Conversation) -> str:
    lines = []
    for message in Message.objects.filter(conversation=conversation).order_by("id"):
        local = timezone.localtime(message.occurred_at, zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE))
        lines.append(f"[{local:%Y-%m-%d %H:%M}] {message.author_label or '-'}: {message.body}")
    return "\n".join(lines)


def check_make_inquiry(*, conversation: Conversation, by: User) -> None:
    check_write_as_representative(conversation=conversation, by=by)
    cases.check_open_case(by=by)
    if conversation.inquiry_id or conversation.case_id:
        raise Refusal("This chat is already an inquiry or on a case.")


def make_inquiry(
    *, conversation: Conversation, by: User, full_name: str, email: str, country: str, condition: Condition, phone: str = ""
) -> Case:
    """Turn a chat into an inquiry and open its case in one step (cases.services.record_inquiry, open_case);
    the transcript is the inquiry's message and the chat's messages join the case's thread."""
    check_make_inquiry(conversation=conversation, by=by)
    language = {"en": "English", "zh-hans": "Chinese", "ar": "Arabic"}.get(conversation.language, "English")
    with transaction.atomic():
        inquiry = cases.record_inquiry(
            by=by,
            full_name=full_name,
            email=email,
            phone=phone,
            country=country,
            language=language,
            condition=condition,
            source=Source.CHAT,
            message=transcript(conversation)[: limits.MESSAGE],
            received_at=conversation.created_at,
        )
        case = cases.open_case(inquiry=inquiry, by=by)
        Conversation.objects.filter(pk=conversation.pk).update(inquiry=inquiry, case=case, contact_email=email, contact_name=full_name)
        Message.objects.filter(conversation=conversation).update(case=case)
    conversation.refresh_from_db()
    return case


def check_join_case(*, conversation: Conversation, by: User, case: Case) -> None:
    check_write_as_representative(conversation=conversation, by=by)
    if conversation.case_id:
        raise Refusal("This chat is already on a case.")
    if not by.has_perm("cases.view_all_cases"):
        raise NotAllowed("Your role does not see this case.")


def join_case(*, conversation: Conversation, by: User, case: Case) -> Conversation:
    """Put a chat on an existing case's thread (the visitor is a known patient or family)."""
    check_join_case(conversation=conversation, by=by, case=case)
    with transaction.atomic():
        Conversation.objects.filter(pk=conversation.pk).update(case=case)
        Message.objects.filter(conversation=conversation).update(case=case)
        cases.record_event(case=case, by=by, kind=EventKind.NOTE, summary="A live chat joined the case's thread")
    conversation.refresh_from_db()
    return conversation


# --- By email -------------------------------------------------------------------------------------------------


def _check_email(email: str) -> str:
    email = email.strip()
    limits.check_length(email, limits.EMAIL, "The email address")
    try:
        validate_email(email)
    except ValidationError:
        raise ChatRefused("email", f"{email!r} is not an email address.") from None
    return email


def continue_by_email(
    *,
    visitor_key: str,
    language: str,
    email: str,
    body: str,
    client_id: str,
    name: str = "",
    page: str = "",
    conversation: Conversation | None = None,
) -> Conversation:
    """Out of hours or with nobody present: the visitor leaves an address and their question; the conversation
    continues by email (the visitor is mailed the acknowledgement with the transcript; customer care sees it
    in the chat queue's "by email" list)."""
    email = _check_email(email)
    body = check_body(body)
    if language not in LANGUAGES:
        language = "en"
    limits.check_length(name, limits.NAME, "The name")
    with transaction.atomic():
        if conversation is None:
            conversation = Conversation.objects.create(channel=Channel.CHAT, language=language, contact_name=name.strip())
            ChatVisit.objects.create(
                conversation=conversation, visitor_key=visitor_key, current_page=_clean_page(page), queued_at=timezone.now()
            )
        Conversation.objects.filter(pk=conversation.pk).update(
            state=Conversation.State.BY_EMAIL, contact_email=email, contact_name=name.strip() or conversation.contact_name
        )
        conversation.refresh_from_db()
        wanted = _parse_client_id(client_id)
        if not Message.objects.filter(conversation=conversation, client_id=wanted).exists():
            Message.objects.create(
                conversation=conversation,
                channel=Channel.CHAT,
                direction=Direction.INBOUND,
                author_label=conversation.contact_name,
                body=body,
                client_id=wanted,
                occurred_at=timezone.now(),
            )
        from cellway.conversations import chat_mail

        chat_mail.send_later(conversation, "by_email")
        notify(conversation)
        notify_representatives()
    return conversation


def check_send_transcript(*, conversation: Conversation, by: User) -> None:
    check_write_as_representative(conversation=conversation, by=by)
    if not conversation.contact_email:
        raise Refusal("The visitor has not given an email address: make an inquiry first, or ask for one.")


def send_transcript(*, conversation: Conversation, by: User) -> None:
    """Mail the chat's transcript to the visitor alone, in their language."""
    check_send_transcript(conversation=conversation, by=by)
    from cellway.conversations import chat_mail

    with transaction.atomic():
        ChatVisit.objects.filter(conversation=conversation).update(transcript_sent_at=timezone.now())
        chat_mail.send_later(conversation, "transcript")
