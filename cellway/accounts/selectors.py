"""Reads about people."""

from __future__ import annotations

from cellway.accounts.models import CalendarFeed, User
from cellway.accounts.services import check_calendar_feed
from cellway.errors import NotAllowed


def calendar_feed_owner(token: str) -> User | None:
    """The person whose live feed `token` is, if they may still have one; None for a forged, stopped or renewed
    token, an inactive account, or a person no longer in a role with a feed."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None:
        return None
    try:
        check_calendar_feed(user=feed.user)
    except NotAllowed:
        return None
    return feed.user


def calendar_feed_of(user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()
