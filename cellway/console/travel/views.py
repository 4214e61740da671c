"""The ward calendar: the week's arrivals, first therapy days and booked rooms, and who is on the ward today;
the same as an iCalendar feed at a secret address per staff member, and the page where they keep it."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cellway.accounts import selectors as accounts_selectors
from cellway.accounts import services as accounts
from cellway.accounts.models import User
from cellway.accounts.roles import SEE_ALL
from cellway.cases.parts import Part
from cellway.cases.selectors import may_read, visible_cases
from cellway.clinic import clinic_today
from cellway.console.travel import feed
from cellway.errors import NotAllowed
from cellway.travel import selectors


@login_required
@require_GET
def ward(request: HttpRequest) -> HttpResponse:
    """`?week=YYYY-MM-DD` shows the week holding that day (this week if absent or malformed)."""
    user: User = request.user  # type: ignore[assignment]
    if not user.role_names:
        raise PermissionDenied("The ward calendar is for the clinic's staff.")
    today = clinic_today()
    try:
        asked = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        asked = today
    monday = asked - dt.timedelta(days=asked.weekday())
    cases = visible_cases(user)
    rooms = may_read(user, Part.TRAVEL)
    return render(
        request,
        "console/travel/ward.html",
        {
            "week": selectors.ward_week(cases, monday, rooms=rooms),
            "today": today,
            "on_the_ward": selectors.at_the_clinic(cases),
            "rooms": rooms,
            "previous": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
        },
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The ward calendar of the person whose secret address this is; no sign-in (calendar apps have none).

    A forged, renewed or stopped token, an inactive account or one no longer in a role with a feed: 404.
    """
    owner = accounts_selectors.calendar_feed_owner(token)
    if owner is None:
        raise Http404("No such calendar.")
    response = HttpResponse(feed.ward_ics(owner, clinic_today()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cellway-ward.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _feed_owner(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    try:
        accounts.check_calendar_feed(user=user)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    return user


@login_required
@require_GET
def calendar_feed_page(request: HttpRequest) -> HttpResponse:
    """The person's own feed address, to copy into their calendar app, renew or stop."""
    user = _feed_owner(request)
    mine = accounts_selectors.calendar_feed_of(user)
    # The address as this person reaches Cellway (the host was checked against ALLOWED_HOSTS).
    url = request.build_absolute_uri(reverse("console:calendar_feed_ics", kwargs={"token": mine.token})) if mine else ""
    context = {
        "feed": mine,
        "url": url,
        "days_before": feed.DAYS_BEFORE,
        "days_after": feed.DAYS_AFTER,
        "rooms": may_read(user, Part.TRAVEL),
        "whole_ward": user.has_perm(SEE_ALL),
    }
    return render(request, "console/travel/calendar_feed.html", context)


@login_required
@require_POST
def renew_calendar_feed(request: HttpRequest) -> HttpResponse:
    user = _feed_owner(request)
    had = accounts_selectors.calendar_feed_of(user) is not None
    accounts.renew_calendar_feed(user=user)
    messages.success(
        request,
        "A new address for your calendar feed: add it to your calendar app. The old address no longer works."
        if had
        else "Your calendar feed is ready: copy its address into your calendar app.",
    )
    return redirect("console:calendar_feed")


@login_required
@require_POST
def stop_calendar_feed(request: HttpRequest) -> HttpResponse:
    user = _feed_owner(request)
    accounts.stop_calendar_feed(user=user)
    messages.success(request, "Your calendar feed is stopped: its address no longer works.")
    return redirect("console:calendar_feed")
