from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cellway.cases.stages import Stage


@pytest.fixture
def portal_case(case_at: Callable[..., Any], staff: dict[str, Any]) -> Callable[..., Any]:
    """`portal_case(Stage.X)`: a case walked there, its patient invited (grant and account), as (case, patient user)."""
    from cellway.portal.services import invite_patient

    def make(stage: Stage, **kwargs: Any) -> tuple[Any, Any]:
        case = case_at(stage, **kwargs)
        grant = invite_patient(case=case, by=staff["carla"])
        return case, grant.person

    return make
