"""Shared test fixtures: the demo staff (one user per role, plus an outsider) and a case walker."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from cellway.cases.stages import Stage

# No timed assertions in tests (DESIGN.md): Hypothesis's per-example deadline and its "input generation is slow"
# health check fail a test on a busy machine (CI shares two cores with its own browsers), whatever the code does.
# Every example is still generated, run and checked; only the clock is not.
hypothesis_settings.register_profile("cellway", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("cellway")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip server- and browser-bound tests where the machine lacks them, saying why.

    In CI (CELLWAY_REQUIRE_SERVERS / CELLWAY_REQUIRE_BROWSER) they are never skipped.
    """
    if not config.pluginmanager.hasplugin("django"):
        return  # pure-engine runs with -p no:django
    from django.db import connection

    on_postgres = connection.vendor == "postgresql"
    has_redis = bool(os.environ.get("REDIS_URL"))
    has_s3 = bool(os.environ.get("CELLWAY_TEST_S3_ENDPOINT_URL"))
    has_browser = bool(shutil.which("chromium") and shutil.which("chromedriver"))
    require_servers = os.environ.get("CELLWAY_REQUIRE_SERVERS") == "1"
    require_browser = os.environ.get("CELLWAY_REQUIRE_BROWSER") == "1"
    has_clamav = clamd_answers(clamd_test_socket())
    require_clamav = os.environ.get("CELLWAY_REQUIRE_CLAMAV") == "1"
    for item in items:
        if "postgres" in item.keywords and not on_postgres and not require_servers:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://... (.ci/run does)"))
        if "redis" in item.keywords and not has_redis and not require_servers:
            item.add_marker(pytest.mark.skip(reason="needs Redis: run with REDIS_URL=redis://... (.ci/run does)"))
        if "s3" in item.keywords and not has_s3 and not require_servers:
            item.add_marker(pytest.mark.skip(reason="needs an S3 server: CELLWAY_TEST_S3_ENDPOINT_URL (.ci/run starts moto_server)"))
        if "browser" in item.keywords and not has_browser and not require_browser:
            item.add_marker(pytest.mark.skip(reason="needs Debian's chromium and chromium-driver (.ci/run installs them)"))
        if "clamav" in item.keywords and not has_clamav and not require_clamav:
            item.add_marker(pytest.mark.skip(reason=f"needs a ClamAV daemon on {clamd_test_socket()}: run .ci/clamav (.ci/run does)"))


def clamd_test_socket() -> str:
    """Where .ci/clamav's daemon (EICAR-only signatures) listens."""
    return os.environ.get("CELLWAY_TEST_CLAMD_SOCKET", "/tmp/cellway-clamav/clamd.sock")  # noqa: S108 (the script's own place)


def clamd_answers(path: str) -> bool:
    """True if a daemon answers PING on ``path``. A socket file alone is not enough: one left behind
    by a daemon that has since stopped would send the `clamav` tests to a scanner that is not there."""
    import socket

    try:
        with socket.socket(socket.AF_UNIX) as conn:
            conn.settimeout(2)
            conn.connect(path)
            conn.sendall(b"zPING\0")
            return conn.recv(16).startswith(b"PONG")
    except OSError:
        return False


@pytest.fixture
def real_clamd(settings: Any) -> str:
    """The records intake scans with .ci/clamav's real clamd (tests marked `clamav`)."""
    socket = clamd_test_socket()
    settings.CLAMD_SOCKET, settings.CLAMD_HOST = socket, ""
    return socket


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("django"):
        _let_tests_flush_append_only_tables()


def _let_tests_flush_append_only_tables() -> None:
    """Transactional tests end with a flush, which SQLite does with DELETE and PostgreSQL with
    TRUNCATE: the append-only triggers (rightly) refuse both. For the test flush only, lift the
    triggers and put them back straight after (the tests' database user owns the tables; the
    application's role in production does not, and cannot do this). Production never flushes.
    """
    import django.db.backends.postgresql.operations as postgresql
    import django.db.backends.sqlite3.base  # noqa: F401  (operations imports it back; load it first)
    from django.db.backends.sqlite3.operations import DatabaseOperations

    from cellway.audit import frozen
    from cellway.audit.append_only import TABLES, drop_trigger_sql, trigger_sql

    original = DatabaseOperations.sql_flush

    def sql_flush(self: Any, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        guarded = sorted(TABLES & set(tables))
        lift = [sql for table in guarded for sql in drop_trigger_sql("sqlite", table)]
        restore = [sql for table in guarded for sql in trigger_sql("sqlite", table)]
        # Signed rows are frozen too (they cannot be deleted): the same for them.
        signed = sorted(set(frozen.TABLES) & set(tables))
        lift += [sql for table in signed for sql in frozen.drop_trigger_sql("sqlite", table)]
        restore += [sql for table in signed for sql in frozen.trigger_sql("sqlite", table, *frozen.TABLES[table])]
        return lift + original(self, style, tables, **kwargs) + restore

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]

    original_pg = postgresql.DatabaseOperations.sql_flush

    def sql_flush_pg(self: Any, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        guarded = sorted(TABLES & set(tables))
        lift = [f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_truncate" for table in guarded]
        restore = [f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_truncate" for table in guarded]
        return lift + original_pg(self, style, tables, **kwargs) + restore

    postgresql.DatabaseOperations.sql_flush = sql_flush_pg  # type: ignore[method-assign]


@pytest.fixture(autouse=True, scope="session")
def _media_in_tmp(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Files the tests upload go to a temporary folder, never to var/."""
    if request.config.pluginmanager.hasplugin("django"):
        from django.conf import settings

        settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request: pytest.FixtureRequest) -> None:
    """allauth counts sign-in failures and reset requests per address in the cache: each test starts from none."""
    if request.config.pluginmanager.hasplugin("django"):
        from django.core.cache import cache

        cache.clear()


@pytest.fixture
def staff(db: None) -> dict[str, Any]:
    """The demo staff by username (carla care, liam liaison, sofia and daniel specialists, fiona finance,
    marcus finance manager, lena logistics, ivan laboratory, nina nurse, adam admin) plus 'outsider'
    (signed in, no role)."""
    from django.core.management.sql import emit_post_migrate_signal

    from cellway.accounts.models import User
    from cellway.cases.models import Condition
    from cellway.demo.staff import DEMO_PASSWORD, ensure_staff

    if not Condition.objects.exists():
        # Something flushed the database without post_migrate (a transactional
        # test with serialized_rollback): put back permissions, roles and conditions.
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    people = ensure_staff()
    outsider = User.objects.create_user("olive", password=DEMO_PASSWORD, first_name="Olive", last_name="Outsider")
    return {**people, "outsider": outsider}


@pytest.fixture
def as_user(client: Any, staff: dict[str, Any]) -> Callable[[str], Any]:
    """`as_user("liam")`: the test client, signed in as that demo user."""

    def login(username: str) -> Any:
        client.force_login(staff[username])
        return client

    return login


@pytest.fixture
def password() -> str:
    from cellway.demo.staff import DEMO_PASSWORD

    return DEMO_PASSWORD


@pytest.fixture
def case_at(staff: dict[str, Any]) -> Callable[..., Any]:
    """`case_at(Stage.X, **kw)` opens a new case and walks it there through the real services."""
    from cellway.demo.journey import new_case, walk

    counter = iter(range(1, 10_000))

    def make(stage: Stage, **kwargs: Any) -> Any:
        n = next(counter)
        case = new_case(staff, name=f"Patient {n}", email=f"patient{n}@example.com")
        return walk(case, stage, staff, **kwargs)

    return make
