"""The run's cancellation index: a payee settled on the cancellations of its own orders only is paid exactly
as when settled on every cancellation of the run, line for line and in the same order."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from attain.domain.settlement import (
    Adjustment,
    Cancellation,
    ClawbackMethod,
    ClawbackRule,
    Earned,
    HoldbackRule,
    SettlementRules,
    settle,
)
from attain.engine.payouts import Clawbacks

PERIODS = ["Q1", "Q2", "Q3", "Q4"]
ORDERS = [f"O{i}" for i in range(8)]
START = date(2025, 1, 1)

earned_items = st.lists(
    st.builds(
        Earned,
        st.sampled_from(PERIODS),
        st.sampled_from(["commission", "bonus"]),
        st.integers(-50_000, 500_000),
        st.one_of(st.none(), st.sampled_from(ORDERS)),
    ),
    max_size=20,
)


@st.composite
def cancellations(draw: st.DrawFn) -> list[Cancellation]:
    """Cancellations of orders in and out of the payee's earnings, several per order, in run order."""
    out = []
    for n in range(draw(st.integers(0, 12))):
        credited = START + timedelta(days=draw(st.integers(0, 200)))
        cancelled = credited + timedelta(days=draw(st.integers(0, 120)))
        period = draw(st.sampled_from(PERIODS))
        out.append(Cancellation(f"X{n}", draw(st.sampled_from(ORDERS)), credited, cancelled, period))
    return sorted(out, key=lambda c: (c.cancelled_on, c.order_id))


rules = st.builds(
    SettlementRules,
    holdback=st.one_of(st.none(), st.just(HoldbackRule(Decimal("0.1"), 1))),
    clawback=st.one_of(
        st.none(),
        st.builds(ClawbackRule, st.integers(1, 90), st.sampled_from(list(ClawbackMethod))),
    ),
)


@settings(max_examples=300, deadline=None)
@given(earned_items, cancellations(), rules, st.lists(st.sampled_from(PERIODS), max_size=3))
def test_settling_on_the_indexed_cancellations_pays_as_settling_on_all_of_them(
    earned: list[Earned], every: list[Cancellation], chosen: SettlementRules, adjusted: list[str]
) -> None:
    adjustments = [Adjustment(key, 1_000, "correction", "finance") for key in adjusted]
    own = Clawbacks(every).against(earned)
    assert settle(PERIODS, earned, chosen, "USD", cancellations=every, adjustments=adjustments) == settle(
        PERIODS, earned, chosen, "USD", cancellations=own, adjustments=adjustments
    )
    assert [c for c in every if c in own] == own  # the run's order is kept


def test_only_cancellations_of_the_payees_orders_are_kept() -> None:
    every = [
        Cancellation("X1", "O1", START, START + timedelta(days=3), "Q1"),
        Cancellation("X2", "O2", START, START + timedelta(days=4), "Q1"),
        Cancellation("X3", "O1", START, START + timedelta(days=5), "Q2"),
    ]
    earned = [Earned("Q1", "commission", 100, "O1"), Earned("Q1", "commission", 50)]
    assert Clawbacks(every).against(earned) == [every[0], every[2]]
