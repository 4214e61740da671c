"""The clinic's own clock: rule dates ("7 days before arrival") are computed in its zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone


def clinic_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE)


def clinic_today() -> dt.date:
    return timezone.localtime(timezone.now(), clinic_zone()).date()


def public_url(path: str) -> str:
    """An absolute address for ``path`` (from ``reverse``), for links in mails: no request is there to tell."""
    return f"{settings.PUBLIC_URL}{path}"
