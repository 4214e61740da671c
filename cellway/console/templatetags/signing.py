"""Whether a signing form asks for the second factor's code as well (the rule is audit/two_components.py's)."""

from __future__ import annotations

from typing import Any

from django import template

from cellway.audit.two_components import signing_needs_code

register = template.Library()


@register.simple_tag
def needs_signing_code(user: Any) -> bool:
    return signing_needs_code(user)
