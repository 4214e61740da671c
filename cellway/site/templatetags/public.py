"""Template tags of the public pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation

register = template.Library()


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str  # in its own language, as a visitor looking for it reads it
    url: str
    current: bool


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[LanguageLink]:
    """This page in each of the site's languages (its own address under the other prefixes)."""
    request = context["request"]
    current = translation.get_language()
    return [
        LanguageLink(
            code=code,
            name=translation.get_language_info(code)["name_local"],
            url=translate_url(request.get_full_path(), code),
            current=code == current,
        )
        for code, _ in settings.LANGUAGES
    ]


@register.simple_tag
def inquiry_upload_link(case: Any) -> str:
    """The full address of a web inquiry's records upload (for the acknowledgement mail), in the active language."""
    from django.urls import reverse

    from cellway.clinic import public_url
    from cellway.records.public import upload_token

    return public_url(reverse("site:inquiry_records", args=[upload_token(case)]))


@register.simple_tag
def chat_limits() -> dict[str, int]:
    """Live chat's limits the widget states: the longest message and how many a minute."""
    return {"max_chars": settings.CHAT_MESSAGE_MAX_CHARS, "rate": settings.CHAT_MESSAGES_PER_MINUTE}
