"""Database triggers that make a table append-only.

The model refuses updates and deletes too, but a trigger also stops a raw
query, a bulk `.update()` or a mistaken admin action: the trail must hold
even against our own code. On PostgreSQL a statement-level trigger refuses
TRUNCATE as well (row triggers do not see it). Triggers stop mistakes; what
stops the application itself from lifting them is that its database role does
not own the tables and may only SELECT and INSERT on these
(`cellway.audit.db_roles`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import migrations


def trigger_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"""
            CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql;
            """,
            f"""
            CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
            """,
            *truncate_guard_sql(vendor, table),
        ]
    if vendor == "sqlite":
        return [
            f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;""",
            f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;""",
        ]
    return []


def truncate_guard_sql(vendor: str, table: str) -> list[str]:
    """PostgreSQL only (SQLite has no TRUNCATE): a statement-level trigger refusing TRUNCATE; idempotent."""
    if vendor != "postgresql":
        return []
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"""
        CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only();
        """,
    ]


def drop_trigger_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_append_only()",
        ]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]
    return []


# Every table made append-only by a migration (filled as migrations load).
TABLES: set[str] = set()


def append_only(table: str) -> migrations.RunPython:
    """A migration operation that installs the append-only triggers on `table`."""
    TABLES.add(table)

    def forward(apps: Any, schema_editor: Any) -> None:
        for statement in trigger_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)

    def backward(apps: Any, schema_editor: Any) -> None:
        for statement in drop_trigger_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)

    return migrations.RunPython(forward, backward)


def guard_truncate(table: str) -> migrations.RunPython:
    """A migration operation adding the TRUNCATE guard to a table made append-only before there was one."""

    def forward(apps: Any, schema_editor: Any) -> None:
        for statement in truncate_guard_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")

    return migrations.RunPython(forward, backward)


@contextmanager
def lifted(schema_editor: Any, table: str) -> Iterator[None]:
    """Inside a data migration only: lift the triggers on `table` for the block, then put them back.

    For rewriting the trail's own vocabulary (a renamed event kind), never its
    facts. Runs in the migration's transaction, so a failure restores them too.
    """
    vendor = schema_editor.connection.vendor
    for statement in drop_trigger_sql(vendor, table):
        schema_editor.execute(statement)
    yield
    for statement in trigger_sql(vendor, table):
        schema_editor.execute(statement)


class AppendOnlyMixin:
    """Refuse updates and deletes at the model level as well."""

    pk: Any
    _state: Any

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} is append-only; write a new entry instead.")
        super().save(*args, **kwargs)  # type: ignore[misc]

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{type(self).__name__} is append-only; it cannot be deleted.")
