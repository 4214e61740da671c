"""Reading a part of a case from a direct URL: 403 with the reason, never a page of what one may not read."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from cellway.accounts.models import User
from cellway.cases.parts import Part
from cellway.cases.selectors import require_read
from cellway.errors import NotAllowed


def require_part(user: User, part: Part) -> None:
    try:
        require_read(user, part)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
