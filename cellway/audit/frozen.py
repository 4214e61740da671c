"""Database triggers that freeze a row once it is signed (21 CFR Part 11 §11.70: the signature stays linked to what was signed).

A signed plan, screening verdict, protocol or balance override is never
edited: a change is a new version with its own signature (a plan revision),
never a rewrite. The services do not write such a change; these triggers
stop the ORM, a bulk `.update()` and raw SQL as well. The digest check where
signed content is shown (`cellway.audit.signatures.check`) catches what
went around them (a restored backup, a database owner's hand).

On SQLite an AlterField that remakes the table drops its triggers: such a
migration installs them again (as the append-only ones, `append_only.py`).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

# Every table frozen by a migration, with its condition (filled as migrations load; the tests' flush lifts them).
TABLES: dict[str, tuple[tuple[str, ...], str, str]] = {}


def _changed(columns: tuple[str, ...], vendor: str) -> str:
    op = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in columns)


def trigger_sql(vendor: str, table: str, columns: tuple[str, ...], also: str = "", when: str = "signature_id") -> list[str]:
    """`columns` may never change once the column `when` is set (the signature, or an acceptance's time); `also` is
    a further SQL condition that refuses an update."""
    what = "signed" if when == "signature_id" else "accepted"
    message = f"{table}: {what} content cannot change or be deleted; write a new version"
    refuse_update = _changed(columns, vendor) + (f" OR ({also})" if also else "")
    if vendor == "postgresql":
        return [
            f"""
            CREATE OR REPLACE FUNCTION {table}_signed_frozen() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'DELETE' OR {refuse_update} THEN RAISE EXCEPTION '{message}'; END IF;
              RETURN NEW;
            END; $$ LANGUAGE plpgsql;
            """,
            f"""
            CREATE TRIGGER {table}_signed_frozen BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW WHEN (OLD.{when} IS NOT NULL) EXECUTE FUNCTION {table}_signed_frozen();
            """,
        ]
    if vendor == "sqlite":
        return [
            f"""CREATE TRIGGER {table}_signed_no_update BEFORE UPDATE ON {table}
                WHEN OLD.{when} IS NOT NULL AND ({refuse_update})
                BEGIN SELECT RAISE(ABORT, '{message}'); END;""",
            f"""CREATE TRIGGER {table}_signed_no_delete BEFORE DELETE ON {table}
                WHEN OLD.{when} IS NOT NULL
                BEGIN SELECT RAISE(ABORT, '{message}'); END;""",
        ]
    return []


def drop_trigger_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_signed_frozen ON {table}", f"DROP FUNCTION IF EXISTS {table}_signed_frozen()"]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_signed_no_update", f"DROP TRIGGER IF EXISTS {table}_signed_no_delete"]
    return []


def frozen_once_signed(table: str, columns: tuple[str, ...], also: str = "", when: str = "signature_id") -> migrations.RunPython:
    """A migration operation: once a row of `table` is signed (or `when` is set), `columns` never change and the
    row is never deleted."""
    TABLES[table] = (columns, also, when)

    def forward(apps: Any, schema_editor: Any) -> None:
        for statement in trigger_sql(schema_editor.connection.vendor, table, columns, also, when):
            schema_editor.execute(statement)

    def backward(apps: Any, schema_editor: Any) -> None:
        for statement in drop_trigger_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)

    return migrations.RunPython(forward, backward)
