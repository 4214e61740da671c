"""What has already been spent on a case that the cancellation policy cannot give back.

Billing sits below the apps that know (a released cell lot allocated to the patient is the laboratory's, hospital
days used are logistics'), so each of them registers a provider here when it starts (its AppConfig.ready); billing
asks them all when a case ends. A provider takes the case and the day it ended and returns the quote lines spent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from cellway.billing.cancellation import Incurred
from cellway.cases.models import Case

Provider = Callable[[Case, dt.date], list[Incurred]]
_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Register `provider` under `name` (registering the same name again replaces it: ready() may run twice in tests)."""
    _PROVIDERS[name] = provider


def incurred(case: Case, ended_on: dt.date) -> list[Incurred]:
    """Every provider's spent lines for `case`, ended on `ended_on`, in registration order."""
    return [item for provider in _PROVIDERS.values() for item in provider(case, ended_on)]
