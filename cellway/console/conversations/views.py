"""The review queue: inbound mail no case could take by itself (an unknown sender, no case named), for customer
care to put on a case or set aside."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cellway.accounts.models import User
from cellway.cases.selectors import visible_cases
from cellway.console.conversations.forms import AttachMailForm
from cellway.conversations import selectors, services
from cellway.conversations.models import Message
from cellway.errors import NotAllowed, Refusal


def _reviewer(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    try:
        services.check_review_mail(by=user)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    return user


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    return render(request, "console/conversations/review.html", {"waiting": selectors.review_queue(), "form": AttachMailForm()})


def _waiting(pk: int) -> Message:
    message = selectors.waiting_for_review(pk)
    if message is None:
        raise Http404("No such mail is waiting for review.")
    return message


@login_required
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reviewer(request)
    message = _waiting(pk)
    form = AttachMailForm(request.POST)
    case = None
    if form.is_valid():
        case = visible_cases(user).filter(code=form.cleaned_data["case_code"].strip().upper()).first()
    if case is None:
        messages.error(request, "No case you can see has that code.")
        return render(request, "console/conversations/review.html", {"waiting": selectors.review_queue(), "form": form}, status=422)
    try:
        services.attach_mail(message=message, case=case, by=user)
    except Refusal as refusal:
        messages.error(request, refusal.message)
        return redirect("console:mail-review")
    messages.success(request, f"The mail from {message.email_address} is on {case.code}'s thread.")
    return redirect("console:mail-review")


@login_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reviewer(request)
    message = _waiting(pk)
    try:
        services.discard_mail(message=message, by=user)
    except Refusal as refusal:
        messages.error(request, refusal.message)
        return redirect("console:mail-review")
    messages.success(request, f"The mail from {message.email_address} was set aside.")
    return redirect("console:mail-review")
