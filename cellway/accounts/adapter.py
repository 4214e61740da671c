"""How django-allauth behaves for the clinic: no sign-up, staff accounts come from the clinic administrator."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

from cellway.accounts.second_factor import had_second_factor_before
from cellway.accounts.sessions import SIGNED_IN_AT


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no type hints
    """allauth's account flows (sign-in, password change and reset) without self-registration."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created by a clinic administrator with the right roles; nobody signs themselves up.
        return False

    def set_password(self, user: Any, password: str) -> None:
        # allauth's change, reset-by-key and set pages all come here. The person's own password clears a one-time
        # password's flag (User.set_password); remember it was one, for the trail row (accounts.signals).
        from cellway.accounts.services import WAS_ONE_TIME

        setattr(user, WAS_ONE_TIME, user.must_change_password)
        super().set_password(user, password)

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        # Setting up the first second factor straight after signing in (where the enrolment guide
        # sends a new member of staff), and seeing its recovery codes, does not ask for the password
        # again: it was just given. Changing a factor that existed before this sign-in still does.
        request = context.request
        if app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if (
                signed_in_at is not None
                and time.time() - float(signed_in_at) < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
                and not had_second_factor_before(request.user, dt.datetime.fromtimestamp(float(signed_in_at), tz=dt.UTC))
            ):
                return False
        return bool(super().is_reauthentication_required(app=app, **kwargs))

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # A person with no role and no admin access, let into a case, is a patient or a helper: their pages are
        # the portal's (the grants are read through the relation; accounts imports nothing above it).
        user = request.user
        if user.is_authenticated and not user.is_staff and not user.access.roles and user.portal_grants.filter(revoked_at=None).exists():
            return reverse("portal:home")
        return str(super().get_login_redirect_url(request))

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # A portal sign-in code goes in the language of the person it is for (User.language), not the page's.
        if template_prefix == "account/email/login_code":
            from cellway.accounts.models import User

            person = User.objects.filter(email__iexact=email, is_active=True).only("language").first()
            if person is not None:
                with translation.override(person.language):
                    super().send_mail(template_prefix, email, context)
                return
        super().send_mail(template_prefix, email, context)

    def add_message(self, request: HttpRequest, level: int, message_template: str | None = None, *args: Any, **kwargs: Any) -> None:
        # "Signed in as portal-4ea9…" means nothing to a patient signing in by code: the portal's page greets them.
        if message_template == "account/messages/logged_in.txt" and request.path.startswith("/accounts/login/code/"):
            return
        super().add_message(request, level, message_template, *args, **kwargs)
