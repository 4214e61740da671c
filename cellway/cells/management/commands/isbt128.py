"""`manage.py isbt128 check <13-character DIN>`: print the check character, to verify a label by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cellway.cells import isbt128


class Command(BaseCommand):
    help = "ISBT 128 tools for the laboratory. `check <DIN>` prints a DIN's ISO/IEC 7064 MOD 37-2 check character."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="print the check character of a 13-character DIN")
        check.add_argument("din", help="facility (a letter and 4 digits), year (2 digits), sequence (6 digits), e.g. G123498654321")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            din = isbt128.parse_din(options["din"])
        except isbt128.Isbt128Error as wrong:
            raise CommandError(wrong.message) from None
        self.stdout.write(f"{din.thirteen} check character {din.check}  ({din.eye_readable})")
