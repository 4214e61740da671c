"""Two database roles on PostgreSQL: the application's, which owns nothing, and the owner's.

The append-only triggers stop mistakes, but a table's owner may TRUNCATE it,
disable or drop its triggers, and a superuser may also switch them all off with
``session_replication_role = replica``. So the application connects
(``DATABASE_URL``) as a role that is neither: it may SELECT, INSERT, UPDATE
and DELETE on ordinary tables, and only SELECT and INSERT on the trail's. The
owner (``DATABASE_MIGRATE_URL``) runs ``migrate`` and ``restore`` and then
grants the application's role exactly that (``grant_app_role``), with default
privileges so that tables a later migration creates are granted too (and the
next ``migrate`` takes UPDATE and DELETE back on a new trail table).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader

from cellway.audit import append_only

# Role names come from URLs the operator writes; anything else is refused rather than quoted.
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@contextmanager
def as_owner(alias: str = DEFAULT_DB_ALIAS) -> Iterator[str | None]:
    """Inside the block, ``alias`` connects as the owning role, if one is configured for it.

    Yields the application's role, to grant it its privileges at the end.
    Every query of the block, data migrations' and post_migrate handlers' too,
    runs as the owner. Yields None, changing nothing, when no owner is
    configured or ``alias`` points elsewhere (a test database).
    """
    owner: dict[str, Any] | None = getattr(settings, "DATABASE_OWNER", None)
    connection = connections[alias]
    if owner is None or alias != DEFAULT_DB_ALIAS or connection.settings_dict["NAME"] != owner["NAME"]:
        yield None
        return
    saved = {key: connection.settings_dict.get(key) for key in ("USER", "PASSWORD")}
    app = str(saved["USER"] or "")
    connection.close()
    connection.settings_dict.update(USER=owner["USER"], PASSWORD=owner.get("PASSWORD", ""))
    try:
        yield app
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def trail_tables(connection: Any) -> list[str]:
    """Every append-only table: those the migrations declare and those carrying the triggers in the database."""
    MigrationLoader(None, ignore_no_migrations=True)  # importing the migrations fills append_only.TABLES
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND t.tgname = c.relname || '_no_update'"
        )
        guarded = {row[0] for row in cursor.fetchall()}
    return sorted((append_only.TABLES & existing) | guarded)


def _refuse_unsafe_app_role(cursor: Any, role: str) -> str:
    """The owner's name; refuses an application role that could lift the guards."""
    if not _ROLE_NAME.match(role):
        raise ImproperlyConfigured(f"The application's database role {role!r} must be lower-case letters, digits and _.")
    cursor.execute("SELECT current_user")
    owner = cursor.fetchone()[0]
    if role == owner:
        raise ImproperlyConfigured(
            f"The application connects as {role!r}, the role that owns the tables: set DATABASE_URL to another role "
            "and DATABASE_MIGRATE_URL to the owner (README, Database roles)."
        )
    cursor.execute("SELECT rolsuper, pg_has_role(rolname, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s", [owner, role])
    found = cursor.fetchone()
    if found is None:
        raise ImproperlyConfigured(f"The application's database role {role!r} does not exist: create it (README, Database roles).")
    if found[0] or found[1]:
        raise ImproperlyConfigured(
            f"The application's database role {role!r} is a superuser or a member of {owner!r}: it could lift the trail's guards."
        )
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tableowner = %s", [role])
    owned = [row[0] for row in cursor.fetchall()]
    if owned:
        raise ImproperlyConfigured(f"The application's role {role!r} owns tables ({', '.join(owned[:5])}); the owner must own them all.")
    return str(owner)


def grant_app_role(connection: Any, role: str) -> list[str]:
    """As the owner on PostgreSQL, grant the application's role its privileges; returns the trail tables.

    Nothing to do elsewhere (SQLite has no roles: there the triggers are the guard).
    """
    if connection.vendor != "postgresql":
        return []
    tables = trail_tables(connection)
    with connection.cursor() as cursor:
        _refuse_unsafe_app_role(cursor, role)
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        statements = [
            f'GRANT USAGE ON SCHEMA "{schema}" TO {role}',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO {role}',
            f'REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA "{schema}" FROM {role}',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}',
            f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}',
            f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT USAGE, SELECT ON SEQUENCES TO {role}',
            *(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM {role}, PUBLIC' for table in tables),
        ]
        for statement in statements:
            cursor.execute(statement)
    return tables
