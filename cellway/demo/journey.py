"""Walk a case through the journey by calling the real services, as staff would.

Used by the demo data, the tests and the benchmarks, so all three exercise the
same rules as the console does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from cellway.accounts.models import User
from cellway.billing import selectors as billing_selectors
from cellway.billing import services as billing
from cellway.billing.models import PriceList
from cellway.cases import services as cases
from cellway.cases.models import Case, Condition
from cellway.cases.stages import MAIN_PATH, Stage
from cellway.clinic import clinic_today
from cellway.demo.staff import DEMO_PASSWORD, PRICES
from cellway.plans import services as plans
from cellway.records import services as records
from cellway.records.models import ItemStatus
from cellway.travel import services as travel
from cellway.travel.models import TaskStatus
from cellway.treatment import plan_items
from cellway.treatment import selectors as treatment_selectors
from cellway.treatment import services as treatment
from cellway.treatment.models import ConsentDocument, Therapy

ORDER = list(MAIN_PATH)

PLAN = {
    "cell_dose": 100_000_000,
    "iv_infusions": 2,
    "it_infusions": 1,
    "supplementary_infusions": 2,
    "physiotherapy_sessions": 5,
    "occupational_sessions": 3,
    "speech_sessions": 0,
    "rehab_sessions": 2,
    "hospital_room_days": 2,
    "treatment_days": 5,
    "stay_nights": 8,
    "package_tier": "inclusive",
    "schedule": "Day 1: IV infusion, physiotherapy. Day 2: intrathecal infusion, hospital room. Day 3: rest, room. "
    "Day 4: IV infusion, occupational therapy. Day 5: rehabilitative medicine, review.",
}


def ensure_price_list(admin: User) -> PriceList:
    return billing_selectors.price_list_on(clinic_today()) or billing.publish_price_list(by=admin, currency="EUR", prices=PRICES)


def new_case(staff: dict[str, User], *, name: str = "Ana Silva", country: str = "Portugal", email: str = "ana.silva@example.com") -> Case:
    inquiry = cases.record_inquiry(
        by=staff["carla"],
        full_name=name,
        country=country,
        language="Portuguese",
        email=email,
        condition=Condition.objects.get(code="ms"),
        source="website",
        message="Relapsing-remitting MS since 2019, EDSS 4.0. MRI and blood tests attached.",
    )
    return cases.open_case(inquiry=inquiry, by=staff["carla"])


def walk(case: Case, to: Stage, staff: dict[str, User], *, arrival: dt.date | None = None) -> Case:
    """Advance `case` step by step until it reaches `to` (a stage on the main path)."""
    ensure_price_list(staff["adam"])
    target = ORDER.index(to)
    if arrival is None and target > ORDER.index(Stage.PAID):
        # Sessions cannot be logged for days to come: a case walked into
        # treatment arrives today.
        arrival = clinic_today()
    case = Case.objects.get(pk=case.pk)
    while ORDER.index(Stage(case.stage)) < target:
        _step(case, staff, arrival)
        case = Case.objects.get(pk=case.pk)
    return case


# Each step takes a case from one stage of the main path to the next, as the staff member who does it would.
Staff = dict[str, User]


def _specialist(case: Case, staff: Staff) -> User:
    return case.specialist or staff["sofia"]


def _collect_records(case: Case, staff: Staff, arrival: dt.date | None) -> None:
    for item in case.record_items.all():
        if item.required:
            records.set_item_status(item=item, status=ItemStatus.RECEIVED, by=staff["liam"], note="received by email")
    records.mark_records_complete(case=case, by=staff["liam"])


def _assign(case: Case, staff: Staff, arrival: dt.date | None) -> None:
    cases.assign_case(case=case, specialist=staff["sofia"], by=staff["liam"], reason="MS expertise; lightest load")


def _write_and_sign_plan(case: Case, staff: Staff, arrival: dt.date | None) -> None:
    specialist = _specialist(case, staff)
    plan = plans.save_plan(case=case, by=specialist, **PLAN)
    plans.sign_plan(plan=plan, by=specialist, password=DEMO_PASSWORD)


def _accept_quote(case: Case, staff: Staff, arrival: dt.date | None) -> None:
    billing.accept_quote(quote=case.quotes.get(status="issued"), by=staff["carla"], note="Accepted by email")


def _clear_screening(case: Case, staff: Staff, arrival: dt.date | None) -> None:
    result = plans.record_screening(
        case=case,
        by=staff["carla"],
        sample_date=clinic_today() - dt.timedelta(days=10),
        markers="CEA 1.1 ng/mL; CA 15-3 12 U/mL; CA 125 9 U/mL",
        laboratory="Lab Lisboa",
    )
    plans.judge_screening(
        result=result, by=_specialist(case, staff), verdict="satisfactory", reason="All markers within range", password=DEMO_PASSWORD
    )


def _schedule(case: Case, staff: Staff, arrival: dt.date | None) -> None:
    day = arrival or clinic_today() + dt.timedelta(days=21)
    travel.schedule_case(case=case, by=staff["lena"], arrival_date=day, first_therapy_day=day + dt.timedelta(days=1))


def bank_proof(reference: str) -> SimpleUploadedFile:
    """A stand-in for the bank's statement line of a transfer (a one-line PDF), as finance would attach it."""
    content = b"%PDF-1.4\n% Statement line: credit transfer " + reference.encode() + b"\n%%EOF\n"
    return SimpleUploadedFile(f"statement-{reference}.pdf", content, "application/pdf")


def _pay_deposit_and_book(case: Case, staff: Staff, arrival: dt.date | None) -> None:
    quote = billing_selectors.accepted_quote(case)
    assert quote is not None
    billing.record_payment(
        case=case,
        by=staff["fiona"],
        amount=quote.deposit,
        method="transfer",
        reference=f"DEP-{case.code}",
        received_on=clinic_today(),
        proof=bank_proof(f"DEP-{case.code}"),
    )
    for task in case.logistics_tasks.filter(status=TaskStatus.PENDING):
        travel.confirm_task(task=task, by=staff["lena"], details=f"{task.get_kind_display()} booked")


def _pay_balance(case: Case, staff: Staff, arrival: dt.date | None) -> None:
    balance = billing_selectors.account(case).outstanding
    billing.record_payment(
        case=case,
        by=staff["fiona"],
        amount=balance,
        method="transfer",
        reference=f"BAL-{case.code}",
        received_on=clinic_today(),
        proof=bank_proof(f"BAL-{case.code}"),
    )


def _arrive(case: Case, staff: Staff, arrival: dt.date | None) -> None:
    travel.mark_arrived(case=case, by=staff["lena"])


def ensure_consent_documents() -> None:
    """The demo clinic's consent forms: each therapy in English and Portuguese, version 1 (the administrator keeps them)."""
    for therapy in Therapy:
        for language in ("English", "Portuguese"):
            ConsentDocument.objects.get_or_create(
                therapy=therapy,
                language=language,
                version=1,
                defaults={
                    "title": f"Informed consent: {therapy.label}",
                    "text": CONSENT_TEXT.format(therapy=therapy.label),
                    "effective_from": dt.date(2026, 1, 1),
                },
            )


def give_consent(case: Case, staff: Staff) -> None:
    """The nurse records the patient's signed consent to every planned therapy, scanned, in the patient's language."""
    ensure_consent_documents()
    case = Case.objects.select_related("patient").get(pk=case.pk)
    for therapy in treatment_selectors.therapies_planned(case):
        document = ConsentDocument.objects.filter(therapy=therapy, language=case.patient.language, retired=False).first()
        assert document is not None, f"No consent form for {therapy} in {case.patient.language}"
        scan = SimpleUploadedFile(f"consent-{therapy}.pdf", b"%PDF-1.4\n" + f"Signed consent {case.code} {therapy}".encode() * 8)
        treatment.record_consent(
            case=case, by=staff["nina"], document=document, signed_on=clinic_today(), taken_by=_specialist(case, staff), scan=scan
        )


def _log_first_session(case: Case, staff: Staff, arrival: dt.date | None) -> None:
    if not case.consents.exists():
        give_consent(case, staff)
    today = clinic_today()
    day = min(today, max(case.first_therapy_day or today, case.arrival_date or today))
    treatment.log_session(case=case, by=staff["nina"], kind="iv", day=day, given="50 million wjMSCs IV")


def _complete_treatment(case: Case, staff: Staff, arrival: dt.date | None) -> None:
    """The rest of the plan is given on the first session's day, then the specialist completes treatment."""
    day = treatment_selectors.last_session_day(case) or clinic_today()
    for item in plan_items.to_do(treatment_selectors.planned_items(case)):
        given = GIVEN.get(item.kind, "45 minutes")
        treatment.log_session(case=case, by=staff["nina"], kind=item.kind, day=day, given=given, number=item.number)
    treatment.complete_treatment(case=case, by=_specialist(case, staff))


def _issue_protocol(case: Case, staff: Staff, arrival: dt.date | None) -> None:
    treatment.issue_protocol(case=case, by=_specialist(case, staff), password=DEMO_PASSWORD, instructions=PROTOCOL)


STEPS: dict[Stage, Callable[[Case, Staff, dt.date | None], None]] = {
    Stage.INQUIRY: _collect_records,
    Stage.TRIAGE: _assign,
    Stage.REVIEW: _write_and_sign_plan,
    Stage.QUOTED: _accept_quote,
    Stage.ACCEPTED: _clear_screening,
    Stage.CLEARED: _schedule,
    Stage.SCHEDULED: _pay_deposit_and_book,
    Stage.DEPOSIT_PAID: _pay_balance,
    Stage.PAID: _arrive,
    Stage.ARRIVED: _log_first_session,
    Stage.IN_TREATMENT: _complete_treatment,
    Stage.TREATED: _issue_protocol,
}


def _step(case: Case, staff: Staff, arrival: dt.date | None) -> None:
    stage = Stage(case.stage)
    if stage not in STEPS:
        raise ValueError(f"No step from {stage}")
    STEPS[stage](case, staff, arrival)


PROTOCOL = """For the next 4 weeks: no heavy lifting, no sauna or hot baths, no alcohol for 2 weeks.
Keep the home exercise programme: 30 minutes of walking and the stretching sheet daily.
Continue your current medication unless your neurologist advises otherwise.
Call the clinic at once for fever above 38 °C, severe headache, or new weakness.
Follow-up assessments: 1, 3, 6 and 12 months after treatment (dates in your portal)."""

GIVEN = {
    "iv": "50 million wjMSCs IV",
    "it": "50 million wjMSCs intrathecal",
    "supplementary": "Vitamin and saline infusion, 500 mL",
    "physio": "45 minutes gait and balance training",
}

CONSENT_TEXT = """You are invited to receive {therapy}. It is investigational: its benefit for your condition is not proven.
Risks: fever, headache, infection at the puncture or infusion site, allergic reaction; unknown long-term effects.
Alternatives: the treatments your neurologist offers, or no treatment.
You may withdraw your consent at any time, without giving a reason and without losing your other care."""

ZERO = Decimal(0)
