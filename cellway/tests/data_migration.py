"""Running one data migration's steps in a test, on the test database as it is.

A data migration's test could migrate the whole database back to before it and forward again; that unapplies and
reapplies every later migration of every app (SQLite rebuilds a table for most of them) and took minutes of the
suite each time. Where the migration only rewrites rows, the same is shown by writing the rows it finds in a
database of its day and running its RunPython steps, as `migrate` runs them: with the models as they were just
before it (the project state) and in one schema editor (its transaction). Migrations that change the schema
around their rows still need the round trip.
"""

from __future__ import annotations

from typing import Any

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.special import RunPython


def models_now() -> Apps:
    """The models as the last migrations leave them, without their classes' own code (no save() checks): for
    writing rows of the kind an old release wrote."""
    return MigrationLoader(connection).project_state().apps


def run_data_migration(app_label: str, name: str) -> None:
    """Run the RunPython steps of migration `app_label.name` forwards, as `migrate` would; at least one must exist.
    The test must be transactional (`django_db(transaction=True)`): SQLite's schema editor refuses to start inside
    the test's own transaction."""
    loader = MigrationLoader(connection)
    migration = loader.get_migration(app_label, name)
    steps: list[Any] = [op for op in migration.operations if isinstance(op, RunPython)]
    assert steps, f"{app_label}.{name} has no RunPython step"
    before = loader.project_state((app_label, name), at_end=False)
    with connection.schema_editor(atomic=migration.atomic) as editor:
        for step in steps:
            step.code(before.apps, editor)
