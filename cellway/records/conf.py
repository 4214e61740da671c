"""Settings of records intake, read from the environment (the README lists them).

Each is a function so that a test can override the Django setting of the same
name (``settings.RECORDS_UPLOAD_MAX_BYTES = ...``); the environment gives the
default. The shared settings module stays untouched by this app.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from cellway.env import env_int, env_str

MiB = 1024 * 1024


def upload_max_bytes() -> int:
    """Largest file accepted (default 4 GiB: a zipped imaging DVD)."""
    return int(getattr(settings, "RECORDS_UPLOAD_MAX_BYTES", env_int("CELLWAY_UPLOAD_MAX_MIB", 4096) * MiB))


def upload_chunk_bytes() -> int:
    """Largest chunk one request may carry; the browser sends chunks of this size."""
    return int(getattr(settings, "RECORDS_UPLOAD_CHUNK_BYTES", env_int("CELLWAY_UPLOAD_CHUNK_MIB", 8) * MiB))


def upload_dir() -> Path:
    """Where part files of uploads in progress are written.

    Local disk, shared by every web process that takes chunks. Next to
    MEDIA_ROOT by default, so a finished upload is moved into local storage by
    a rename rather than a copy.
    """
    configured = getattr(settings, "RECORDS_UPLOAD_DIR", "") or env_str("CELLWAY_UPLOAD_DIR")
    path = Path(configured) if configured else Path(settings.MEDIA_ROOT) / ".uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_abandon_hours() -> int:
    """Open uploads untouched this long are removed (part file and row)."""
    return int(getattr(settings, "RECORDS_UPLOAD_ABANDON_HOURS", env_int("CELLWAY_UPLOAD_ABANDON_HOURS", 48)))


def clamd_socket() -> str:
    """Unix socket of a ClamAV daemon (``CLAMD_SOCKET``); takes precedence over host and port."""
    return str(getattr(settings, "CLAMD_SOCKET", env_str("CLAMD_SOCKET")))


def clamd_host() -> str:
    return str(getattr(settings, "CLAMD_HOST", env_str("CLAMD_HOST")))


def clamd_port() -> int:
    return int(getattr(settings, "CLAMD_PORT", env_int("CLAMD_PORT", 3310)))


def clamd_timeout() -> float:
    return float(getattr(settings, "CLAMD_TIMEOUT", env_int("CLAMD_TIMEOUT", 120)))


def scanning_enabled() -> bool:
    return bool(clamd_socket() or clamd_host())
