"""`manage.py backup FOLDER`: the database and every stored file, with a SHA-256 manifest (cellway/audit/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from cellway.audit.backup import MANIFEST, BackupError, sha256_of, write_backup
from cellway.audit.db_roles import as_owner


class Command(BaseCommand):
    help = "Back up the database and every record file into a new FOLDER, with a manifest of SHA-256 digests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="a new (or empty) folder to write the backup into")

    def handle(self, *args: Any, folder: Path, **options: Any) -> None:
        try:
            with as_owner():
                manifest = write_backup(folder, connection=connection, storage=default_storage)
        except BackupError as failed:
            raise CommandError(str(failed)) from None
        self.stdout.write(
            f"Backed up the {manifest.vendor} database ({manifest.database.size} bytes) and {len(manifest.files)} files "
            f"({manifest.files_size} bytes) to {folder}.\n"
            f"Keep this digest of {MANIFEST} apart from the backup: sha256 {sha256_of(folder / MANIFEST)}"
        )
