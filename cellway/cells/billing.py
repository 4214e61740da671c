"""What the laboratory tells billing when a case ends: a released lot allocated to the patient is spent."""

from __future__ import annotations

import datetime as dt

from cellway.billing.cancellation import Incurred
from cellway.cases.models import Case
from cellway.cells.models import LotStatus, Vial


def spent_cells(case: Case, ended_on: dt.date) -> list[Incurred]:
    """The cells line, whole, once a vial of a released lot is allocated to the case (it cannot go to anyone else)."""
    dins = sorted(set(Vial.objects.filter(case=case, lot__status=LotStatus.RELEASED).values_list("lot__din", flat=True)))
    if not dins:
        return []
    return [Incurred("cells", f"released cell lot {', '.join(dins)} allocated to the patient")]
