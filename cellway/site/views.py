"""The public site's pages: thin views over the domains' selectors, in the visitor's language."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation


def welcome(request: HttpRequest) -> HttpResponse:
    """The site's entry without a language in the address: the visitor's remembered choice, else their browser's."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        return HttpResponseRedirect(reverse("site:home"))


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "site/home.html")
