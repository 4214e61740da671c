"""Typed readers for settings taken from the environment.

Settings are read once, by cellway/settings.py at start-up, and only through
these readers. A bad value stops start-up with a message naming the variable,
rather than letting a typo silently fall back to a default or fail later, on
the first request that happens to need it.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _bad(name: str, wanted: str, raw: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} must be {wanted}, not {raw!r}.")


def _range_words(minimum: int | Decimal | None, maximum: int | Decimal | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    if maximum is not None:
        return f" of at most {maximum}"
    return ""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _bad(name, "true or false", raw)


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number, within ``minimum``..``maximum`` when given (the default is not checked)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    wanted = "a whole number" + _range_words(minimum, maximum)
    try:
        value = int(raw.strip())
    except ValueError:
        raise _bad(name, wanted, raw) from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise _bad(name, wanted, raw)
    return value


def env_decimal(name: str, default: Decimal, *, minimum: Decimal | None = None, maximum: Decimal | None = None) -> Decimal:
    """A decimal number (money, percentages: never a float), within ``minimum``..``maximum`` when given."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    wanted = "a number" + _range_words(minimum, maximum)
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise _bad(name, wanted, raw) from None
    if not value.is_finite() or (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise _bad(name, wanted, raw)
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blanks between commas are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int_list(name: str, default: list[int], *, minimum: int = 0, increasing: bool = False) -> list[int]:
    """A comma-separated list of whole numbers of at least ``minimum``; with ``increasing``, each larger
    than the one before. At least one number."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    order = ", each larger than the one before" if increasing else ""
    wanted = f"a comma-separated list of whole numbers of at least {minimum}{order} (e.g. {','.join(map(str, default))})"
    try:
        values = [int(item) for item in env_list(name, [])]
    except ValueError:
        raise _bad(name, wanted, raw) from None
    if not values or any(v < minimum for v in values):
        raise _bad(name, wanted, raw)
    if increasing and any(later <= earlier for earlier, later in zip(values, values[1:], strict=False)):
        raise _bad(name, wanted, raw)
    return values


def env_choice(name: str, default: str, choices: Collection[str]) -> str:
    """One of ``choices``, exactly as written there (case-insensitive on input)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    by_lower = {choice.lower(): choice for choice in choices}
    value = by_lower.get(raw.strip().lower())
    if value is None:
        raise _bad(name, "one of " + ", ".join(choices), raw)
    return value


def env_time_zone(name: str, default: str) -> str:
    """An IANA time zone name (``Europe/Belgrade``), checked against the zone database."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _bad(name, "an IANA time zone such as Europe/Belgrade", raw) from None
    return value


def env_currency(name: str, default: str) -> str:
    """An ISO 4217 currency code: three capital letters (``EUR``)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    if not _CURRENCY.match(value):
        raise _bad(name, "a three-letter ISO 4217 currency code such as EUR", raw)
    return value


def env_owner_database(name: str, app_database: Mapping[str, Any]) -> dict[str, Any] | None:
    """The connection of the role that owns the tables (``migrate``, ``restore``), or None when unset.

    PostgreSQL only, and the same server and database as the application's
    ``app_database`` under another role: one that owns nothing cannot lift the
    trail's guards (``cellway.audit.db_roles``).
    """
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    wanted = "a postgres:// URL naming the same database as DATABASE_URL with the role that owns its tables"
    try:
        owner: dict[str, Any] = dict(dj_database_url.parse(raw.strip(), conn_max_age=0))
    except ValueError:
        raise _bad(name, wanted, raw) from None
    engine = "django.db.backends.postgresql"
    if owner.get("ENGINE") != engine or app_database.get("ENGINE") != engine:
        raise ImproperlyConfigured(f"{name} is for PostgreSQL only; DATABASE_URL and {name} must both be postgres:// URLs.")
    where = ("HOST", "PORT", "NAME")
    if [str(owner.get(key) or "") for key in where] != [str(app_database.get(key) or "") for key in where]:
        raise _bad(name, wanted + " (host, port and database as in DATABASE_URL)", raw)
    if not owner.get("USER") or owner.get("USER") == app_database.get("USER"):
        raise ImproperlyConfigured(
            f"{name} must name the role that owns the tables, and DATABASE_URL another one: the application must not own them."
        )
    return owner
def env_pattern(name: str, default: str, pattern: str, wanted: str) -> str:
    """A string matching the regular expression `pattern` in full, or empty (unset); `wanted` describes it."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    if not re.fullmatch(pattern, value):
        raise _bad(name, wanted, raw)
    return value


def env_parsed[T](name: str, default: str, parse: Callable[[str], T], wanted: str) -> T:
    """``parse`` of the variable's text (or of ``default`` when unset or empty), parsed once, at start-up.

    ``parse`` raises ValueError saying what is wrong; start-up stops with that, what was ``wanted`` and the variable's name.
    """
    raw = os.environ.get(name)
    text = default if raw is None or raw.strip() == "" else raw.strip()
    try:
        return parse(text)
    except ValueError as why:
        raise ImproperlyConfigured(f"{name} must be {wanted}, not {text!r}: {why}.") from None
