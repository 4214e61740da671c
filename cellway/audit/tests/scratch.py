"""Scratch PostgreSQL databases with two roles, and `manage.py` run against them in a subprocess.

The tests' own database belongs to the test run's (super)user; these are made
as production has them: a database owned by an owning role, migrated by it,
and an application role that owns nothing. The roles are cluster-wide and kept
between runs; each database is dropped at the end.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
OWNER, APP = "cellway_test_owner", "cellway_test_app"


@dataclass
class Scratch:
    name: str

    def url(self, role: str) -> str:
        db = settings.DATABASES["default"]
        return f"postgres://{role}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{self.name}"

    def connect(self, role: str) -> psycopg.Connection[Any]:
        db = settings.DATABASES["default"]
        return psycopg.connect(
            host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=role, dbname=self.name, autocommit=True
        )

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of the application on this database: the app's role, migrations as the owner."""
        return {"DATABASE_URL": self.url(APP), "DATABASE_MIGRATE_URL": self.url(OWNER), **extra}


def _admin() -> psycopg.Connection[Any]:
    """The test run's own user (creates roles and databases)."""
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    )


def ensure_roles() -> None:
    with _admin() as admin:
        for role in (OWNER, APP):
            with contextlib.suppress(psycopg.errors.DuplicateObject):  # kept from an earlier run, or made by one alongside
                admin.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")


@contextmanager
def scratch_database(*, migrated: bool = True) -> Iterator[Scratch]:
    """A new database owned by OWNER; with `migrated`, migrated as OWNER, which grants APP its part."""
    ensure_roles()
    scratch = Scratch(f"cellway_scratch_{uuid.uuid4().hex[:12]}")
    with _admin() as admin:
        admin.execute(f"CREATE DATABASE {scratch.name} OWNER {OWNER}")
    try:
        if migrated:
            manage("migrate", "--verbosity", "0", env=scratch.env())
        yield scratch
    finally:
        with _admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {scratch.name} WITH (FORCE)")


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`manage.py <args>` with the test settings and `env`; fails the test with its output if it fails."""
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "cellway.settings_test", **env}
    command = [sys.executable, "manage.py", *args]
    done = subprocess.run(command, cwd=ROOT, env=full, capture_output=True, text=True, check=False)  # noqa: S603 - our own manage.py
    if done.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done
