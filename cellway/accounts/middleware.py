from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from cellway.accounts.second_factor import must_enrol
from cellway.accounts.sessions import expiry_reason, second_factor_proved_at
from cellway.audit.services import audit_record


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


def _go(request: HttpRequest, response: HttpResponseRedirect) -> HttpResponse:
    """A redirect, or for an htmx request the same place as a full page load (htmx would swap the page into a panel)."""
    if request.headers.get("HX-Request"):
        answer = HttpResponse(status=204)
        answer["HX-Redirect"] = response.url
        return answer
    return response


class StaffSessionMiddleware:
    """A signed-in session ends after CELLWAY_SESSION_IDLE_MINUTES unused, or CELLWAY_SESSION_SECONDS after sign-in;
    no page shown to a signed-in person is kept by the browser or a proxy (`Cache-Control: no-store`).

    It also tells the signing service (audit.services.sign) when this session last showed the
    second factor, as `request.user.second_factor_at`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        signed_in = bool(user.is_authenticated)
        if signed_in:
            reason = expiry_reason(request)
            if reason:
                return self._end(request, reason)
            user.second_factor_at = second_factor_proved_at(request)
        response = self.get_response(request)
        if signed_in:
            # Every page a signed-in person sees may carry patient data: never stored.
            add_never_cache_headers(response)
        return response

    def _end(self, request: HttpRequest, reason: str) -> HttpResponse:
        user: Any = request.user
        audit_record(actor=user, action="auth.session_expired", target=str(user), data={"why": reason})
        logout(request)
        if reason == "idle":
            text = _("You were signed out after %(minutes)s minutes without activity. Please sign in again.")
            messages.info(request, text % {"minutes": settings.SESSION_IDLE_SECONDS // 60})
        else:
            text = _("Your sign-in has ended (it lasts at most %(hours)s hours). Please sign in again.")
            messages.info(request, text % {"hours": round(settings.SESSION_COOKIE_AGE / 3600, 1)})
        return _go(request, redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL)))


def password_change_url() -> str:
    """Where a person changes their own password: allauth's page."""
    return reverse("account_change_password")


class OneTimePasswordMiddleware:
    """A person signed in with a one-time password (set by an administrator) does nothing until they choose their own.

    Every page but the password change page itself and signing out answers
    with a redirect to it; the signing services refuse such a password as well
    (`cellway.audit.services.verify_signer`). allauth's password change clears
    the flag (`User.set_password`) and accounts.signals puts it on the trail.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.must_change_password:
            return self.get_response(request)
        target = password_change_url()
        open_paths = {target, reverse("account_logout"), reverse("logout")}
        if request.path in open_paths or request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        messages.warning(request, _("Your password was set by an administrator for one sign-in: choose your own to go on."))
        return _go(request, HttpResponseRedirect(target))


class SecondFactorEnrolmentMiddleware:
    """With CELLWAY_STAFF_MFA=required, a member of staff without a second factor is sent to set one up,
    and every other page sends them back there until it is done."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        # A one-time password is replaced first (OneTimePasswordMiddleware, before this one, keeps such a person on
        # the password page); then the second factor.
        enrolling = settings.STAFF_MFA == "required" and user.is_authenticated and not user.must_change_password and must_enrol(user)
        # The pages' menu is left out meanwhile (base.html): every link would lead back here.
        request.enrolling_second_factor = enrolling  # type: ignore[attr-defined]
        if enrolling and not self._allowed(request.path):
            messages.info(request, _("Before you go on, set up a second factor: an authenticator app or a passkey."))
            return _go(request, HttpResponseRedirect(reverse("mfa_index")))
        return self.get_response(request)

    @staticmethod
    def _allowed(path: str) -> bool:
        open_paths = (reverse("mfa_index"), reverse("account_logout"), reverse("account_reauthenticate"), settings.STATIC_URL, "/healthz")
        return path.startswith(open_paths)
