"""What production needs before it may serve, checked where serving starts.

Batch commands (``outcomes_events``, ``edss_score``, ``migrate``) sign nothing,
so they run without a secret key; serving signs sessions and CSRF tokens, so
the WSGI entry (``cellway.wsgi``) refuses to start without one, and so does
``manage.py check --deploy`` (an error, not Django's generic warning).
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

WHY_NOT_SERVING = (
    "DJANGO_SECRET_KEY is not set. Cellway refuses to serve without one: set it to a long random value "
    "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or DJANGO_DEBUG=true on a developer's machine only."
)


def has_secret_key() -> bool:
    try:
        return bool(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        return False


def require_secret_key() -> None:
    """Raise ``ImproperlyConfigured`` with the operator's message unless a secret key is set."""
    if not has_secret_key():
        raise ImproperlyConfigured(WHY_NOT_SERVING)


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key_is_set(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [] if has_secret_key() else [checks.Error(WHY_NOT_SERVING, id="cellway.E001")]


class DeployChecks(AppConfig):
    """Installed only so that Django loads this module and registers its check."""

    name = "cellway.deploy"
    label = "cellway_deploy"
    verbose_name = "Deployment checks"


WHY_TWO_ROLES = (
    "On PostgreSQL the application connects as the role that migrates, which owns the tables and can truncate the "
    "trail or drop its triggers: set DATABASE_MIGRATE_URL to the owning role and DATABASE_URL to a role that owns "
    "nothing (README, Database roles)."
)


@checks.register(checks.Tags.security, deploy=True)
def check_app_role_owns_nothing(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    return [checks.Warning(WHY_TWO_ROLES, id="cellway.W080")] if on_postgres and not settings.DATABASE_OWNER else []


@checks.register(checks.Tags.security, deploy=True)
def check_public_url_is_https(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Links in mails (confirmations, downloads, unsubscribe, pay links) carry tokens: never over plain http."""
    if settings.PUBLIC_URL.startswith("https://"):
        return []
    why = f"CELLWAY_PUBLIC_URL is {settings.PUBLIC_URL!r}: links in mails carry tokens and must start with https://."
    return [checks.Warning(why, id="cellway.W081")]
