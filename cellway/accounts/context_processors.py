from __future__ import annotations

from django.http import HttpRequest

from cellway.accounts.services import check_calendar_feed
from cellway.errors import NotAllowed


def roles(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    try:
        check_calendar_feed(user=user)
    except NotAllowed:
        return {"user_roles": user.role_names}
    return {"user_roles": user.role_names, "calendar_feed_offered": True}
