"""`manage.py restore FOLDER`: a backup into the configured, empty database and storage (cellway/audit/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from cellway.audit.backup import BackupError, read_backup, restore_backup
from cellway.audit.db_roles import as_owner, grant_app_role


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into the database and storage configured (DATABASE_URL, CELLWAY_MEDIA_ROOT or "
        "CELLWAY_S3_BUCKET): the database must have no tables. Every SHA-256 is checked first; --check only checks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="the backup's folder (holding manifest.json)")
        parser.add_argument("--check", action="store_true", help="only verify the backup against its manifest; write nothing")

    def handle(self, *args: Any, folder: Path, check: bool, **options: Any) -> None:
        try:
            if check:
                manifest = read_backup(folder)
                self.stdout.write(f"The backup in {folder} is complete: the database and {len(manifest.files)} files match its manifest.")
                return
            with as_owner() as app_role:
                manifest = restore_backup(folder, connection=connection, storage=default_storage)
                if app_role is not None:
                    grant_app_role(connection, app_role)
        except (BackupError, ImproperlyConfigured) as failed:
            raise CommandError(str(failed)) from None
        self.stdout.write(
            f"Restored the {manifest.vendor} database and {len(manifest.files)} files ({manifest.files_size} bytes) "
            f"backed up at {manifest.created_at}, every SHA-256 checked. Run `manage.py migrate` next if the code is newer."
        )
