"""EDSS from Neurostatus functional system scores, row by row.

    manage.py edss_score --in FS.csv --out OUT.csv

FS.csv has the columns visual, brainstem, pyramidal, cerebellar, sensory,
bowel_bladder, cerebral, ambulation; OUT.csv repeats them with an edss
column. A bad cell stops the run with the row and column named, and no
output file is left. A thin adapter over `cellway.outcomes.csvio`.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, DjangoHelpFormatter

from cellway.outcomes import csvio


class HelpWithFormats(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


class Command(BaseCommand):
    # A batch run over files reads no model: Django's system checks (which load
    # every URL and view module) would be most of its start-up.
    requires_system_checks: list[str] = []
    help = "EDSS from Neurostatus functional system and ambulation scores (CSV in, CSV out)."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # The CSV formats, with examples, under --help (kept as written: RawDescription).
        return super().create_parser(prog_name, subcommand, epilog=csvio.EDSS_FORMATS, formatter_class=HelpWithFormats, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--in", dest="in_path", required=True, help="scores CSV")
        parser.add_argument("--out", required=True, help="CSV to write, with an edss column")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = csvio.score_edss_file(options["in_path"], options["out"])
        except (ValueError, OSError) as error:  # CsvError, a missing file
            raise CommandError(str(error)) from None
        self.stdout.write(f"{rows} rows scored, written to {options['out']}")
