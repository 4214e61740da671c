"""Load the demo clinic: staff for every role, a price list, and patients at every stage."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from cellway.cases import services as cases
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.demo.journey import ensure_price_list, new_case, walk
from cellway.demo.staff import DEMO_PASSWORD, STAFF, ensure_staff
from cellway.outcomes.demo import load_outcomes_demo

PATIENTS = [
    ("Ana Silva", "Portugal", Stage.INQUIRY),
    ("James O'Connor", "Ireland", Stage.TRIAGE),
    ("Mei Lin", "Singapore", Stage.TRIAGE),
    ("Ahmed Hassan", "Egypt", Stage.REVIEW),
    ("Olga Ivanova", "Kazakhstan", Stage.QUOTED),
    ("Lukas Becker", "Germany", Stage.ACCEPTED),
    ("Sarah Cohen", "Israel", Stage.CLEARED),
    ("Carlos Mendoza", "Mexico", Stage.SCHEDULED),
    ("Emma Johansson", "Sweden", Stage.DEPOSIT_PAID),
    ("Priya Nair", "India", Stage.PAID),
    ("Tom Baker", "United Kingdom", Stage.ARRIVED),
    ("Fatima Al-Sayed", "United Arab Emirates", Stage.IN_TREATMENT),
    ("Jonas Petersen", "Denmark", Stage.TREATED),
    ("Maria Rossi", "Italy", Stage.FOLLOW_UP),
]


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        staff = ensure_staff()
        ensure_price_list(staff["adam"])
        if Case.objects.exists():
            self.stdout.write("Demo cases already loaded.")
        else:
            with transaction.atomic():
                for name, country, stage in PATIENTS:
                    email = name.lower().replace(" ", ".").replace("'", "") + "@example.com"
                    walk(new_case(staff, name=name, country=country, email=email), stage, staff)
                declined = new_case(staff, name="Peter Novak", country="Slovakia", email="peter.novak@example.com")
                cases.end_case(case=declined, to=Stage.DECLINED, by=staff["carla"], reason="Chose treatment closer to home")
            self.stdout.write(self.style.SUCCESS(f"Loaded {Case.objects.count()} demo cases."))
        self.stdout.write("Loading the outcomes cohort (treated patients with 1-3 years of follow-up)...")
        added = load_outcomes_demo(staff)
        self.stdout.write(f"  {added} follow-up patients added." if added else "  already loaded.")
        self.stdout.write(f"\nSign in at http://127.0.0.1:8000/ as any of these (password for all: {DEMO_PASSWORD}):")
        for person in STAFF:
            self.stdout.write(f"  {person.username:<8} {person.first} {person.last:<12} {', '.join(person.roles)}")
