"""Confirmed disability events (msprog rules) from a visits CSV, written to an events CSV.

    manage.py outcomes_events --visits V.csv [--relapses R.csv] --outcome edss|t25fw|nhpt \\
        --event firstCDW|firstCDI|first|multiple|firstPIRA|firstRAW --baseline fixed|roving \\
        --conf-days 84 [--conf-days 168] --out E.csv

A thin adapter over `cellway.outcomes.csvio` (see docs/outcomes.md).
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
    help = "Confirmed disability worsening/improvement events (msprog rules) from a visits CSV."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # The CSV formats, with examples, under --help (kept as written: RawDescription).
        return super().create_parser(prog_name, subcommand, epilog=csvio.EVENTS_FORMATS, formatter_class=HelpWithFormats, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        csvio.add_events_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rules = csvio.rules_from_options(options)
            summary = csvio.run_events_file(options["visits"], options.get("relapses"), rules, options["out"])
        except (ValueError, OSError) as error:  # CsvError, RulesError, a missing file
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{summary.subjects} subjects, {summary.visits} visits, {summary.relapses} relapses: "
            f"{summary.events} events in {summary.rows} rows written to {options['out']}"
        )
