"""Load the demo clinic: staff for every role, a price list, patients at every stage, and an outcomes cohort.

Development only (DEBUG). Existing users are never changed: demo users that
are missing are created, and the ones that exist are named and left alone.
Every stage change and signature goes through the real services; one line
per step says what was loaded and how long it has taken.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cellway.billing import rates
from cellway.cases import services as cases
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.chat import load_canned_replies
from cellway.demo.dev_only import loading, require_debug
from cellway.demo.journey import ensure_price_list, new_case, walk
from cellway.demo.outcomes import cohort_loaded, load_outcomes_demo
from cellway.demo.site import load_ms_page, load_newsletter, load_references
from cellway.demo.staff import StaffLoad, cannot_act_as, load_staff
from cellway.evidence.models import ConditionPage, Reference
from cellway.portal import services as portal

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
# The portal language of a few demo patients (the rest read it in English).
PORTAL_LANGUAGES = {"Mei Lin": "zh-hans", "Ahmed Hassan": "ar", "Fatima Al-Sayed": "ar", "Olga Ivanova": "en"}


class Command(BaseCommand):
    help = "Load the demo clinic (development only: needs DJANGO_DEBUG=true; never changes an existing user)."

    def handle(self, *args: Any, **options: Any) -> None:
        require_debug()
        self.started = time.monotonic()
        with loading():
            with transaction.atomic():  # a refusal below leaves no demo user behind
                load = load_staff()
                unusable = load.unusable()
                if unusable and not (Case.objects.exists() and cohort_loaded()):
                    raise CommandError(cannot_act_as(unusable))
            self.step(_staff_line(load))
            if load.left_alone:
                self.stdout.write(f"           left alone (they existed already): {', '.join(load.left_alone)}")
            staff = load.people
            ensure_price_list(staff["adam"])
            self.step("price list published")
            self._site(staff)
            self.step(f"live chat: {load_canned_replies()} canned replies in three languages (carla answers at /chats/)")
            subscribers = load_newsletter()
            self.step(f"newsletter: a draft issue in three languages for adam to preview and schedule, {subscribers} confirmed subscribers")
            if Case.objects.exists():
                self.step("patients along the journey: already loaded")
            else:
                self._journey(staff)
            self._outcomes(staff)
        self.step(self.style.SUCCESS("done. `make demo` (or `manage.py serve_demo`) serves it and lists the sign-ins."))

    def step(self, text: str) -> None:
        self.stdout.write(f"[{time.monotonic() - self.started:5.1f} s] {text}")

    def _journey(self, staff: dict[str, Any]) -> None:
        with transaction.atomic():
            for name, country, stage in PATIENTS:
                email = name.lower().replace(" ", ".").replace("'", "") + "@example.com"
                case = walk(new_case(staff, name=name, country=country, email=email), stage, staff)
                grant = portal.invite_patient(case=case, by=staff["carla"])
                portal.set_language(person=grant.person, language=PORTAL_LANGUAGES.get(name, "en"))
            declined = new_case(staff, name="Peter Novak", country="Slovakia", email="peter.novak@example.com")
            cases.end_case(case=declined, to=Stage.DECLINED, by=staff["carla"], reason="Chose treatment closer to home")
            # Paid in full, then cancelled 40 days before arrival: finance issues the credit note the policy gives.
            cancelled = new_case(staff, name="Hanna Berg", country="Sweden", email="hanna.berg@example.com")
            walk(cancelled, Stage.PAID, staff, arrival=clinic_today() + dt.timedelta(days=40))
            cases.end_case(case=cancelled, to=Stage.DECLINED, by=staff["carla"], reason="Cannot travel: a family emergency")
            month_ago = clinic_today() - dt.timedelta(days=30)
            rates.enter_rate(by=staff["fiona"], base="EUR", target="SEK", rate="11.25", effective_from=month_ago)
        journey = f"{len(PATIENTS) + 2} cases, one at every stage and two declined (Hanna Berg paid: her refund waits for finance)"
        self.step(f"patients along the journey: {journey}; each patient invited to the portal")

    def _site(self, staff: dict[str, Any]) -> None:
        if ConditionPage.objects.exists():
            self.step("public site: already loaded")
            return
        with transaction.atomic():
            verified = load_references(staff["adam"])
            page, held = load_ms_page(staff["adam"])
        total = Reference.objects.count()
        self.step(
            f"public site: evidence library of {total} references ({verified} verified); the MS page published at "
            f"/en/conditions/{page.slug}/ with {held} claims held back until their references are verified"
        )

    def _outcomes(self, staff: dict[str, Any]) -> None:
        def progress(done: int, total: int) -> None:
            if done % 10 == 0 or done == total:
                self.step(f"outcomes cohort: {done} of {total} treated patients with their follow-up visits")

        if not load_outcomes_demo(staff, progress=progress):
            self.step("outcomes cohort: already loaded")


def _staff_line(load: StaffLoad) -> str:
    if not load.created:
        return f"staff: all {len(load.people)} demo users exist already"
    return f"staff: {len(load.created)} demo users created ({', '.join(load.created)})"
