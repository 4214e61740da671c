"""For tests that must change a signed row (time passing, or tampering to be detected): lift its freeze for a block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from cellway.audit import frozen


@contextmanager
def freeze_lifted(table: str) -> Iterator[None]:
    """What only a database owner could do: lift the freeze on `table`, run the block, put it back."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for sql in frozen.drop_trigger_sql(vendor, table):
            cursor.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sql in frozen.trigger_sql(vendor, table, *frozen.TABLES[table]):
                cursor.execute(sql)
