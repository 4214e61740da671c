"""Demo cell lots, received and tested through the real services (demo data, tests, browser tests)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from cellway.accounts.models import User
from cellway.cells import services as cells
from cellway.cells.models import Lot, Product
from cellway.cells.products import DEFAULT_PRODUCT
from cellway.cells.release import Kind
from cellway.clinic import clinic_today
from cellway.demo.staff import DEMO_PASSWORD

LOT = {
    "donor_id": "UC-2026-0142",
    "consent_on_file": True,
    "donor_eligible": True,
    "processing": "Cord received and dissected; explant culture P0 started. P1 expansion. P2 harvest, formulated and cryopreserved.",
    "passage": 2,
    "cells_per_vial": 50_000_000,
    "vial_count": 6,
    "vial_volume_ml": Decimal("10.00"),
    "storage_location": "LN2 tank 2, rack B, box 4",
    "storage_temperature_c": Decimal("-180.0"),
}


def product() -> Product:
    return Product.objects.get(code=DEFAULT_PRODUCT)


def receive(by: User, **overrides: object) -> Lot:
    fields: dict[str, object] = {
        **LOT,
        "collection_date": clinic_today() - dt.timedelta(days=40),
        "expires_at": timezone.now() + dt.timedelta(days=180),
        **overrides,
    }
    return cells.receive_lot(by=by, product=product(), **fields)


def record_passing_results(lot: Lot, by: User, *, endotoxin: Decimal = Decimal("0.2"), skip: tuple[str, ...] = ()) -> None:
    """A result within specification for every test (endotoxin as given, in EU/mL)."""
    for criterion in lot.product.criteria.all():
        if criterion.code in skip:
            continue
        c = criterion.as_criterion()
        if c.kind == Kind.EXPECTED:
            cells.record_result(
                lot=lot, by=by, code=c.code, text=c.expected, method="as per SOP", measured_by=str(by), measured_on=clinic_today()
            )
            continue
        value = endotoxin if c.code == "endotoxin" else (Decimal("98.5") if c.kind == Kind.AT_LEAST else Decimal("0.4"))
        cells.record_result(
            lot=lot,
            by=by,
            code=c.code,
            value=value,
            unit=c.unit,
            method="flow cytometry" if c.unit == "%" else "kinetic LAL",
            measured_by=str(by),
            measured_on=clinic_today(),
        )


def released_lot(tester: User, releaser: User, **overrides: object) -> Lot:
    lot = receive(tester, **overrides)
    record_passing_results(lot, tester)
    return cells.release_lot(lot=lot, by=releaser, password=DEMO_PASSWORD)
