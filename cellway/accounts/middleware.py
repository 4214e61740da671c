from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone


class UserTimeZoneMiddleware:
    """Show times in the signed-in user's own zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        else:
            timezone.deactivate()
        return self.get_response(request)


def password_change_url() -> str:
    """Where a person changes their own password: allauth's page where it is mounted, else Django's."""
    try:
        return reverse("account_change_password")
    except NoReverseMatch:
        return reverse("password_change")


class OneTimePasswordMiddleware:
    """A person signed in with a one-time password (set by an administrator) does nothing until they choose their own.

    Every page but the password change page itself and signing out answers
    with a redirect to it; the signing services refuse such a password as well
    (`cellway.audit.services.verify_signer`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.must_change_password:
            return self.get_response(request)
        target = password_change_url()
        open_paths = {target, reverse("logout")}
        if request.path in open_paths or request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        messages.warning(request, "Your password was set by an administrator for one sign-in: choose your own to go on.")
        response = redirect(target)
        if getattr(request, "htmx", False):
            response["HX-Redirect"] = target
        return response
