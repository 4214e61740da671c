"""The visitor's language: in the address of every public page, and remembered for the next visit."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# A year: the choice outlives a session, as a visitor expects of a language.
REMEMBER_SECONDS = 365 * 24 * 3600


class PublicLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, for the public site only.

    A page under ``/en/``, ``/zh-hans/`` or ``/ar/`` is in the language of its
    address, and that language is remembered in Django's language cookie (read
    by the site's entry, ``/welcome/``). Every other page (the staff console,
    the admin, sign-in) stays in English whatever the browser asks: the staff
    interface is not translated, and half-translated forms would mislead.
    """

    def process_request(self, request: HttpRequest) -> None:
        if translation.get_language_from_path(request.path_info) is None:
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return
        super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        language = translation.get_language_from_path(request.path_info)
        cookie = settings.LANGUAGE_COOKIE_NAME
        if language and response.status_code < 400 and request.COOKIES.get(cookie) != language:
            response.set_cookie(
                cookie,
                language,
                max_age=REMEMBER_SECONDS,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite="Lax",  # as LANGUAGE_COOKIE_SAMESITE
            )
        return response
