"""The care representatives' live-chat page (`/chats/`): presence, the queue, each chat assigned to them with the
visitor's page, language and pages before, canned replies, and one-step actions (an inquiry, joining a case, the
transcript by email, closing). Messages travel over the representative's socket (console/chat/consumers.py);
the JSON endpoints here are the same reads and writes for the polling fallback."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cellway import limits
from cellway.accounts.models import User
from cellway.cases.models import Case, Condition
from cellway.cases.selectors import visible_cases
from cellway.conversations import chat
from cellway.conversations.models import Conversation, Presence
from cellway.errors import NotAllowed, Refusal, allowed

LANGUAGE_NAMES = {"en": "English", "zh-hans": "Chinese (simplified)", "ar": "Arabic"}


class InquiryFromChatForm(forms.Form):
    full_name = forms.CharField(max_length=limits.NAME, label="Name")
    email = forms.EmailField(max_length=limits.EMAIL)
    phone = forms.CharField(max_length=limits.PHONE, required=False)
    country = forms.CharField(max_length=limits.COUNTRY)
    condition = forms.ModelChoiceField(Condition.objects.all(), empty_label=None)


class JoinCaseForm(forms.Form):
    code = forms.CharField(max_length=20, label="Case code", help_text="e.g. CW-2026-0001")


@dataclass
class ChatCard:
    conversation: Conversation
    language: str
    canned: list[tuple[str, str]]
    inquiry_form: InquiryFromChatForm | None
    join_form: JoinCaseForm | None
    transcript_offered: bool


def _representative(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    try:
        chat.check_answer_chats(by=user)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    return user


def _own(user: User, uuid: str) -> Conversation:
    found = chat.representative_conversation(by=user, uuid=uuid)
    if found is None:
        raise Http404("No such chat of yours.")
    return found


def _board(user: User) -> dict[str, Any]:
    shown = list(chat.representative_chats(user))
    canned = {language: chat.canned_replies(language) for language in chat.LANGUAGES}
    cards = []
    for conversation in shown:
        if conversation.state != Conversation.State.OPEN:
            continue
        cards.append(
            ChatCard(
                conversation=conversation,
                language=LANGUAGE_NAMES.get(conversation.language, conversation.language),
                canned=[(r.title, chat.fill_canned(r, conversation=conversation, by=user)) for r in canned[conversation.language]],
                inquiry_form=InquiryFromChatForm(initial={"full_name": conversation.contact_name})
                if allowed(chat.check_make_inquiry, conversation=conversation, by=user)
                else None,
                join_form=JoinCaseForm() if not conversation.case_id else None,
                transcript_offered=allowed(chat.check_send_transcript, conversation=conversation, by=user),
            )
        )
    waiting = [c for c in shown if c.state == Conversation.State.WAITING]
    by_email = Conversation.objects.filter(channel="chat", state=Conversation.State.BY_EMAIL, case=None).order_by("-created_at")[:20]
    return {"cards": cards, "waiting": waiting, "by_email": by_email, "cap": settings.CHAT_MAX_OPEN_PER_REPRESENTATIVE}


@login_required
@never_cache
def chats(request: HttpRequest) -> HttpResponse:
    user = _representative(request)
    presence = Presence.objects.filter(user=user).first()
    context = {
        **_board(user),
        "presence_available": bool(presence and presence.available),
        "presence_languages": presence.languages.split(",") if presence else ["en"],
        "languages": LANGUAGE_NAMES,
        "status": chat.chat_status(),
    }
    return render(request, "console/chat/chats.html", context)


@login_required
@never_cache
def board(request: HttpRequest) -> HttpResponse:
    """The queue and the chat cards alone, for the page to bring in new chats when the queue changes."""
    return render(request, "console/chat/_board.html", _board(_representative(request)))


def _payload(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise Http404("Not a chat request")
    return data


@login_required
@require_POST
def heartbeat(request: HttpRequest) -> HttpResponse:
    user = _representative(request)
    data = _payload(request)
    languages = data.get("languages")
    try:
        presence = chat.heartbeat(
            by=user, available=bool(data.get("available")), languages=[str(x) for x in languages] if isinstance(languages, list) else None
        )
    except Refusal as refusal:
        return JsonResponse({"message": refusal.message}, status=422)
    return JsonResponse({"available": presence.available, "languages": presence.languages.split(",")})


@login_required
@never_cache
def messages(request: HttpRequest, uuid: str) -> HttpResponse:
    user = _representative(request)
    conversation = _own(user, uuid)
    if request.method == "POST":
        data = _payload(request)
        try:
            message, created = chat.post_message(
                conversation=conversation, client_id=str(data.get("client_id", "")), body=str(data.get("body", "")), by=user
            )
        except Refusal as refusal:
            return JsonResponse({"message": refusal.message}, status=422)
        return JsonResponse({"id": message.pk, "client_id": str(message.client_id)}, status=201 if created else 200)
    after = request.GET.get("after", "0")
    if not after.isdigit():
        return JsonResponse({"message": "after must be a message id"}, status=400)
    found = chat.messages_after(conversation, int(after))
    return JsonResponse({"messages": [chat.message_json(m) for m in found], "state": conversation.state})


def _act(request: HttpRequest, done: str, action: Any) -> HttpResponse:
    try:
        action()
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    except Refusal as refusal:
        flash.error(request, refusal.message)
    else:
        flash.success(request, done)
    return redirect("console:chats")


@login_required
@require_POST
def close(request: HttpRequest, uuid: str) -> HttpResponse:
    user = _representative(request)
    conversation = _own(user, uuid)
    return _act(request, "Chat closed.", lambda: chat.close_chat(conversation=conversation, by=user))


@login_required
@require_POST
def transcript(request: HttpRequest, uuid: str) -> HttpResponse:
    user = _representative(request)
    conversation = _own(user, uuid)
    return _act(
        request, f"Transcript sent to {conversation.contact_email}.", lambda: chat.send_transcript(conversation=conversation, by=user)
    )


@login_required
@require_POST
def make_inquiry(request: HttpRequest, uuid: str) -> HttpResponse:
    user = _representative(request)
    conversation = _own(user, uuid)
    form = InquiryFromChatForm(request.POST)
    if not form.is_valid():
        flash.error(request, "To make an inquiry: " + "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()))
        return redirect("console:chats")
    try:
        case = chat.make_inquiry(conversation=conversation, by=user, **form.cleaned_data)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    except Refusal as refusal:
        flash.error(request, refusal.message)
        return redirect("console:chats")
    flash.success(request, f"Case {case.code} opened from the chat; the chat continues here and is on the case's thread.")
    return redirect("console:chats")


@login_required
@require_POST
def join_case(request: HttpRequest, uuid: str) -> HttpResponse:
    user = _representative(request)
    conversation = _own(user, uuid)
    form = JoinCaseForm(request.POST)
    case: Case | None = None
    if form.is_valid():
        case = visible_cases(user).filter(code__iexact=form.cleaned_data["code"].strip()).first()
    if case is None:
        flash.error(request, "No case of yours has that code.")
        return redirect("console:chats")
    found = case
    return _act(
        request, f"The chat is on case {found.code}'s thread.", lambda: chat.join_case(conversation=conversation, by=user, case=found)
    )
