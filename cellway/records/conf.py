"""Settings of records intake, as typed by cellway/settings.py at start-up (the README lists them).

Plain reads of Django settings, so a test can override one
(``settings.RECORDS_UPLOAD_MAX_BYTES = ...``); nothing here parses the environment.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def upload_max_bytes() -> int:
    """Largest file accepted."""
    return int(settings.RECORDS_UPLOAD_MAX_BYTES)


def upload_chunk_bytes() -> int:
    """Largest chunk one request may carry; the browser sends chunks of this size."""
    return int(settings.RECORDS_UPLOAD_CHUNK_BYTES)


def upload_dir() -> Path:
    """Where part files of uploads in progress are written.

    Local disk, shared by every web process that takes chunks. Next to
    MEDIA_ROOT by default, so a finished upload is moved into local storage by
    a rename rather than a copy.
    """
    configured = settings.RECORDS_UPLOAD_DIR
    path = Path(configured) if configured else Path(settings.MEDIA_ROOT) / ".uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_abandon_hours() -> int:
    """Open uploads untouched this long are removed (part file and row)."""
    return int(settings.RECORDS_UPLOAD_ABANDON_HOURS)


def clamd_socket() -> str:
    """Unix socket of a ClamAV daemon; takes precedence over host and port."""
    return str(settings.CLAMD_SOCKET)


def clamd_host() -> str:
    return str(settings.CLAMD_HOST)


def clamd_port() -> int:
    return int(settings.CLAMD_PORT)


def clamd_timeout() -> float:
    return float(settings.CLAMD_TIMEOUT)


def scanning_enabled() -> bool:
    return bool(clamd_socket() or clamd_host())
