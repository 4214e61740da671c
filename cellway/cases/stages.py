"""The stages of a case and which moves between them are allowed.

Pure data, no Django import: the services consult it before any write, and
the tests walk it exhaustively.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    INQUIRY = "inquiry"  # case opened; records being collected
    TRIAGE = "triage"  # records complete; waiting for the liaison officer
    REVIEW = "review"  # assigned; the specialist reviews and writes the plan
    QUOTED = "quoted"  # plan signed, quote issued; waiting for the patient
    ACCEPTED = "accepted"  # quote accepted; waiting for a cancer-marker screening verdict
    CLEARED = "cleared"  # screening satisfactory; waiting for dates
    SCHEDULED = "scheduled"  # arrival and first therapy day set; deposit due
    DEPOSIT_PAID = "deposit_paid"  # deposit in; accommodation and transport can be confirmed
    PAID = "paid"  # paid in full
    ARRIVED = "arrived"  # the patient is at the clinic
    IN_TREATMENT = "in_treatment"  # at least one session started
    TREATED = "treated"  # treatment complete; protocol to issue
    FOLLOW_UP = "follow_up"  # protocol issued; assessments at 1, 3, 6, 12 months
    CLOSED = "closed"  # follow-up finished
    DECLINED = "declined"  # ended by the patient
    REFUSED = "refused"  # ended by the clinic, with a reason
    WITHDRAWN = "withdrawn"  # ended administratively (lost contact, duplicate)

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS: dict[Stage, str] = {
    Stage.INQUIRY: "Collecting records",
    Stage.TRIAGE: "Liaison triage",
    Stage.REVIEW: "Specialist review",
    Stage.QUOTED: "Quote proposed",
    Stage.ACCEPTED: "Awaiting screening",
    Stage.CLEARED: "Screening cleared",
    Stage.SCHEDULED: "Scheduled",
    Stage.DEPOSIT_PAID: "Deposit paid",
    Stage.PAID: "Paid in full",
    Stage.ARRIVED: "Arrived",
    Stage.IN_TREATMENT: "In treatment",
    Stage.TREATED: "Treatment complete",
    Stage.FOLLOW_UP: "Follow-up",
    Stage.CLOSED: "Closed",
    Stage.DECLINED: "Declined",
    Stage.REFUSED: "Refused",
    Stage.WITHDRAWN: "Withdrawn",
}

ENDINGS = frozenset({Stage.DECLINED, Stage.REFUSED, Stage.WITHDRAWN})
FINAL = ENDINGS | {Stage.CLOSED}
OPEN = frozenset(Stage) - FINAL
# Stages in which the patient still has something ahead that is not follow-up;
# the specialist load counts these.
ACTIVE = OPEN - {Stage.FOLLOW_UP}

_MOVES: dict[Stage, set[Stage]] = {
    Stage.INQUIRY: {Stage.TRIAGE},
    Stage.TRIAGE: {Stage.REVIEW, Stage.INQUIRY},
    Stage.REVIEW: {Stage.QUOTED},
    Stage.QUOTED: {Stage.ACCEPTED, Stage.REVIEW},
    Stage.ACCEPTED: {Stage.CLEARED},
    # A newer screening recorded for a cleared case waits for its own verdict.
    Stage.CLEARED: {Stage.SCHEDULED, Stage.ACCEPTED},
    # Payments can land before or after arrival; a moved therapy date whose
    # screening no longer holds sends the case back to ACCEPTED.
    Stage.SCHEDULED: {Stage.DEPOSIT_PAID, Stage.PAID, Stage.ACCEPTED},
    Stage.DEPOSIT_PAID: {Stage.PAID, Stage.ARRIVED, Stage.ACCEPTED},
    Stage.PAID: {Stage.ARRIVED, Stage.ACCEPTED},
    # A mistaken "arrived" is undone (with a reason) before any session.
    Stage.ARRIVED: {Stage.IN_TREATMENT, Stage.PAID, Stage.DEPOSIT_PAID},
    Stage.IN_TREATMENT: {Stage.TREATED},
    Stage.TREATED: {Stage.FOLLOW_UP},
    Stage.FOLLOW_UP: {Stage.CLOSED},
}


# The way a case goes when nothing ends it early, in order.
MAIN_PATH = (
    Stage.INQUIRY, Stage.TRIAGE, Stage.REVIEW, Stage.QUOTED, Stage.ACCEPTED, Stage.CLEARED, Stage.SCHEDULED,
    Stage.DEPOSIT_PAID, Stage.PAID, Stage.ARRIVED, Stage.IN_TREATMENT, Stage.TREATED, Stage.FOLLOW_UP, Stage.CLOSED,
)  # fmt: skip


def can_move(current: Stage, to: Stage) -> bool:
    """Whether a case in `current` may move to `to`. Any open stage may end."""
    if current in FINAL:
        return False
    if to in ENDINGS:
        return True
    return to in _MOVES.get(current, set())


def ordered() -> list[Stage]:
    return list(Stage)
