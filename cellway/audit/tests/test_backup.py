"""Nothing lost: a backup restored into a new database and a new storage holds the same rows, the same
files by SHA-256, and an intact trail (signature digests verify, case events present).

On PostgreSQL the restore goes into a new database owned by the owning role,
and the restored database is read as the application's role; the storage is a
local folder, and (marked `s3`) a bucket on a local S3-compatible server, the
record uploaded and downloaded through the application first.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from cellway.audit.backup import stored_names
from cellway.audit.tests.scratch import APP, OWNER, Scratch, manage, scratch_database
from cellway.cases.models import CaseEvent
from cellway.cases.stages import Stage
from cellway.records import services as records
from cellway.records.models import RecordItem

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 100


# --- The storages: a local folder, or a bucket on the S3 server -------------------------------


@dataclass
class Place:
    """A storage the application can be pointed at: in this process (`settings`) and in a subprocess (`env`)."""

    storage: Storage
    settings: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)


def local_place(root: Path) -> Place:
    storages = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return Place(FileSystemStorage(location=root), {"MEDIA_ROOT": str(root), "STORAGES": storages}, {"CELLWAY_MEDIA_ROOT": str(root)})


def s3_place(endpoint: str, bucket: str) -> Place:
    import boto3
    from storages.backends.s3 import S3Storage

    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    options = {"bucket_name": bucket, "endpoint_url": endpoint, "region_name": "us-east-1", "default_acl": "private",
               "querystring_auth": True, "file_overwrite": False}
    storages = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}}
    env = {"CELLWAY_S3_BUCKET": bucket, "CELLWAY_S3_ENDPOINT_URL": endpoint, "CELLWAY_S3_REGION": "us-east-1"}
    return Place(S3Storage(**options), {"STORAGES": storages}, env)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def places(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Place, Place]:
    """Where the records are stored, and the new storage the backup is restored into."""
    if request.param == "local":
        return local_place(tmp_path / "media"), local_place(tmp_path / "restored-media")
    endpoint = os.environ.get("CELLWAY_TEST_S3_ENDPOINT_URL")
    if not endpoint:
        pytest.fail("CELLWAY_TEST_S3_ENDPOINT_URL is not set: start `moto_server -H 127.0.0.1 -p 5391` and point it there (.ci/run does)")
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    run = os.urandom(4).hex()
    return s3_place(endpoint, f"records-{run}"), s3_place(endpoint, f"restored-{run}")


# --- The new database: a scratch PostgreSQL database, or a new SQLite file ---------------------


@dataclass
class Target:
    env: dict[str, str]
    rows: Any  # () -> {table: sorted rows}, read as the application reads them
    scratch: Scratch | None = None  # on PostgreSQL


@contextmanager
def new_database(tmp_path: Path) -> Iterator[Target]:
    if connection.vendor == "postgresql":
        with scratch_database(migrated=False) as scratch:

            def restored_rows() -> dict[str, list[str]]:
                with scratch.connect(APP) as conn:  # the application's role reads all of it
                    return postgres_rows(conn)

            yield Target(scratch.env(), restored_rows, scratch)
    else:
        path = tmp_path / "restored.sqlite3"
        yield Target({"DATABASE_URL": f"sqlite:///{path}"}, lambda: sqlite_rows(sqlite3.connect(path)))


def postgres_rows(conn: Any) -> dict[str, list[str]]:
    """Every row of every table, as PostgreSQL writes it out as text (the same whatever reads it)."""
    tables = [row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()]
    return {t: sorted(row[0] for row in conn.execute(f'SELECT x::text FROM "{t}" x').fetchall()) for t in tables}  # noqa: S608


def sqlite_rows(conn: sqlite3.Connection) -> dict[str, list[str]]:
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    try:
        return {t: sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{t}"')) for t in tables}  # noqa: S608
    finally:
        conn.close()


def source_rows() -> dict[str, list[str]]:
    if connection.vendor == "postgresql":
        import psycopg

        db = connection.settings_dict
        with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"]) as conn:
            return postgres_rows(conn)
    return sqlite_rows(sqlite3.connect(connection.settings_dict["NAME"], uri=True))


def digests(storage: Storage) -> dict[str, str]:
    found = {}
    for name in stored_names(storage):
        with storage.open(name, "rb") as f:
            found[name] = hashlib.sha256(f.read()).hexdigest()
    return found


# Run in the restored database as the application: every signed plan's digest, and the case events.
VERIFY_TRAIL = """
import json
from cellway.audit.signatures import digest_of
from cellway.cases.models import CaseEvent
from cellway.plans.models import TherapyPlan
plans = TherapyPlan.objects.exclude(signature=None).select_related("case", "signature")
print("TRAIL", json.dumps({
    "plans": {str(p.uuid): digest_of(p.as_signed_content()) == p.signature.digest for p in plans},
    "events": CaseEvent.objects.count(),
    "kinds": sorted(set(CaseEvent.objects.values_list("kind", flat=True))),
}))
"""


def assert_guarded(scratch: Scratch) -> None:
    """The restored trail takes new rows (its sequences restored too) but refuses the application's role
    a DELETE, and its triggers the owner's TRUNCATE."""
    import psycopg

    with scratch.connect(APP) as conn:
        conn.execute("INSERT INTO audit_auditevent (at, action, target, reason, data) VALUES (now(), 'restore.checked', '', '', '{}')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM cases_caseevent")
    with scratch.connect(OWNER) as conn, pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        conn.execute("TRUNCATE cases_caseevent CASCADE")


def upload(item: RecordItem, user: Any, name: str, content: bytes, django_capture_on_commit_callbacks: Any) -> Any:
    session = records.start_upload(item=item, by=user, name=name, size=len(content), client_key="")
    records.append_chunk(upload=session, by=user, offset=0, stream=io.BytesIO(content), length=len(content))
    with django_capture_on_commit_callbacks(execute=True):
        return records.complete_upload(upload=session, by=user)


def test_a_backup_restores_the_same_rows_files_and_an_intact_trail(
    places, case_at, staff, as_user, tmp_path, django_capture_on_commit_callbacks
):
    source, restored = places
    with override_settings(**source.settings):
        inquiry = case_at(Stage.INQUIRY)
        imaging = RecordItem.objects.get(case=inquiry, kind="imaging")
        xray = upload(imaging, staff["carla"], "xray.png", PNG, django_capture_on_commit_callbacks)
        other = upload(imaging, staff["carla"], "second.png", PNG + b"second", django_capture_on_commit_callbacks)
        download = as_user("liam").get(reverse("records:download", args=[xray.uuid]))
        assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
        signed = case_at(Stage.QUOTED)
        assert source.storage.exists(xray.file.name) and source.storage.exists(other.file.name)

        call_command("backup", str(tmp_path / "backup"), stdout=io.StringIO())
    before_rows, before_files = source_rows(), digests(source.storage)

    with new_database(tmp_path) as target:
        manage("restore", str(tmp_path / "backup"), env={**target.env, **restored.env})
        after_rows = target.rows()
        said = manage("shell", "-c", VERIFY_TRAIL, env={**target.env, **restored.env}).stdout
        trail = json.loads(next(line for line in said.splitlines() if line.startswith("TRAIL "))[len("TRAIL ") :])
        if target.scratch is not None:
            assert_guarded(target.scratch)

    assert after_rows == before_rows
    assert sum(len(rows) for rows in after_rows.values()) > 100
    assert digests(restored.storage) == before_files
    assert {xray.sha256, other.sha256} <= set(before_files.values())
    assert trail["plans"] == {str(signed.plans.get().uuid): True}
    assert trail["events"] == CaseEvent.objects.count() and {"plan.signed", "record.uploaded", "medical.read"} <= set(trail["kinds"])


def test_a_tampered_backup_is_refused_before_anything_is_written(case_at, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    FileSystemStorage(location=tmp_path / "media").save("records/x/one", io.BytesIO(b"the original bytes"))
    case_at(Stage.INQUIRY)
    call_command("backup", str(tmp_path / "backup"), stdout=io.StringIO())
    (tmp_path / "backup" / "files" / "records" / "x" / "one").write_bytes(b"other bytes")
    restored_media = tmp_path / "restored-media"

    with pytest.raises(CommandError, match="records/x/one has other bytes than when backed up"):
        call_command("restore", str(tmp_path / "backup"), "--check", stdout=io.StringIO())
    with new_database(tmp_path) as target:
        with pytest.raises(AssertionError, match="records/x/one has other bytes than when backed up"):
            manage("restore", str(tmp_path / "backup"), env={**target.env, "CELLWAY_MEDIA_ROOT": str(restored_media)})
        assert target.rows() == {}
    assert not restored_media.exists()


def test_a_backup_is_not_restored_over_a_database_that_has_tables(case_at, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    case_at(Stage.INQUIRY)
    call_command("backup", str(tmp_path / "backup"), stdout=io.StringIO())
    rows = source_rows()

    with pytest.raises(CommandError, match="already has .* tables; restore into a new, empty database"):
        call_command("restore", str(tmp_path / "backup"), stdout=io.StringIO())
    assert source_rows() == rows


def test_a_backup_goes_into_a_new_folder_only(tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "something").write_text("kept")

    with pytest.raises(CommandError, match="is not empty; a backup goes into a new folder"):
        call_command("backup", str(tmp_path / "backup"), stdout=io.StringIO())
    assert [p.name for p in (tmp_path / "backup").iterdir()] == ["something"]


def test_a_folder_without_a_manifest_is_no_backup(tmp_path):
    with pytest.raises(CommandError, match="holds no manifest.json: not a backup, or one that did not finish"):
        call_command("restore", str(tmp_path), "--check", stdout=io.StringIO())


def test_a_backup_is_not_restored_over_other_files_of_the_same_name(case_at, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    FileSystemStorage(location=tmp_path / "media").save("records/x/one", io.BytesIO(b"the original bytes"))
    case_at(Stage.INQUIRY)
    call_command("backup", str(tmp_path / "backup"), stdout=io.StringIO())
    elsewhere = FileSystemStorage(location=tmp_path / "restored-media")
    elsewhere.save("records/x/one", io.BytesIO(b"someone else's bytes"))

    with new_database(tmp_path) as target:
        with pytest.raises(AssertionError, match=r"already holds other bytes under 1 of the backup's names \(e.g. records/x/one\)"):
            manage("restore", str(tmp_path / "backup"), env={**target.env, "CELLWAY_MEDIA_ROOT": elsewhere.location})
        assert target.rows() == {}
    assert list(stored_names(elsewhere)) == ["records/x/one"]
    assert elsewhere.open("records/x/one").read() == b"someone else's bytes"
