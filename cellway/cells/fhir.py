"""A vial as a FHIR R4B BiologicallyDerivedProduct (`fhir.resources.R4B` validates the structure).

Keyed by the DIN with the vial's division, and, once allocated, the Chain of
Identity of the patient's therapy. No registered FHIR identifier system for
ISBT 128 DINs could be verified, so both identifiers use Cellway's own
systems (`DIN_SYSTEM`, `COI_SYSTEM`), said so here; the values are the ISBT
128 data themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from cellway.cells import isbt128
from cellway.cells.models import LotStatus, Vial, VialStatus

if TYPE_CHECKING:
    from fhir.resources.R4B.biologicallyderivedproduct import BiologicallyDerivedProduct

DIN_SYSTEM = "https://cellway.example/fhir/isbt128/din"
COI_SYSTEM = "https://cellway.example/fhir/isbt128/chain-of-identity"
PRODUCT_SYSTEM = "https://cellway.example/fhir/isbt128/product-code"
USABLE = {VialStatus.IN_STORE, VialStatus.ALLOCATED, VialStatus.DISPATCHED}


def vial_resource(vial: Vial) -> BiologicallyDerivedProduct:
    from fhir.resources.R4B.biologicallyderivedproduct import BiologicallyDerivedProduct

    lot = vial.lot
    din = lot.din_value
    available = lot.status == LotStatus.RELEASED and vial.status in USABLE and lot.expires_at > timezone.now()
    product_code = isbt128.ProductCode(settings.ISBT128_PRODUCT_CODE or isbt128.LOCAL_PRODUCT, "0", vial.division)
    identifiers: list[dict[str, Any]] = [{"system": DIN_SYSTEM, "value": f"{din.thirteen}{din.check}-{vial.division}"}]
    chain = getattr(vial.case, "chain_of_identity", None) if vial.case else None
    if chain is not None:
        identifiers.append({"system": COI_SYSTEM, "value": f"{chain.value.thirteen}{chain.value.check}"})
    local = "" if settings.ISBT128_PRODUCT_CODE else " (local code, not ICCBBA-assigned)"
    return BiologicallyDerivedProduct.model_validate(
        {
            "id": str(vial.uuid),
            "identifier": identifiers,
            "productCategory": "cells",
            "productCode": {"coding": [{"system": PRODUCT_SYSTEM, "code": product_code.data}], "text": f"{lot.product.name}{local}"},
            "status": "available" if available else "unavailable",
            "quantity": 1,
            "collection": {"collectedDateTime": lot.collection_date.isoformat()},
            "processing": [{"description": lot.processing[:1000]}],
            "storage": [
                {
                    "description": lot.storage_location,
                    "temperature": float(lot.storage_temperature_c),
                    "scale": "celsius",
                    "duration": {"end": lot.expires_at.isoformat()},
                }
            ],
        }
    )
