"""The portal's language: the signed-in person's own (User.language); before sign-in, the one the visitor chose."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

# The portal's pages and allauth's sign-in-by-code pages, which the portal's sign-in leads to.
PORTAL_PATHS = ("/portal/", "/accounts/login/code/")
LANGUAGES = {code for code, _ in settings.LANGUAGES}
YEAR = 365 * 24 * 3600


def portal_language(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(user, "language", "") in LANGUAGES:
        return str(user.language)
    chosen = request.GET.get("lang") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in LANGUAGES:
        return str(chosen)
    return translation.get_language_from_request(request)


class PortalLanguageMiddleware:
    """Activate the portal's language for portal pages (the site's middleware leaves every other page in English)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PORTAL_PATHS):
            return self.get_response(request)
        language = portal_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        chosen = request.GET.get("lang")
        if chosen in LANGUAGES and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=YEAR,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite="Lax",
            )
        return response
