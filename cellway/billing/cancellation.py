"""The cancellation policy: what a declined, refused or withdrawn case may get back, and why.

Pure Python (no Django). The policy is a table of days before arrival → the share of the price that is
refundable (`CANCELLATION_POLICY`, read once at start-up); some things cannot be given back once incurred
(a released cell lot allocated to the patient, hospital days already used) whatever the table says. An
unsatisfactory screening refuses the case with nothing charged: whatever was paid comes back in full.

How it adds up, in the case's currency (rounded half-up to its minor unit):

    retained   = incurred + (100% − share) × (total − incurred), never more than was paid
    refundable = paid − retained
    credited   = total − retained  (what the credit note takes off the price: the refund and what is no longer owed)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from cellway.billing.money import format_money, round_money

HUNDRED = Decimal(100)


class Reason(StrEnum):
    """Why the case ended, as the policy reads it."""

    DECLINED = "declined"  # by the patient
    REFUSED = "refused"  # by the clinic, with a reason
    WITHDRAWN = "withdrawn"  # administratively
    SCREENING = "screening"  # refused: cancer-marker screening judged unsatisfactory (rule 5)


REASON_LABELS = {
    Reason.DECLINED: "declined by the patient",
    Reason.REFUSED: "refused by the clinic",
    Reason.WITHDRAWN: "withdrawn",
    Reason.SCREENING: "refused: screening judged unsatisfactory",
}


@dataclass(frozen=True)
class Tier:
    """Cancelled at least `days` days before arrival: `percent` of the price is refundable."""

    days: int
    percent: Decimal


@dataclass(frozen=True)
class Policy:
    """Tiers from the most days before arrival to the fewest; the last covers day 0 (and anything later)."""

    tiers: tuple[Tier, ...]

    def __post_init__(self) -> None:
        check_tiers([(t.days, t.percent) for t in self.tiers])

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[int, Decimal | int | str]]) -> Policy:
        return cls(tuple(Tier(int(days), Decimal(percent)) for days, percent in pairs))

    def percent(self, days_before_arrival: int | None) -> Decimal:
        """The refundable percentage when cancelled `days_before_arrival` days ahead (None: no date set, the best tier)."""
        if days_before_arrival is None:
            return self.tiers[0].percent
        return next((t.percent for t in self.tiers if days_before_arrival >= t.days), Decimal(0))

    def describe(self) -> str:
        return "; ".join(f"{t.days}+ days before arrival: {t.percent.normalize():f}%" for t in self.tiers)


def check_tiers(pairs: Sequence[tuple[int, Decimal]]) -> None:
    """A ValueError saying what is wrong with a table of (days, percent): at least one tier, days whole and not
    negative, fewer days each tier, the last at 0 days, percentages from 0 to 100 not rising as arrival nears."""
    if not pairs:
        raise ValueError("a cancellation policy has at least one tier")
    for days, percent in pairs:
        if days < 0:
            raise ValueError(f"days before arrival cannot be negative ({days})")
        if not Decimal(0) <= percent <= HUNDRED:
            raise ValueError(f"a refundable share is a percentage from 0 to 100 ({percent})")
    for (days, percent), (later_days, later_percent) in zip(pairs, pairs[1:], strict=False):
        if later_days >= days:
            raise ValueError(f"tiers go from the most days before arrival to the fewest ({days} then {later_days})")
        if later_percent > percent:
            raise ValueError(
                f"the refundable share cannot grow as arrival nears ({percent}% at {days} days, {later_percent}% at {later_days})"
            )
    if pairs[-1][0] != 0:
        raise ValueError("the last tier is for 0 days before arrival, so every cancellation falls in one")


def parse_policy(text: str) -> Policy:
    """`"60:100,30:50,0:0"` as a Policy; a ValueError naming what is wrong (the settings turn it into a start-up error)."""
    pairs: list[tuple[int, Decimal]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        days, sep, percent = item.partition(":")
        if not sep:
            raise ValueError(f"{item!r} is not days:percent")
        try:
            pairs.append((int(days.strip()), Decimal(percent.strip().rstrip("%"))))
        except (ValueError, ArithmeticError):
            raise ValueError(f"{item!r} is not days:percent") from None
        if not pairs[-1][1].is_finite():
            raise ValueError(f"{item!r} is not days:percent")
    check_tiers(pairs)
    return Policy.from_pairs(pairs)


DEFAULT_POLICY = "60:100,30:75,14:50,7:25,0:0"


@dataclass(frozen=True)
class Line:
    """A priced line of the accepted quote (its code, e.g. 'cells' or 'room')."""

    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Incurred:
    """Something already spent on the patient that cannot be given back: `quantity` of the quote line `code`
    (None: the whole line), and why (e.g. 'cell lot L-12 released and allocated')."""

    code: str
    why: str
    quantity: Decimal | None = None


@dataclass(frozen=True)
class Item:
    """One row of the explanation: a label and an amount (negative: kept by the clinic)."""

    label: str
    amount: Decimal


@dataclass(frozen=True)
class Decision:
    """What the policy gives back, with every step of the sum."""

    currency: str
    reason: Reason
    total: Decimal  # the accepted price
    paid: Decimal  # received, less reversals and earlier refunds
    incurred: Decimal  # non-refundable, already spent
    percent: Decimal  # the tier's refundable percentage of the rest (100 after an unsatisfactory screening)
    retained: Decimal  # what the clinic keeps (never more than was paid)
    refundable: Decimal  # paid − retained
    items: tuple[Item, ...] = field(default=())

    @property
    def credited(self) -> Decimal:
        """What the credit note takes off the price: the refund and what the patient no longer owes."""
        return self.total - self.retained


def _incurred_amount(line: Line, incurred: Incurred, currency: str) -> Decimal:
    if incurred.quantity is None or incurred.quantity >= line.quantity:
        return line.amount
    return round_money(line.amount * max(incurred.quantity, Decimal(0)) / line.quantity, currency) if line.quantity else Decimal(0)


def decide(
    *,
    policy: Policy,
    currency: str,
    total: Decimal,
    paid: Decimal,
    lines: Sequence[Line],
    incurred: Sequence[Incurred],
    days_before_arrival: int | None,
    reason: Reason,
) -> Decision:
    """What a case ended for `reason`, `days_before_arrival` days before arrival (None: no dates yet), may get back.

    `paid` is what the patient has paid net of reversals and earlier refunds; `incurred` names quote lines already
    spent (a code that is not a line of the quote counts nothing). The result never gives back more than was paid.
    """

    def money(x: Decimal) -> Decimal:
        return round_money(x, currency)

    total, paid = money(total), money(max(paid, Decimal(0)))
    items = [Item("Paid", paid)]
    if reason is Reason.SCREENING:
        items.append(Item("Screening judged unsatisfactory: the case is refused with nothing charged", Decimal(0)))
        items.append(Item("Refundable", paid))
        return Decision(currency, reason, total, paid, Decimal(0), HUNDRED, Decimal(0), paid, tuple(items))
    by_code = {line.code: line for line in lines}
    spent = Decimal(0)
    for what in incurred:
        line = by_code.get(what.code)
        if line is None:
            continue
        amount = min(_incurred_amount(line, what, currency), total - spent)
        if amount <= 0:
            continue
        spent += amount
        items.append(Item(f"Not refundable, already incurred: {line.description} ({what.why})", -amount))
    percent = policy.percent(days_before_arrival)
    kept_share = money((total - spent) * (HUNDRED - percent) / HUNDRED)
    when = "no dates set" if days_before_arrival is None else _days(days_before_arrival)
    items.append(
        Item(
            f"Cancellation charge, {REASON_LABELS[reason]} {when}: {HUNDRED - percent:f}% of {format_money(total - spent, currency)}",
            -kept_share,
        )
    )
    retained = min(spent + kept_share, paid)
    if spent + kept_share > paid:
        items.append(Item("Charges beyond what was paid are not claimed", spent + kept_share - paid))
    refundable = paid - retained
    items.append(Item("Refundable", refundable))
    return Decision(currency, reason, total, paid, spent, percent, retained, refundable, tuple(items))


def _days(days: int) -> str:
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} after arrival"
    if days == 0:
        return "on the day of arrival"
    return f"{days} day{'s' if days != 1 else ''} before arrival"
