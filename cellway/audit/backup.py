"""Backup and restore of the whole record: the database and the stored files ("nothing lost").

A backup is a folder:

    manifest.json     what is in it: the database file and every stored file, each with size and SHA-256
    database.pgdump   PostgreSQL: pg_dump's custom format (schema, rows, the trail's triggers)
    database.sqlite3  SQLite: a copy made with SQLite's online backup
    files/<name>      every file of the storage (local folder or S3), under its storage name

The database is dumped first, then the files copied: stored files are written
before the rows that name them commit and are never rewritten (blobs are named
by their SHA-256), so every file the dump names is in the backup.

Restore verifies every SHA-256 of the backup before writing anything, refuses a
database that already has tables and a storage holding other bytes under a name
of the backup, writes the files (checking each one read back), then the
database in one transaction, as the owning role on PostgreSQL, which then grants
the application's role its part again (``cellway.audit.db_roles``). The tools
are PostgreSQL's own (pg_dump, pg_restore) and SQLite's backup API; only the
manifest and the copying of storage are ours, as Django has no backup of its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.core.files import File
from django.core.files.storage import Storage
from django.db.backends.postgresql.client import DatabaseClient

FORMAT = "cellway-backup/1"
MANIFEST = "manifest.json"
FILES = "files"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup that cannot be made, read or restored; the message says why (and nothing was written)."""


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    created_at: str
    vendor: str
    database: StoredFile
    files: list[StoredFile]

    def as_json(self) -> str:
        data = {"format": FORMAT, **asdict(self)}
        return json.dumps(data, indent=1, sort_keys=True)

    @property
    def files_size(self) -> int:
        return sum(stored.size for stored in self.files)


def sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


# --- Backing up ----------------------------------------------------------------------------


def write_backup(target: Path, *, connection: Any, storage: Storage) -> Manifest:
    """Back up the database behind `connection` and every file of `storage` into the new folder `target`."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; a backup goes into a new folder.")
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"Backing up a {connection.vendor} database is not supported (PostgreSQL or SQLite).")
    target.mkdir(parents=True, exist_ok=True)
    database = target / DATABASE_FILES[connection.vendor]
    if connection.vendor == "postgresql":
        _pg_dump(connection.settings_dict, database)
    else:
        _sqlite_copy(connection.settings_dict["NAME"], database)
    files = [_copy_out(storage, name, target / FILES / name) for name in sorted(stored_names(storage))]
    manifest = Manifest(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        vendor=connection.vendor,
        database=StoredFile(database.name, database.stat().st_size, sha256_of(database)),
        files=files,
    )
    written = target / (MANIFEST + ".partial")
    written.write_text(manifest.as_json())
    written.rename(target / MANIFEST)  # the manifest appears last: a folder without one is no backup
    return manifest


def stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in `storage`, except dot-folders (uploads still arriving, in MEDIA_ROOT/.uploads)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a local storage nothing was ever written to
        return
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        if not sub.startswith("."):
            yield from stored_names(storage, f"{folder}/{sub}" if folder else sub)


def _copy_out(storage: Storage, name: str, path: Path) -> StoredFile:
    digest, size = hashlib.sha256(), 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with storage.open(name, "rb") as source, path.open("wb") as out:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return StoredFile(name, size, digest.hexdigest())


def _pg_tool(tool: str, settings_dict: dict[str, Any], parameters: list[str]) -> tuple[list[str], dict[str, str]]:
    """`tool` with the connection's host, port, user and database as Django's own `dbshell` passes them to psql."""
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"{tool} is not installed (Debian: postgresql-client).")
    args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, parameters)
    # As Django's dbshell runs psql: the process's environment, plus the password and TLS settings.
    return [executable, *args[1:]], {**os.environ, **(env or {})}


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - PostgreSQL's tools, our arguments
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")


def _pg_dump(settings_dict: dict[str, Any], out: Path) -> None:
    _run(*_pg_tool("pg_dump", settings_dict, ["--format=custom", f"--file={out}"]))


def _sqlite_copy(name: str | Path, out: str | Path) -> None:
    # Django names an in-memory test database by a URI ("file:memorydb_default?mode=memory&cache=shared").
    source, copy = sqlite3.connect(name, uri=str(name).startswith("file:")), sqlite3.connect(out)
    try:
        source.backup(copy)  # SQLite's online backup: a consistent copy while the application writes
    finally:
        copy.close()
        source.close()


# --- Reading and verifying -----------------------------------------------------------------


def read_backup(source: Path) -> Manifest:
    """The manifest of the backup in `source`, after checking every file's size and SHA-256 against it."""
    try:
        data = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} holds no {MANIFEST}: not a backup, or one that did not finish.") from None
    except json.JSONDecodeError:
        raise BackupError(f"{source / MANIFEST} is not valid JSON.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"{source / MANIFEST} is not a {FORMAT} manifest.")
    try:
        manifest = Manifest(
            created_at=str(data["created_at"]),
            vendor=str(data["vendor"]),
            database=StoredFile(**data["database"]),
            files=[StoredFile(**entry) for entry in data["files"]],
        )
    except (KeyError, TypeError):
        raise BackupError(f"{source / MANIFEST} is incomplete.") from None
    problems = [problem for problem in _check_files(source, manifest) if problem]
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise BackupError(f"The backup in {source} does not match its manifest: {shown}.")
    return manifest


def _check_files(source: Path, manifest: Manifest) -> Iterator[str | None]:
    if manifest.database.name != DATABASE_FILES.get(manifest.vendor):
        yield f"unexpected database file {manifest.database.name!r}"
        return
    yield _check_one(source / manifest.database.name, manifest.database)
    for stored in manifest.files:
        if not _safe_name(stored.name):
            yield f"unsafe file name {stored.name!r}"
            continue
        yield _check_one(source / FILES / stored.name, stored)


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _check_one(path: Path, stored: StoredFile) -> str | None:
    if not path.is_file():
        return f"{stored.name} is missing"
    if path.stat().st_size != stored.size or sha256_of(path) != stored.sha256:
        return f"{stored.name} has other bytes than when backed up"
    return None


# --- Restoring -----------------------------------------------------------------------------


def restore_backup(source: Path, *, connection: Any, storage: Storage) -> Manifest:
    """Restore the backup in `source` into the empty database behind `connection` and into `storage`.

    On PostgreSQL, call it connected as the owning role (`db_roles.as_owner`)
    and grant the application's role afterwards.
    """
    manifest = read_backup(source)
    if manifest.vendor != connection.vendor:
        raise BackupError(f"This is a backup of a {manifest.vendor} database; the database configured is {connection.vendor}.")
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} already has {len(tables)} tables; restore into a new, empty database."
        )
    clashes = [stored.name for stored in manifest.files if _holds_other_bytes(storage, stored)]
    if clashes:
        raise BackupError(f"The storage already holds other bytes under {len(clashes)} of the backup's names (e.g. {clashes[0]}).")
    for stored in manifest.files:
        _copy_in(storage, source / FILES / stored.name, stored)
    database = source / manifest.database.name
    if connection.vendor == "postgresql":
        restore = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname"]
        args, env = _pg_tool("pg_restore", connection.settings_dict, restore)
        _run([*args, str(database)], env)
    else:
        connection.close()
        _sqlite_copy(database, connection.settings_dict["NAME"])
    return manifest


def _holds_other_bytes(storage: Storage, stored: StoredFile) -> bool:
    return storage.exists(stored.name) and _sha256_stored(storage, stored.name) != stored.sha256


def _sha256_stored(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_in(storage: Storage, path: Path, stored: StoredFile) -> None:
    if not storage.exists(stored.name):
        with path.open("rb") as f:
            saved = storage.save(stored.name, File(f, name=stored.name))
        if saved != stored.name:
            raise BackupError(f"The storage saved {stored.name} as {saved}; restore into an empty storage.")
    if _sha256_stored(storage, stored.name) != stored.sha256:
        raise BackupError(f"{stored.name} reads back from the storage with other bytes than were written.")
