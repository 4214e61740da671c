"""Load the demo outcomes cohort (treated MS patients with 1-3 years of visits); see cellway/outcomes/demo.py."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cellway.demo.journey import ensure_price_list
from cellway.demo.staff import ensure_staff
from cellway.outcomes.demo import load_outcomes_demo


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=36, help="treated patients to add (up to 40; default 36)")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        staff = ensure_staff()
        ensure_price_list(staff["adam"])
        added = load_outcomes_demo(staff, patients=options["patients"], seed=options["seed"])
        if added:
            self.stdout.write(self.style.SUCCESS(f"Loaded the outcomes cohort: {added} treated patients with their visits."))
        else:
            self.stdout.write("The outcomes cohort is already loaded.")
