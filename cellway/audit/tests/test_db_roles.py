"""Rule 9 on PostgreSQL: the application's own database role cannot rewrite the trail.

A database migrated as production runs it (`migrate` as the owning role, which
grants the application's role its part), then every way to rewrite or empty a
trail table is tried as the application's role: each is refused, and the rows
are as they were. The owner's own TRUNCATE meets the statement-level guard.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings

from cellway.audit.tests.scratch import APP, OWNER, Scratch, manage, scratch_database

pytestmark = pytest.mark.postgres

TRAIL = ["audit_auditevent", "audit_signature", "cases_caseevent"]

ATTACKS = {
    "update": ("UPDATE {t} SET id = id", "permission denied for table {t}"),
    "delete": ("DELETE FROM {t}", "permission denied for table {t}"),
    "truncate": ("TRUNCATE {t}", "permission denied for table {t}"),
    "truncate cascade": ("TRUNCATE {t} CASCADE", "permission denied for table {t}"),
    "disable trigger": ("ALTER TABLE {t} DISABLE TRIGGER {t}_no_update", "must be owner of table {t}"),
    "disable all triggers": ("ALTER TABLE {t} DISABLE TRIGGER ALL", "must be owner of table {t}"),
    "drop trigger": ("DROP TRIGGER {t}_no_update ON {t}", "must be owner of relation {t}"),
    "drop truncate guard": ("DROP TRIGGER {t}_no_truncate ON {t}", "must be owner of relation {t}"),
    "drop table": ("DROP TABLE {t} CASCADE", "must be owner of table {t}"),
    "replication role": ("SET session_replication_role = replica", 'permission denied to set parameter "session_replication_role"'),
    "lock for update": ("SELECT * FROM {t} FOR UPDATE", "permission denied for table {t}"),
}


@pytest.fixture(scope="module")
def db() -> Iterator[Scratch]:
    """A migrated database with one row in each trail table, written by the application's role."""
    with scratch_database() as scratch:
        manage("shell", "-c", WRITE_ONE_OF_EACH, env=scratch.env())
        yield scratch


# Through the application's own services, as its role: a whole journey (every domain's writes, signatures
# and case events, into follow-up) and an audit row.
WRITE_ONE_OF_EACH = """
from cellway.audit.services import audit_record
from cellway.cases.stages import Stage
from cellway.demo.journey import new_case, walk
from cellway.demo.staff import ensure_staff
staff = ensure_staff()
walk(new_case(staff), Stage.FOLLOW_UP, staff)
audit_record(actor=staff["adam"], action="staff.role_added", target="sofia", reason="new specialist")
"""


def snapshot(scratch: Scratch) -> dict[str, list[tuple[object, ...]]]:
    with scratch.connect(OWNER) as conn:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() for table in TRAIL}  # noqa: S608 - our table names


def test_the_whole_journey_ran_as_the_application_role(db):
    with db.connect(OWNER) as conn:
        stage = conn.execute("SELECT stage FROM cases_case").fetchall()
        kinds = {row[0] for row in conn.execute("SELECT DISTINCT kind FROM cases_caseevent").fetchall()}
        signatures = conn.execute("SELECT count(*) FROM audit_signature").fetchone()

    assert stage == [("follow_up",)]
    assert {"opened", "plan.signed", "stage", "payment", "session", "protocol.issued"} <= kinds
    assert signatures is not None and signatures[0] >= 2  # the plan, the screening verdict


def test_the_application_role_reads_and_appends_to_the_trail(db):
    with db.connect(APP) as conn:
        counts = [conn.execute(f"SELECT count(*) FROM {table}").fetchone() for table in TRAIL]  # noqa: S608 - our table names
        conn.execute("INSERT INTO audit_auditevent (at, action, target, reason, data) VALUES (now(), 'test.append', '', '', '{}')")
        appended = conn.execute("SELECT count(*) FROM audit_auditevent WHERE action = 'test.append'").fetchone()

    assert all(count is not None and count[0] > 0 for count in counts)
    assert appended == (1,)


def test_the_application_role_changes_ordinary_tables(db):
    with db.connect(APP) as conn:
        updated = conn.execute("UPDATE cases_condition SET name = name").rowcount
        conn.execute("INSERT INTO cases_condition (code, name) VALUES ('test-only', 'Test')")
        deleted = conn.execute("DELETE FROM cases_condition WHERE code = 'test-only'").rowcount

    assert updated > 0 and deleted == 1


@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize("table", TRAIL)
def test_every_attack_on_the_trail_by_the_application_role_is_refused(db, table, attack):
    statement, refusal = (part.format(t=table) for part in ATTACKS[attack])
    before = snapshot(db)

    with db.connect(APP) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege, match=refusal):
        conn.execute(statement)

    assert snapshot(db) == before


def test_the_application_role_cannot_make_itself_owner_or_superuser(db):
    with db.connect(APP) as conn:
        for statement in (f"ALTER ROLE {APP} SUPERUSER", f"GRANT {OWNER} TO {APP}", f"ALTER TABLE cases_caseevent OWNER TO {APP}"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


@pytest.mark.parametrize("table", TRAIL)
def test_even_the_owner_meets_the_guards(db, table):
    before = snapshot(db)

    with db.connect(OWNER) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match=f"{table} is append-only"):
            conn.execute(f"TRUNCATE {table} CASCADE")
        with pytest.raises(psycopg.errors.RaiseException, match=f"{table} is append-only"):
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - our table names

    assert snapshot(db) == before


def test_migrate_refuses_an_application_role_that_could_lift_the_guards():
    with scratch_database(migrated=False) as scratch:
        env = scratch.env(DATABASE_URL=scratch.url(str(settings.DATABASES["default"]["USER"])))  # the tests' superuser

        with pytest.raises(AssertionError, match="is a superuser or a member of"):
            manage("migrate", "--verbosity", "0", env=env)
