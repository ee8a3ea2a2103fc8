"""Settlement: draws, carried balances, clawbacks, holdbacks, instalments and adjustments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from attain.domain.errors import InvalidInput
from attain.domain.settlement import (
    Adjustment,
    Cancellation,
    ClawbackMethod,
    ClawbackRule,
    DrawKind,
    DrawRule,
    Earned,
    HoldbackRule,
    InstalmentRule,
    SettlementRules,
    clawback_amount,
    settle,
)

MONTHS = ["M1", "M2", "M3", "M4"]


def amounts(payouts: list) -> list[tuple[int, int]]:
    return [(p.amount, p.balance) for p in payouts]


def test_recoverable_draw_carries_the_shortfall_until_recovered() -> None:
    earned = [Earned("M1", "c", 50_000), Earned("M2", "c", 200_000), Earned("M3", "c", 300_000)]
    rules = SettlementRules(draw=DrawRule(DrawKind.RECOVERABLE, Decimal(1500)))
    assert amounts(settle(MONTHS[:3], earned, rules, "USD")) == [
        (150_000, -100_000),
        (150_000, -50_000),
        (250_000, 0),
    ]


def test_without_a_draw_a_negative_period_is_carried_not_paid() -> None:
    earned = [Earned("M1", "c", -30_000), Earned("M2", "c", 100_000)]
    payouts = settle(MONTHS[:2], earned, SettlementRules(), "USD")
    assert amounts(payouts) == [(0, -30_000), (70_000, 0)]
    assert [(x.kind, x.amount) for x in payouts[1].lines] == [("earnings", 100_000), ("recovery", -30_000)]


def test_every_payout_equals_the_sum_of_its_lines() -> None:
    earned = [Earned("M1", "bonus", 100_001), Earned("M1", "c", 5_000), Earned("M2", "c", 7_000)]
    rules = SettlementRules(
        draw=DrawRule(DrawKind.RECOVERABLE, Decimal(100)),
        holdback=HoldbackRule(Decimal("0.1"), 2),
        instalments=InstalmentRule(("bonus",), 3),
    )
    payouts = settle(MONTHS, earned, rules, "USD", adjustments=[Adjustment("M2", -2_000, "duplicate", "mia")])
    assert all(p.amount == sum(x.amount for x in p.lines) for p in payouts)


def test_instalments_split_exactly_and_holdbacks_are_released_later() -> None:
    rules = SettlementRules(
        holdback=HoldbackRule(Decimal("0.1"), 2), instalments=InstalmentRule(("bonus",), 3)
    )
    payouts = settle(MONTHS, [Earned("M1", "bonus", 100_001)], rules, "USD")
    lines = [[(x.kind, x.amount) for x in p.lines] for p in payouts]
    assert lines == [
        [("earnings", 0), ("instalment", 33_334), ("holdback", -3_333)],
        [("earnings", 0), ("instalment", 33_334), ("holdback", -3_333)],
        [("earnings", 0), ("instalment", 33_333), ("holdback_release", 3_333), ("holdback", -3_333)],
        [("earnings", 0), ("holdback_release", 3_333)],
    ]


def test_a_full_clawback_is_posted_in_the_cancellation_period() -> None:
    earned = [Earned("M1", "c", 90_000, "o1"), Earned("M1", "c", 1_000, "o2"), Earned("M2", "c", 100_000)]
    cancel = Cancellation("x1", "o1", date(2025, 1, 10), date(2025, 2, 1), "M2")
    rules = SettlementRules(clawback=ClawbackRule(90, ClawbackMethod.FULL))
    payouts = settle(MONTHS[:2], earned, rules, "USD", cancellations=[cancel])
    assert amounts(payouts) == [(91_000, 0), (10_000, 0)]
    assert dict(payouts[1].lines[1].detail)["order"] == "o1"


@pytest.mark.parametrize(("days", "expected"), [(0, -900), (30, -600), (45, -450), (90, 0), (91, 0)])
def test_prorated_clawback_keeps_the_share_of_days_lived(days: int, expected: int) -> None:
    assert clawback_amount(900, days, ClawbackRule(90, ClawbackMethod.PRORATED)) == expected


def test_adjustments_need_a_reason_and_an_approver() -> None:
    with pytest.raises(InvalidInput, match="needs a reason and approver"):
        settle(MONTHS[:1], [], SettlementRules(), "USD", adjustments=[Adjustment("M1", 100, "bonus", " ")])


def test_adjustments_are_paid_with_their_reason_and_approver() -> None:
    payouts = settle(
        MONTHS[:1], [], SettlementRules(), "USD", adjustments=[Adjustment("M1", 2_500, "split fix", "mia")]
    )
    assert payouts[0].amount == 2_500
    assert payouts[0].lines[1].detail == (("reason", "split fix"), ("approver", "mia"))
