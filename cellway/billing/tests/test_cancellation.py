"""The cancellation policy engine (pure: no Django, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cellway.billing.cancellation import (
    DEFAULT_POLICY,
    Incurred,
    Line,
    Policy,
    Reason,
    decide,
    parse_policy,
)

POLICY = parse_policy("60:100,30:50,0:0")
LINES = [
    Line("cells", "Wharton's-jelly MSCs (per million cells)", Decimal(100), Decimal(100), Decimal("10000.00")),
    Line("room", "Hospital room (days)", Decimal(10), Decimal(200), Decimal("2000.00")),
    Line("accommodation", "Accommodation (nights)", Decimal(10), Decimal(50), Decimal("500.00")),
]
TOTAL = Decimal("12500.00")


def _decide(**kw):
    args = {
        "policy": POLICY,
        "currency": "EUR",
        "total": TOTAL,
        "paid": TOTAL,
        "lines": LINES,
        "incurred": [],
        "days_before_arrival": 90,
        "reason": Reason.DECLINED,
    }
    return decide(**(args | kw))


def test_the_default_policy_parses_and_reads_by_days():
    policy = parse_policy(DEFAULT_POLICY)
    assert policy.percent(90) == 100
    assert policy.percent(60) == 100
    assert policy.percent(59) == 75
    assert policy.percent(7) == 25
    assert policy.percent(6) == 0
    assert policy.percent(-3) == 0  # after arrival
    assert policy.percent(None) == 100  # no dates yet


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "at least one tier"),
        ("60:100,30", "not days:percent"),
        ("sixty:100,0:0", "not days:percent"),
        ("60:nan,0:0", "not days:percent"),
        ("60:100,30:120,0:0", "percentage from 0 to 100"),
        ("30:50,60:100,0:0", "most days before arrival to the fewest"),
        ("60:50,30:80,0:0", "cannot grow as arrival nears"),
        ("60:100,30:50", "last tier is for 0 days"),
        ("-1:100", "cannot be negative"),
    ],
)
def test_a_bad_policy_is_refused_saying_why(text, why):
    with pytest.raises(ValueError, match=why):
        parse_policy(text)


def test_a_policy_object_checks_its_tiers_too():
    with pytest.raises(ValueError, match="last tier"):
        Policy.from_pairs([(30, 100), (10, 0)])


def test_declined_early_gets_everything_paid_back():
    d = _decide(days_before_arrival=61)
    assert (d.refundable, d.retained, d.credited) == (TOTAL, Decimal(0), TOTAL)
    assert d.items[-1].label == "Refundable" and d.items[-1].amount == TOTAL


def test_declined_in_the_middle_tier_keeps_half():
    d = _decide(days_before_arrival=45)
    assert d.percent == 50
    assert d.retained == Decimal("6250.00")
    assert d.refundable == Decimal("6250.00")
    assert any("50% of €12,500.00" in item.label and item.amount == Decimal("-6250.00") for item in d.items)


def test_incurred_items_are_kept_before_the_share_is_applied():
    incurred = [Incurred("cells", "lot L-1 released and allocated"), Incurred("room", "3 days used", Decimal(3))]
    d = _decide(days_before_arrival=45, incurred=incurred)
    # cells 10000 and 3 of 10 room days (600) kept; half of the remaining 1900 kept.
    assert d.incurred == Decimal("10600.00")
    assert d.retained == Decimal("11550.00")
    assert d.refundable == Decimal("950.00")
    labels = [item.label for item in d.items]
    assert "Not refundable, already incurred: Wharton's-jelly MSCs (per million cells) (lot L-1 released and allocated)" in labels
    # The explanation adds up: paid less everything kept is the refund.
    assert sum((i.amount for i in d.items[:-1]), Decimal(0)) == d.refundable


def test_an_incurred_line_the_quote_does_not_have_counts_nothing():
    d = _decide(days_before_arrival=90, incurred=[Incurred("airport_transfer", "booked")])
    assert d.refundable == TOTAL


def test_never_keeps_more_than_was_paid():
    d = _decide(days_before_arrival=3, paid=Decimal("3750.00"))
    assert d.retained == Decimal("3750.00")
    assert d.refundable == Decimal(0)
    assert d.credited == TOTAL - Decimal("3750.00")  # the unpaid balance is no longer owed
    assert any(item.label.startswith("Charges beyond what was paid") for item in d.items)


def test_an_unsatisfactory_screening_refunds_everything_whatever_was_incurred_and_however_late():
    d = _decide(reason=Reason.SCREENING, days_before_arrival=0, paid=Decimal("3750.00"), incurred=[Incurred("cells", "released")])
    assert d.refundable == Decimal("3750.00")
    assert d.retained == 0
    assert d.credited == TOTAL


def test_shares_are_rounded_half_up_to_the_currency_minor_unit():
    lines = [Line("cells", "Cells", Decimal(1), Decimal(1001), Decimal(1001))]
    d = decide(
        policy=parse_policy("60:100,30:50,0:0"),
        currency="JPY",
        total=Decimal(1001),
        paid=Decimal(1001),
        lines=lines,
        incurred=[],
        days_before_arrival=40,
        reason=Reason.WITHDRAWN,
    )
    assert d.retained == Decimal(501)  # 500.5 rounds half up, no decimals in yen
    assert d.refundable == Decimal(500)


def test_nothing_paid_gives_nothing_back_but_cancels_what_is_owed():
    d = _decide(paid=Decimal(0), days_before_arrival=10)
    assert d.refundable == 0
    assert d.credited == TOTAL
