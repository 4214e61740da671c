"""Load the demo outcomes cohort (treated MS patients with 1-3 years of visits); see cellway/demo/outcomes.py.

Development only (DEBUG); existing users are left alone (cellway/demo/staff.py).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cellway.demo.dev_only import loading, require_debug
from cellway.demo.journey import ensure_price_list
from cellway.demo.outcomes import cohort_loaded, load_outcomes_demo
from cellway.demo.staff import cannot_act_as, load_staff


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=36, help="treated patients to add (up to 40; default 36)")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        require_debug()
        with loading(), transaction.atomic():
            load = load_staff()
            if load.unusable() and not cohort_loaded():
                raise CommandError(cannot_act_as(load.unusable()))
            staff = load.people
            ensure_price_list(staff["adam"])
            added = load_outcomes_demo(staff, patients=options["patients"], seed=options["seed"])
        if added:
            self.stdout.write(self.style.SUCCESS(f"Loaded the outcomes cohort: {added} treated patients with their visits."))
        else:
            self.stdout.write("The outcomes cohort is already loaded.")
