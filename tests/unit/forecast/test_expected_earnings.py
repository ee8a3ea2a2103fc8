"""Expected earnings run the rep's plan over simulated closes of their open deals."""

from __future__ import annotations

from datetime import date

import pytest

from attain.app.forecasts.earnings import DealChance, expected_earnings
from attain.domain.calendar import FiscalCalendar, PeriodKind
from attain.domain.errors import InvalidInput
from attain.engine.inputs import CalculationInput, OrderRow, PlanAssignmentRow
from attain.engine.plan_source import compile_text

Q1 = FiscalCalendar(1).period(PeriodKind.QUARTER, 2025, 1)
PLAN = """\
plan: rep
currency: USD
period: quarter
measures:
  bookings: {sum: amount}
components:
  - commission: core
    measure: bookings
    tiers:
      method: marginal
      bands:
        - {upto: 300000, rate: 3%}
        - {rate: 7%}
"""
BOOKED = (OrderRow("o-1", date(2025, 1, 20), 250_000_00, "USD", owner="ann"),)
INPUT = CalculationInput(
    FiscalCalendar(1),
    {"rep": compile_text(PLAN)},
    (PlanAssignmentRow("ann", "rep", 0, date(2025, 1, 1)),),
    orders=BOOKED,
)
END = date(2025, 3, 31)


def _deal(name: str, amount: int, p: float) -> DealChance:
    return DealChance(name, amount, "USD", p)


def test_a_certain_deal_pays_at_the_tier_it_reaches() -> None:
    out = expected_earnings(INPUT, Q1, "ann", [_deal("big", 100_000_00, 1.0)], booked_on=END, scenarios=20)
    assert out.base == 7_500_00  # 250,000 at 3 %
    # 50,000 more at 3 % up to 300,000, then 50,000 at 7 %.
    assert out.expected == out.low == out.high == 7_500_00 + 1_500_00 + 3_500_00


def test_a_deal_that_cannot_close_adds_nothing() -> None:
    out = expected_earnings(INPUT, Q1, "ann", [_deal("lost", 100_000_00, 0.0)], booked_on=END, scenarios=20)
    assert out.expected == out.low == out.high == out.base == 7_500_00


def test_uncertain_deals_give_a_range_and_the_same_seed_the_same_figures() -> None:
    deals = [_deal("a", 40_000_00, 0.5), _deal("b", 60_000_00, 0.5)]
    first = expected_earnings(INPUT, Q1, "ann", deals, booked_on=END, scenarios=200, seed=7)
    again = expected_earnings(INPUT, Q1, "ann", deals, booked_on=END, scenarios=200, seed=7)
    assert first == again
    # Outcomes: none 7,500; a 8,700 (40,000 at 3 %); b 9,700 (50,000 at 3 % + 10,000 at 7 %);
    # both 12,500 (50,000 at 3 % + 50,000 at 7 %): 9,600 on average.
    assert first.low == 7_500_00
    assert first.high == 12_500_00
    assert 9_000_00 < first.expected < 10_200_00


def test_deals_booked_outside_the_period_are_refused() -> None:
    with pytest.raises(InvalidInput, match="outside FY2025-Q1"):
        expected_earnings(INPUT, Q1, "ann", [], booked_on=date(2025, 4, 1))
