"""Django's ``migrate``, run as the role that owns the tables when DATABASE_MIGRATE_URL names it.

After migrating, the owner grants the application's role (DATABASE_URL) its
privileges: SELECT/INSERT/UPDATE/DELETE on ordinary tables, SELECT/INSERT only
on the trail (``cellway.audit.db_roles``). Without DATABASE_MIGRATE_URL (SQLite,
or PostgreSQL as one role) it is Django's command unchanged.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import connections

from cellway.audit.db_roles import as_owner, grant_app_role


class Command(migrate.Command):
    help = migrate.Command.help + " As the owning role (DATABASE_MIGRATE_URL) if set, which then grants the application's role."

    def handle(self, *args: Any, **options: Any) -> None:
        with as_owner(options["database"]) as app_role:
            super().handle(*args, **options)
            if app_role is None:
                return
            try:
                trail = grant_app_role(connections[options["database"]], app_role)
            except ImproperlyConfigured as unsafe:
                raise CommandError(str(unsafe)) from None
        if options["verbosity"] >= 1:
            self.stdout.write(f"Granted the application's role its privileges; the trail ({', '.join(trail)}) is SELECT and INSERT only.")
