"""The newsletter's settings, read once here (defaults in cellway/settings.py)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def confirm_within() -> dt.timedelta:
    return dt.timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS)


def download_within() -> dt.timedelta:
    return dt.timedelta(days=settings.NEWSLETTER_DOWNLOAD_DAYS)


def batch_size() -> int:
    return int(settings.NEWSLETTER_BATCH_SIZE)
