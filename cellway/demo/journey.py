"""Walk a case through the journey by calling the real services, as staff would.

Used by the demo data, the tests and the benchmarks, so all three exercise the
same rules as the console does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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
from cellway.treatment import services as treatment

ORDER = list(MAIN_PATH)

PLAN = dict(
    cell_dose=100_000_000,
    iv_infusions=2,
    it_infusions=1,
    supplementary_infusions=2,
    physiotherapy_sessions=5,
    occupational_sessions=3,
    speech_sessions=0,
    rehab_sessions=2,
    hospital_room_days=2,
    treatment_days=5,
    stay_nights=8,
    package_tier="inclusive",
    schedule="Day 1: IV infusion, physiotherapy. Day 2: intrathecal infusion, hospital room. Day 3: rest, room. "
    "Day 4: IV infusion, occupational therapy. Day 5: rehabilitative medicine, review.",
)


def ensure_price_list(admin: User) -> PriceList:
    return PriceList.objects.filter(active=True).first() or billing.publish_price_list(by=admin, currency="EUR", prices=PRICES)


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


def _step(case: Case, staff: dict[str, User], arrival: dt.date | None) -> Case:
    today = clinic_today()
    stage = Stage(case.stage)
    specialist = case.specialist or staff["sofia"]
    if stage == Stage.INQUIRY:
        for item in case.record_items.all():
            if item.required:
                records.set_item_status(item=item, status=ItemStatus.RECEIVED, by=staff["liam"], note="received by email")
        return records.mark_records_complete(case=case, by=staff["liam"])
    if stage == Stage.TRIAGE:
        return cases.assign_case(case=case, specialist=staff["sofia"], by=staff["liam"], reason="MS expertise; lightest load")
    if stage == Stage.REVIEW:
        plan = plans.save_plan(case=case, by=specialist, **PLAN)
        plans.sign_plan(plan=plan, by=specialist, password=DEMO_PASSWORD)
        return case
    if stage == Stage.QUOTED:
        billing.accept_quote(quote=case.quotes.get(status="issued"), by=staff["carla"], note="Accepted by email")
        return case
    if stage == Stage.ACCEPTED:
        result = plans.record_screening(
            case=case,
            by=staff["carla"],
            sample_date=today - dt.timedelta(days=10),
            markers="CEA 1.1 ng/mL; CA 15-3 12 U/mL; CA 125 9 U/mL",
            laboratory="Lab Lisboa",
        )
        plans.judge_screening(
            result=result, by=specialist, verdict="satisfactory", reason="All markers within range", password=DEMO_PASSWORD
        )
        return case
    if stage == Stage.CLEARED:
        day = arrival or today + dt.timedelta(days=21)
        return travel.schedule_case(case=case, by=staff["lena"], arrival_date=day, first_therapy_day=day + dt.timedelta(days=1))
    if stage == Stage.SCHEDULED:
        quote = billing_selectors.accepted_quote(case)
        assert quote is not None
        billing.record_payment(
            case=case, by=staff["fiona"], amount=quote.deposit, method="transfer", reference=f"DEP-{case.code}", received_on=today
        )
        for task in case.logistics_tasks.filter(status=TaskStatus.PENDING):
            travel.confirm_task(task=task, by=staff["lena"], details=f"{task.get_kind_display()} booked")
        return case
    if stage == Stage.DEPOSIT_PAID:
        balance = billing_selectors.account(case).outstanding
        billing.record_payment(
            case=case, by=staff["fiona"], amount=balance, method="transfer", reference=f"BAL-{case.code}", received_on=today
        )
        return case
    if stage == Stage.PAID:
        return travel.mark_arrived(case=case, by=staff["lena"])
    if stage == Stage.ARRIVED:
        day = min(today, max(case.first_therapy_day or today, case.arrival_date or today))
        treatment.log_session(case=case, by=staff["nina"], kind="iv", day=day, given="50 million wjMSCs IV")
        return case
    if stage == Stage.IN_TREATMENT:
        return treatment.complete_treatment(case=case, by=specialist)
    if stage == Stage.TREATED:
        treatment.issue_protocol(case=case, by=specialist, password=DEMO_PASSWORD, instructions=PROTOCOL)
        return case
    raise ValueError(f"No step from {stage}")


PROTOCOL = """For the next 4 weeks: no heavy lifting, no sauna or hot baths, no alcohol for 2 weeks.
Keep the home exercise programme: 30 minutes of walking and the stretching sheet daily.
Continue your current medication unless your neurologist advises otherwise.
Call the clinic at once for fever above 38 °C, severe headache, or new weakness.
Follow-up assessments: 1, 3, 6 and 12 months after treatment (dates in your portal)."""

ZERO = Decimal(0)
