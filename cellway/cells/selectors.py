"""Reads of cell lots: the laboratory's queues, a lot with its whole chain, a case's planned infusions and vials."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.cells import isbt128, release
from cellway.cells.models import ChainOfIdentity, Lot, LotEvent, LotStatus, Route, TestResult, Vial, VialStatus
from cellway.clinic import clinic_zone
from cellway.errors import NotAllowed

if TYPE_CHECKING:
    from cellway.cells.documents import Certificate, VialLabel
from cellway.plans.models import PlanStatus

VIEW_LOTS = "cells.view_lots"


def require_view(user: User) -> None:
    if not user.has_perm(VIEW_LOTS):
        raise NotAllowed("Your role does not see cell lots.")


def get_lot(user: User, uuid: str | UUID) -> Lot:
    """The lot `uuid` for someone who sees lots (else 403); 404 if there is none."""
    require_view(user)
    try:
        return Lot.objects.select_related("product", "received_by", "released_by", "signature").get(uuid=uuid)
    except (Lot.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such lot.") from None


RESULTS_ORDER = ("code", "-recorded_at", "-id")


def latest_results(lot: Lot, results: Iterable[TestResult] | None = None) -> dict[str, TestResult]:
    """The result that counts for each test: the latest recorded. `results`: the lot's, already read in RESULTS_ORDER."""
    rows = results if results is not None else lot.results.select_related("recorded_by").order_by(*RESULTS_ORDER)
    latest: dict[str, TestResult] = {}
    for result in rows:
        latest.setdefault(result.code, result)
    return latest


def judgement(lot: Lot, results: Iterable[TestResult] | None = None) -> release.Judgement:
    return release.judge(lot.product.specification(), {code: r.as_result() for code, r in latest_results(lot, results).items()})


def history(lot: Lot) -> QuerySet[LotEvent]:
    return lot.events.select_related("actor", "vial").order_by("-at", "-id")


def vials(lot: Lot) -> list[Vial]:
    return list(lot.vials.select_related("case", "holder"))


@dataclass(frozen=True)
class Queues:
    to_test: list[Lot]
    to_release: list[Lot]
    expiring: list[Lot]
    on_hold: list[Lot]


def queues(user: User) -> Queues:
    """The laboratory's queues: quarantined lots still missing results, ready for a second person to release, expiring, on hold."""
    require_view(user)
    # Every quarantined lot is judged: its results and its product's specification read for all of them at once.
    ordered = Prefetch("results", queryset=TestResult.objects.select_related("recorded_by").order_by(*RESULTS_ORDER), to_attr="ordered")
    quarantined = list(
        Lot.objects.filter(status=LotStatus.QUARANTINE)
        .select_related("product")
        .prefetch_related("product__criteria", ordered)
        .order_by("expires_at")
    )
    ready: list[Lot] = []
    testing: list[Lot] = []
    for lot in quarantined:
        judged = judgement(lot, lot.ordered)
        (ready if judged.releasable or judged.failed else testing).append(lot)
    soon = timezone.now() + dt.timedelta(days=settings.CELLS_EXPIRING_DAYS)
    expiring = list(Lot.objects.filter(status=LotStatus.RELEASED, expires_at__lte=soon).select_related("product").order_by("expires_at"))
    on_hold = list(Lot.objects.filter(status=LotStatus.ON_HOLD).select_related("product").order_by("expires_at"))
    return Queues(to_test=testing, to_release=ready, expiring=expiring, on_hold=on_hold)


@dataclass(frozen=True)
class PlannedInfusion:
    """One cell infusion of a signed plan: route, which one of that route's, and its share of the cell dose."""

    route: str
    number: int
    of: int
    cells: int

    @property
    def label(self) -> str:
        return f"{Route(self.route).label} {self.number} of {self.of}"

    @property
    def key(self) -> str:
        return f"{self.route}-{self.number}"


def planned_infusions(case: Case) -> list[PlannedInfusion]:
    """The cell infusions of the case's signed plan (none without one); the dose is shared equally between them."""
    plan = case.plans.filter(status=PlanStatus.SIGNED).first()
    if plan is None or plan.infusions == 0:
        return []
    cells = plan.cell_dose // plan.infusions
    return [
        PlannedInfusion(route, n, count, cells)
        for route, count in ((Route.IV.value, plan.iv_infusions), (Route.IT.value, plan.it_infusions))
        for n in range(1, count + 1)
    ]


def case_vials(case: Case) -> list[Vial]:
    return list(
        Vial.objects.filter(case=case)
        .select_related("lot", "lot__product", "holder", "case__chain_of_identity")
        .order_by("route", "infusion", "lot", "number")
    )


def chain_of(case: Case) -> ChainOfIdentity | None:
    return ChainOfIdentity.objects.filter(case=case).first()


def allocatable_cases(user: User) -> QuerySet[Case]:
    """Cases with a signed plan, for the laboratory's allocation form."""
    require_view(user)
    return Case.objects.filter(plans__status=PlanStatus.SIGNED).select_related("patient").distinct().order_by("code")


def label_for(vial: Vial) -> VialLabel:
    """The label of `vial`: patient-specific (Chain of Identity, name, infusion) once it is allocated."""
    from cellway.cells.documents import VialLabel  # ReportLab loads Pillow: not at start-up

    lot = vial.lot
    local = timezone.localtime(lot.expires_at, clinic_zone())
    product_code = settings.ISBT128_PRODUCT_CODE or isbt128.LOCAL_PRODUCT
    coi = chain_of(vial.case) if vial.case else None
    infusion = f"{Route(vial.route).label} {vial.infusion}" if vial.route else ""
    return VialLabel(
        clinic=settings.CLINIC_NAME,
        product_name=lot.product.name,
        din=lot.din_value,
        product=isbt128.ProductCode(product_code, "0", vial.division),
        local_codes=not (settings.ISBT128_FACILITY and settings.ISBT128_PRODUCT_CODE),
        vial=vial.number,
        vials=lot.vial_count,
        cells_per_vial=lot.cells_per_vial,
        volume_ml=format(lot.vial_volume_ml.normalize(), "f"),
        storage=f"{lot.product.storage_min_c} to {lot.product.storage_max_c} °C",
        expires_local=local.replace(tzinfo=None),
        expires_zone=local.tzname() or settings.CLINIC_TIME_ZONE,
        expires_utc=lot.expires_at.astimezone(dt.UTC),
        patient=vial.case.patient.full_name if vial.case else "",
        case_code=vial.case.code if vial.case else "",
        coi=coi.value if coi else None,
        infusion=infusion,
    )


def certificate_for(lot: Lot) -> Certificate | None:
    """The lot's Certificate of Analysis, once it is released (None before)."""
    from cellway.cells.documents import Certificate, CoaLine  # ReportLab loads Pillow: not at start-up

    if lot.signature is None or lot.released_by is None or lot.released_at is None or lot.status == LotStatus.REJECTED:
        return None
    latest = latest_results(lot)
    lines = []
    for line in judgement(lot).lines:
        result = latest.get(line.criterion.code)
        lines.append(
            CoaLine(
                test=line.criterion.name,
                specification=line.criterion.shown,
                result=line.result.shown if line.result else "",
                method=result.method if result else "",
                measured=f"{result.measured_by}, {result.measured_on:%d %b %Y}" if result else "",
                verdict="within" if line.status == release.Status.WITHIN else line.status.value,
            )
        )
    return Certificate(
        clinic=settings.CLINIC_NAME,
        product_name=lot.product.name,
        din=lot.din_value.eye_readable,
        donor=lot.donor_id,
        collection_date=f"{lot.collection_date:%d %b %Y}",
        passage=lot.passage,
        cells_per_vial=lot.cells_per_vial,
        vials=lot.vial_count,
        expires=f"{timezone.localtime(lot.expires_at, clinic_zone()):%d %b %Y %H:%M %Z}",
        lines=lines,
        released_by=str(lot.released_by),
        released_at=f"{timezone.localtime(lot.released_at, clinic_zone()):%d %b %Y %H:%M %Z}",
        meaning=lot.signature.meaning,
        digest=lot.signature.digest,
    )


def lots_given(case: Case) -> list[Lot]:
    """The lots whose vials this patient received (their CoAs go with the patient's documents)."""
    return list(Lot.objects.filter(vials__case=case, vials__status=VialStatus.ADMINISTERED).select_related("product").distinct())
