"""The clinic's cell product, present in every database with its default specification.

Created by a migration and again after every migrate or flush (post_migrate),
like the conditions (cellway/cases/conditions.py), so a fresh database, an old
one and a test database flushed between transactional tests all have it. A
specification the laboratory has changed is left as it is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.apps import apps as global_apps

from cellway.cells.release import DEFAULT_SPECIFICATION

DEFAULT_PRODUCT = "wjmsc-p2"


def ensure_products(apps: Any = global_apps) -> None:
    Product = apps.get_model("cells", "Product")
    SpecCriterion = apps.get_model("cells", "SpecCriterion")
    # Cryopreserved in liquid-nitrogen vapour; handed over thawed and formulated, cold (2 to 8 °C).
    product, _ = Product.objects.get_or_create(
        code=DEFAULT_PRODUCT,
        defaults={
            "name": "Wharton's-jelly MSCs, Passage 2",
            "storage_min_c": Decimal("-196"),
            "storage_max_c": Decimal("-150"),
            "transport_min_c": Decimal("2"),
            "transport_max_c": Decimal("8"),
        },
    )
    if not SpecCriterion.objects.filter(product=product).exists():
        SpecCriterion.objects.bulk_create(
            SpecCriterion(
                product=product,
                position=n,
                code=c.code,
                name=c.name,
                kind=c.kind.value,
                unit=c.unit,
                limit=c.limit,
                expected=c.expected,
                bound=c.bound,
            )
            for n, c in enumerate(DEFAULT_SPECIFICATION, start=1)
        )


def ensure_products_after_migrate(sender: Any, app_config: Any = None, **kwargs: Any) -> None:
    if app_config is not None and app_config.label == "cells":
        ensure_products(kwargs.get("apps") or global_apps)
