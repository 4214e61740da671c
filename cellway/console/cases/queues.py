"""The work queues of the console: which cases wait on which role."""

from __future__ import annotations

from dataclasses import dataclass

from cellway.accounts.roles import Role
from cellway.cases.stages import Stage


@dataclass(frozen=True)
class Queue:
    key: str
    title: str
    stages: frozenset[Stage]
    roles: frozenset[str]
    show_missing: bool = False
    show_dates: bool = False
    # Documents with a validity rule (the screening report) missing or about to lapse.
    show_documents: bool = False


QUEUES = [
    Queue("records", "Collecting records", frozenset({Stage.INQUIRY}), frozenset({Role.CARE, Role.LIAISON}), show_missing=True),
    Queue("triage", "Waiting for a specialist", frozenset({Stage.TRIAGE}), frozenset({Role.LIAISON}), show_missing=True),
    Queue("review", "Plans to write", frozenset({Stage.REVIEW}), frozenset({Role.SPECIALIST, Role.LIAISON})),
    Queue("quoted", "Quotes awaiting the patient", frozenset({Stage.QUOTED}), frozenset({Role.CARE, Role.FINANCE})),
    Queue(
        "screening",
        "Awaiting screening",
        frozenset({Stage.ACCEPTED}),
        frozenset({Role.CARE, Role.LIAISON, Role.SPECIALIST}),
        show_documents=True,
    ),
    Queue(
        "scheduling",
        "To schedule",
        frozenset({Stage.CLEARED}),
        frozenset({Role.CARE, Role.LIAISON, Role.LOGISTICS}),
        show_documents=True,
    ),
    Queue(
        "payments",
        "Payments due",
        frozenset({Stage.SCHEDULED, Stage.DEPOSIT_PAID}),
        frozenset({Role.FINANCE, Role.FINANCE_MANAGER}),
        show_dates=True,
    ),
    Queue(
        "logistics",
        "Arrivals to arrange",
        frozenset({Stage.SCHEDULED, Stage.DEPOSIT_PAID, Stage.PAID}),
        frozenset({Role.LOGISTICS}),
        show_dates=True,
    ),
    Queue(
        "ward",
        "At the clinic",
        frozenset({Stage.ARRIVED, Stage.IN_TREATMENT}),
        frozenset({Role.NURSE, Role.SPECIALIST, Role.LOGISTICS, Role.FINANCE_MANAGER}),
        show_dates=True,
    ),
    Queue("discharge", "Protocols to issue", frozenset({Stage.TREATED}), frozenset({Role.SPECIALIST})),
    Queue("follow_up", "In follow-up", frozenset({Stage.FOLLOW_UP}), frozenset({Role.SPECIALIST, Role.NURSE, Role.CARE})),
]
BY_KEY = {q.key: q for q in QUEUES}


def queues_for(role_names: list[str]) -> list[Queue]:
    roles = set(role_names)
    return [q for q in QUEUES if q.roles & roles]
