"""A realistic demo outcomes cohort: treated MS patients with 1-3 years of follow-up visits.

`load_outcomes_demo(staff)` walks each patient through the real services to
follow-up, then moves their treatment into the past -- the one thing the
services rightly refuse (no session is logged for another day than it was
given) -- and records every visit, relapse and MRI through the outcomes
services, as a nurse would. The same seed gives the same cohort.

Patients differ as real cohorts do: about a third improve (pyramidal and
walking scores fall a step after a few months), most stay stable with
measurement noise, some worsen; relapses are rare and cluster early; a few
stop coming (lost to follow-up) or are withdrawn. One patient, treated 13
months ago, has only a baseline: a clinician can enter their year of visits.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from cellway.accounts.models import User
from cellway.cases import services as cases
from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.journey import new_case, walk
from cellway.months import months_before
from cellway.outcomes import services
from cellway.outcomes.models import FollowUpAssessment, ReportedMeasure
from cellway.treatment import services as treatment
from cellway.treatment.models import AdverseEvent, TreatmentSession

NAMES = [
    ("Hannah Weber", "Germany"),
    ("Luca Bianchi", "Italy"),
    ("Sofia Karlsson", "Sweden"),
    ("Omar Khalil", "Jordan"),
    ("Chloe Martin", "France"),
    ("Mateus Costa", "Brazil"),
    ("Aisha Bello", "Nigeria"),
    ("Daniel Novak", "Czechia"),
    ("Yuki Tanaka", "Japan"),
    ("Grace Murphy", "Ireland"),
    ("Ivan Petrov", "Bulgaria"),
    ("Leila Ahmadi", "Iran"),
    ("Noah Fischer", "Austria"),
    ("Eva Horvath", "Hungary"),
    ("Samuel Adeyemi", "Ghana"),
    ("Mia Jensen", "Denmark"),
    ("Rafael Ortega", "Spain"),
    ("Zara Sheikh", "Pakistan"),
    ("Tomas Lindqvist", "Finland"),
    ("Nadia Haddad", "Lebanon"),
    ("Peter Walsh", "United Kingdom"),
    ("Ana Kovac", "Croatia"),
    ("Ravi Menon", "India"),
    ("Julia Nowak", "Poland"),
    ("Victor Dumont", "Belgium"),
    ("Selin Yilmaz", "Turkey"),
    ("Lars Berg", "Norway"),
    ("Maya Cohen", "Israel"),
    ("Diego Rojas", "Chile"),
    ("Irina Popa", "Romania"),
    ("Kofi Mensah", "Ghana"),
    ("Elif Demir", "Turkey"),
    ("George Papadopoulos", "Greece"),
    ("Olivia Brown", "Canada"),
    ("Hugo Laurent", "Switzerland"),
    ("Amira Saleh", "Egypt"),
    ("Marek Zielinski", "Poland"),
    ("Lucia Fernandez", "Argentina"),
    ("Arjun Rao", "India"),
    ("Ingrid Solberg", "Norway"),
]
OPEN_PATIENT = ("Elena Popescu", "Moldova")
MEASURES = [
    ("msis29-physical", "MSIS-29 physical", Decimal(0), Decimal(100), False),
    ("mfis5", "Fatigue (MFIS-5)", Decimal(0), Decimal(20), False),
]
# The questions as patients read them in the portal.
WORDING = {
    "msis29-physical": {
        "en": "In the past two weeks, how much has your condition limited your physical abilities? (0 not at all, 100 extremely)",
        "zh-hans": "在过去两周里，您的病情在多大程度上限制了您的身体活动能力？（0 完全没有，100 极其严重）",
        "ar": "خلال الأسبوعين الماضيين، إلى أي مدى حدّت حالتك من قدراتك الجسدية؟ (0 إطلاقًا، 100 بشدة بالغة)",
    },
    "mfis5": {
        "en": "In the past four weeks, how much has fatigue affected you? (0 never, 20 almost always)",
        "zh-hans": "在过去四周里，疲劳对您的影响有多大？（0 从不，20 几乎总是）",
        "ar": "خلال الأسابيع الأربعة الماضية، إلى أي مدى أثّر فيك التعب؟ (0 أبدًا، 20 دائمًا تقريبًا)",
    },
}
SCHEDULE = (1, 3, 6, 12, 24, 36)


def ensure_measures() -> list[ReportedMeasure]:
    out = []
    for code, name, low, high, better in MEASURES:
        measure, _ = ReportedMeasure.objects.get_or_create(
            code=code, defaults={"name": name, "low": low, "high": high, "higher_is_better": better, "wording": WORDING.get(code, {})}
        )
        out.append(measure)
    return out


def cohort_loaded() -> bool:
    return Case.objects.filter(patient__full_name=NAMES[0][0]).exists()


def load_outcomes_demo(
    staff: dict[str, User], *, patients: int = 36, seed: int = 2026, progress: Callable[[int, int], None] | None = None
) -> int:
    """Load the cohort (idempotent: does nothing if its first patient exists). Returns how many cases were added.

    ``progress(done, total)`` is called after each patient.
    """
    if cohort_loaded():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    # Adverse events draw from their own stream, so the cohort's measures stay what they were before events existed.
    events_rng = random.Random(seed + 1)  # noqa: S311 - demo data, not secrets
    ensure_measures()
    today = clinic_today()
    chosen = NAMES[:patients]
    total = len(chosen) + 1
    for done, (name, country) in enumerate(chosen, start=1):
        with transaction.atomic():
            _patient(staff, rng, name, country, today, events_rng)
        if progress:
            progress(done, total)
    with transaction.atomic():
        case = _treated(staff, OPEN_PATIENT[0], OPEN_PATIENT[1], months_before(today, 13))
        _record(staff, rng, case, case.first_therapy_day or today, _Profile(rng, kind="improver"), only_baseline=True)
    if progress:
        progress(total, total)
    return total


class _Profile:
    """A patient's scores at baseline and how they move after treatment."""

    def __init__(self, rng: random.Random, kind: str | None = None) -> None:
        self.kind = kind or rng.choices(["improver", "stable", "worsener"], weights=[30, 48, 22])[0]
        self.fs = {
            "visual": rng.choice([0, 0, 1, 1, 2]),
            "brainstem": rng.choice([0, 1, 1, 2]),
            "pyramidal": rng.choice([2, 2, 3, 3, 4]),
            "cerebellar": rng.choice([1, 2, 2, 3]),
            "sensory": rng.choice([1, 2, 2, 3]),
            "bowel_bladder": rng.choice([0, 1, 2, 2]),
            "cerebral": rng.choice([0, 1, 1, 2]),
            "ambulation": rng.choice([0, 1, 2, 3, 4, 5, 6]),
        }
        self.change_month = rng.choice([3, 6, 6, 12])
        self.relapse_rate = rng.choice([0.0, 0.1, 0.2, 0.4])


def _patient(staff: dict[str, User], rng: random.Random, name: str, country: str, today: dt.date, events_rng: random.Random) -> None:
    treated_on = today - dt.timedelta(days=rng.randint(400, 1100))
    case = _treated(staff, name, country, treated_on)
    profile = _Profile(rng)
    stops_after = rng.choices([None, 6, 12], weights=[82, 9, 9])[0]
    _record(staff, rng, case, treated_on, profile, stops_after=stops_after)
    _adverse_events(staff, events_rng, case, treated_on)
    if stops_after and rng.random() < 0.4:
        cases.end_case(case=case, to=Stage.WITHDRAWN, by=staff["carla"], reason="No reply to calls or emails since the last visit")


def _treated(staff: dict[str, User], name: str, country: str, treated_on: dt.date) -> Case:
    """Walk a new case to follow-up today, then move its treatment to `treated_on` (demo only)."""
    email = name.lower().replace(" ", ".") + "@example.com"
    case = walk(new_case(staff, name=name, country=country, email=email), Stage.FOLLOW_UP, staff)
    TreatmentSession.objects.filter(case=case).update(day=treated_on)
    Case.objects.filter(pk=case.pk).update(arrival_date=treated_on - dt.timedelta(days=1), first_therapy_day=treated_on)
    for a in FollowUpAssessment.objects.filter(case=case):
        FollowUpAssessment.objects.filter(pk=a.pk).update(due_on=months_before(treated_on, -a.months_after))
    return Case.objects.get(pk=case.pk)


# What the published wjMSC series report after intravenous and intrathecal doses, roughly as often: mostly mild and
# transient, the puncture's headache the commonest; now and then a severe one, rarely serious.
DEMO_EVENTS = [
    # weight, term, description, grade, seriousness, related to cells, to procedure, action, days after therapy
    (14, "Headache", "Post-puncture headache, worse upright; rest and paracetamol.", 1, [], "unlikely", "probable", "medication", 0),
    (10, "Fever", "38.1 °C a few hours after the infusion; paracetamol given.", 1, [], "possible", "unlikely", "medication", 0),
    (5, "Back pain", "Pain at the puncture site for two days.", 2, [], "unrelated", "definite", "medication", 1),
    (3, "Fatigue", "Tired for a week after treatment.", 1, [], "possible", "unlikely", "none", 2),
    (5, "Upper respiratory tract infection", "A cold caught on the flight home.", 1, [], "unrelated", "unrelated", "none", 4),
    (2, "Headache", "Severe post-puncture headache needing an epidural blood patch.", 3, [], "unlikely", "definite", "medication", 1),
    (1, "Aseptic meningitis", "Fever and neck stiffness the day after the intrathecal dose; admitted, cultures negative.", 3,
     ["hospitalisation"], "possible", "probable", "hospitalised", 1),
    (60, "", "", 0, [], "", "", "", 0),  # no event
]  # fmt: skip


def _adverse_events(staff: dict[str, User], rng: random.Random, case: Case, treated_on: dt.date) -> None:
    """Record a demo patient's adverse event (or none) through the service, then move it to the therapy days (demo only)."""
    weight, term, description, grade, serious, cells, procedure, action, after = rng.choices(DEMO_EVENTS, [e[0] for e in DEMO_EVENTS])[0]
    if not term:
        return
    event = treatment.record_adverse_event(
        case=case, by=staff["nina"], onset_on=clinic_today(), term=term, description=description, grade=grade,
        serious_criteria=serious, related_to_cells=cells, related_to_procedure=procedure, action=action, outcome="recovering",
    )  # fmt: skip
    onset = treated_on + dt.timedelta(days=after)
    AdverseEvent.objects.filter(pk=event.pk).update(onset_on=onset, outcome="recovered", resolved_on=onset + dt.timedelta(days=3))


def _record(
    staff: dict[str, User],
    rng: random.Random,
    case: Case,
    treated_on: dt.date,
    profile: _Profile,
    *,
    stops_after: int | None = None,
    only_baseline: bool = False,
) -> None:
    nurse, today = staff["nina"], clinic_today()
    fs = dict(profile.fs)
    _visit(nurse, rng, case, treated_on, fs, None)
    _mri(staff, rng, case, treated_on - dt.timedelta(days=rng.randint(20, 60)), active=rng.random() < 0.5)
    if only_baseline:
        return
    for months in SCHEDULE:
        seen_on = months_before(treated_on, -months) + dt.timedelta(days=rng.randint(-10, 10))
        if seen_on > today or (stops_after is not None and months > stops_after):
            break
        _relapses(staff, rng, case, seen_on, profile)
        if months == profile.change_month:
            _change(fs, profile.kind, rng)
        shown = _noisy(fs, rng)
        assessment = FollowUpAssessment.objects.filter(case=case, months_after=months, completed_at__isnull=True).first()
        _visit(nurse, rng, case, seen_on, shown, assessment)
        if months in (12, 24, 36) and rng.random() < 0.75:
            _mri(
                staff,
                rng,
                case,
                seen_on + dt.timedelta(days=rng.randint(1, 14)),
                active=rng.random() < (0.35 if profile.kind == "worsener" else 0.12),
            )


def _change(fs: dict[str, int], kind: str, rng: random.Random) -> None:
    if kind == "improver":
        fs["pyramidal"] = max(0, fs["pyramidal"] - 1)
        fs["ambulation"] = max(0, fs["ambulation"] - rng.choice([1, 2]))
        fs["cerebellar"] = max(0, fs["cerebellar"] - 1)
        fs["sensory"] = max(0, fs["sensory"] - 1)
    elif kind == "worsener":
        fs["pyramidal"] = min(5, fs["pyramidal"] + 1)
        fs["cerebellar"] = min(5, fs["cerebellar"] + 1)
        fs["ambulation"] = min(10, fs["ambulation"] + rng.choice([2, 3, 4]))


def _noisy(fs: dict[str, int], rng: random.Random) -> dict[str, int]:
    """Examiners differ by a step now and then."""
    shown = dict(fs)
    if rng.random() < 0.3:
        name = rng.choice(["sensory", "cerebellar", "brainstem"])
        shown[name] = max(0, min(5, shown[name] + rng.choice([-1, 1])))
    return shown


def _visit(
    nurse: User, rng: random.Random, case: Case, seen_on: dt.date, fs: dict[str, int], assessment: FollowUpAssessment | None
) -> None:
    edss = float(services.computed_edss(fs)[0] or 0)
    walk_s = 4.6 + 0.9 * max(0.0, edss - 2.0) ** 1.5 + rng.gauss(0, 0.4)
    hand = 19.0 + 1.8 * edss
    services.record_visit(
        case=case,
        by=nurse,
        seen_on=seen_on,
        scores=fs,
        t25fw_seconds=Decimal(f"{max(3.5, walk_s):.1f}"),
        nhpt_right_seconds=Decimal(f"{max(15.0, hand + rng.gauss(0, 1.5)):.1f}"),
        nhpt_left_seconds=Decimal(f"{max(15.0, hand + 1.5 + rng.gauss(0, 1.5)):.1f}"),
        reported={"msis29-physical": Decimal(round(min(100, max(0, 8 * edss + rng.gauss(0, 6))))), "mfis5": Decimal(rng.randint(4, 16))},
        assessment=assessment,
    )


def _relapses(staff: dict[str, User], rng: random.Random, case: Case, before: dt.date, profile: _Profile) -> None:
    if rng.random() < profile.relapse_rate / 2:
        onset = before - dt.timedelta(days=rng.randint(40, 80))
        if not case.relapses.filter(onset_on=onset).exists():
            services.record_relapse(
                case=case, by=staff["nina"], onset_on=onset, severity=rng.choice(["mild", "mild", "moderate"]), treated=rng.random() < 0.5
            )


def _mri(staff: dict[str, User], rng: random.Random, case: Case, scanned_on: dt.date, *, active: bool) -> None:
    if scanned_on > clinic_today() or case.mri_scans.filter(scanned_on=scanned_on).exists():
        return
    services.record_mri(
        case=case,
        by=staff["sofia"],
        scanned_on=scanned_on,
        new_t2_lesions=rng.choice([1, 1, 2, 3]) if active else 0,
        gad_lesions=rng.choice([0, 1, 1]) if active else 0,
    )
