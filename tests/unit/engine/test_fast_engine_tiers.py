"""Marginal tiers when many credits share a payee's day: the fast engine splits exactly as the reference.

The fast engine only computes running sums for the days whose range of running totals reaches a tier edge
(see attain.engine.relational.marginal); these cases put dozens of credits, some negative, on each day so that
edges are crossed inside a day, back and forth, and on every period path (asked period only, year to date).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from attain.domain.calendar import PeriodKind
from attain.engine.inputs import CalculationInput, CreditSplit, OrderRow, PlanAssignmentRow
from attain.engine.plan_source import compile_text
from attain.engine.reference import evaluate
from attain.engine.relational import evaluate_fast, plan_run
from tests.unit.engine.test_fast_engine import CAL, company

YEAR_TO_DATE = """\
plan: rep
currency: USD
period: quarter
measures:
  bookings: {sum: amount, accumulate: year}
components:
  - commission: core
    measure: bookings
    tiers:
      method: marginal
      bands:
        - {upto: 600000, rate: 3%}
        - {upto: 1000000, rate: 5%}
        - {rate: 7%}
"""


@pytest.fixture(autouse=True, params=[0, 16], ids=["a bucket a day", "buckets of several days"])
def bucket_size(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both bucket sizes: one day each (many credits a day), and several days (few credits a day)."""
    monkeypatch.setattr(plan_run, "BUCKET_CREDITS", request.param)


def crowded_orders(seed: int, first: date, days: int, count: int) -> tuple[OrderRow, ...]:
    """`count` orders of ann and bob on `days` days, a fifth of them negative, ids not in date order."""
    rng = random.Random(seed)
    orders = []
    for i in range(count):
        amount = rng.randrange(-2_000_000, 0) if rng.random() < 0.2 else rng.randrange(1, 6_000_000)
        booked = first + timedelta(days=rng.randrange(days))
        owner = rng.choice(["ann", "bob"])
        orders.append(OrderRow(f"O{rng.randrange(10**6):06d}-{i}", booked, amount, "USD", owner=owner))
    return tuple(orders)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_edges_crossed_inside_crowded_days(seed: int) -> None:
    orders = crowded_orders(seed, date(2025, 1, 6), days=4, count=120)
    split = orders[7]
    splits = (
        CreditSplit(split.order_id, "ann", Decimal("0.5"), sequence=1),
        CreditSplit(split.order_id, "bob", Decimal("0.5"), sequence=2),
    )
    inp = company(orders, splits)
    period = CAL.period(PeriodKind.QUARTER, 2025, 1)
    expected = evaluate(inp, period)
    assert evaluate_fast(inp, period) == expected
    lines = [line for r in expected if r.plan_key == "rep" for line in r.lines]
    assert {line.tier for line in lines} >= {1, 2, 3}  # every tier is reached
    per_order: dict[str, int] = {}
    for line in lines:
        per_order[line.order_id] = per_order.get(line.order_id, 0) + 1
    assert max(per_order.values()) >= 2  # some order straddles an edge and is split into slices


def test_edges_crossed_inside_crowded_days_year_to_date() -> None:
    q1 = crowded_orders(4, date(2025, 2, 3), days=3, count=60)
    q2 = crowded_orders(5, date(2025, 4, 7), days=3, count=60)
    base = company(q1 + q2)
    start = date(2025, 1, 1)
    inp = CalculationInput(
        CAL,
        {**base.plans, "rep": compile_text(YEAR_TO_DATE)},
        (
            PlanAssignmentRow("ann", "rep", 0, start),
            PlanAssignmentRow("bob", "rep", 0, start),
            PlanAssignmentRow("mia", "manager", 0, start),
        ),
        orders=base.orders,
        managers=base.managers,
    )
    period = CAL.period(PeriodKind.QUARTER, 2025, 2)
    expected = evaluate(inp, period)
    assert evaluate_fast(inp, period) == expected
    tiers = {line.tier for r in expected if r.plan_key == "rep" for line in r.lines}
    assert {2, 3} <= tiers


def test_days_whose_sum_stays_in_a_tier_but_whose_credits_cross_an_edge() -> None:
    """A day that ends where it began, or above an edge it dipped under: its credits still cross the edge."""
    day1, day2, day3 = date(2025, 1, 6), date(2025, 1, 7), date(2025, 1, 8)
    orders = (
        OrderRow("A1", day1, 29_500_000, "USD", owner="ann"),  # 295,000.00: just under the 300,000 edge
        OrderRow("A2", day2, 1_000_000, "USD", owner="ann"),  # up across the edge ...
        OrderRow("A3", day2, -1_000_000, "USD", owner="ann"),  # ... and back: the day's sum is 0
        OrderRow("B1", day1, 30_100_000, "USD", owner="bob"),  # 301,000.00: just over the edge
        OrderRow("B2", day2, -500_000, "USD", owner="bob"),  # down across the edge ...
        OrderRow("B3", day2, 1_000_000, "USD", owner="bob"),  # ... and up again: the day ends above it
        OrderRow("B4", day3, 100, "USD", owner="bob"),
    )
    inp = company(orders)
    period = CAL.period(PeriodKind.QUARTER, 2025, 1)
    expected = evaluate(inp, period)
    assert evaluate_fast(inp, period) == expected
    rep = [line for r in expected if r.plan_key == "rep" for line in r.lines]
    assert sorted(
        (line.order_id, line.tier) for line in rep if line.order_id in {"A2", "A3", "B2", "B3"}
    ) == [
        ("A2", 1),
        ("A2", 2),
        ("A3", 1),
        ("A3", 2),
        ("B2", 1),
        ("B2", 2),
        ("B3", 1),
        ("B3", 2),
    ]
