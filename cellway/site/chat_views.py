"""Live chat over HTTP for the public site's widget: whether a chat is offered, starting one, and the messages
endpoint (everything after an id; a send by client id) that the widget uses on every (re)connect and return to
the tab, and polls when WebSockets are blocked. Answers are JSON; a chat that is not this browser's is 404."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cellway.conversations import chat
from cellway.conversations.models import Conversation
from cellway.errors import Refusal
from cellway.site.chat_socket import SESSION_KEY, state_json

# The HTTP status of each refusal, and what the visitor reads (in their language).
STATUS = {"rate": 429, "size": 413, "empty": 400, "closed": 409, "hours": 409, "nobody": 409, "email": 400}


def refusal_text(reason: str, language: str | None = None) -> str:
    """What the visitor reads for a refusal, in ``language`` (the chat's; the page's when given none)."""
    if language is not None:
        with translation.override(language if language in chat.LANGUAGES else "en"):
            return refusal_text(reason)
    return {
        "rate": _("You are sending messages too fast. Please wait a moment, then send again."),
        "size": _("This message is too long. Please split it into shorter messages."),
        "empty": _("Please write a message first."),
        "closed": _("This chat has ended."),
        "hours": _("Our chat is closed now. Leave your email address and we will answer by email."),
        "nobody": _("Nobody can chat just now. Leave your email address and we will answer by email."),
        "email": _("Please give a valid email address."),
    }.get(reason, _("Your message could not be sent."))


def _refused(refusal: Refusal, language: str) -> JsonResponse:
    reason = getattr(refusal, "reason", "refused")
    return JsonResponse({"refused": reason, "message": refusal_text(reason, language)}, status=STATUS.get(reason, 400))


def _payload(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise Http404("Not a chat request")
    return data


def _visitor_key(request: HttpRequest, *, create: bool = False) -> str:
    key = str(request.session.get(SESSION_KEY, ""))
    if not key and create:
        key = chat.new_visitor_key()
        request.session[SESSION_KEY] = key
    return key


def _own(request: HttpRequest, uuid: str) -> Conversation:
    found = chat.visitor_conversation(uuid=uuid, visitor_key=_visitor_key(request))
    if found is None:
        raise Http404("No such chat")
    return found


@never_cache
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    offered = chat.chat_status()
    message = refusal_text(offered.reason, request.GET.get("language", "en")) if offered.reason else ""
    return JsonResponse({"available": offered.available, "reason": offered.reason, "message": message})


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    data = _payload(request)
    try:
        conversation = chat.start_chat(
            visitor_key=_visitor_key(request, create=True),
            language=str(data.get("language", "en")),
            page=str(data.get("page", "")),
            name=str(data.get("name", ""))[:200],
        )
    except Refusal as refusal:
        return _refused(refusal, str(data.get("language", "en")))
    return JsonResponse({"conversation": str(conversation.uuid), **state_json(conversation)}, status=201)


@never_cache
def messages(request: HttpRequest, uuid: str) -> HttpResponse:
    conversation = _own(request, uuid)
    if request.method == "POST":
        data = _payload(request)
        try:
            message, created = chat.post_message(
                conversation=conversation, client_id=str(data.get("client_id", "")), body=str(data.get("body", ""))
            )
        except Refusal as refusal:
            return _refused(refusal, conversation.language)
        return JsonResponse({"id": message.pk, "client_id": str(message.client_id)}, status=201 if created else 200)
    if request.method != "GET":
        return HttpResponse(status=405)
    after = request.GET.get("after", "0")
    if not after.isdigit():
        return JsonResponse({"refused": "after", "message": "after must be a message id"}, status=400)
    conversation = Conversation.objects.select_related("assigned_to").get(pk=conversation.pk)
    found = chat.messages_after(conversation, int(after))
    return JsonResponse({"messages": [chat.message_json(m) for m in found], **state_json(conversation)})


@require_POST
def page(request: HttpRequest, uuid: str) -> HttpResponse:
    chat.record_page(conversation=_own(request, uuid), page=str(_payload(request).get("path", "")))
    return HttpResponse(status=204)


@require_POST
def close(request: HttpRequest, uuid: str) -> HttpResponse:
    chat.close_chat(conversation=_own(request, uuid))
    return HttpResponse(status=204)


@require_POST
def by_email(request: HttpRequest) -> HttpResponse:
    data = _payload(request)
    conversation = None
    if data.get("conversation"):
        conversation = _own(request, str(data["conversation"]))
    try:
        conversation = chat.continue_by_email(
            visitor_key=_visitor_key(request, create=True),
            language=str(data.get("language", "en")),
            email=str(data.get("email", "")),
            body=str(data.get("body", "")),
            client_id=str(data.get("client_id", "")),
            name=str(data.get("name", ""))[:200],
            page=str(data.get("page", "")),
            conversation=conversation,
        )
    except Refusal as refusal:
        return _refused(refusal, str(data.get("language", "en")))
    return JsonResponse({"conversation": str(conversation.uuid), "state": conversation.state}, status=201)
