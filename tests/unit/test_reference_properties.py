"""Properties of the reference evaluator and settlement, on generated plans and data (hypothesis)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from attain.domain.calendar import FiscalCalendar, PeriodKind
from attain.domain.plans.model import CreditRole, RoundingMode
from attain.domain.plans.rounding import round_fraction
from attain.domain.settlement import ClawbackMethod, ClawbackRule, clawback_amount
from attain.engine.inputs import CalculationInput, CreditSplit, OrderRow, PlanAssignmentRow
from attain.engine.plan_source import compile_text
from attain.engine.reference import evaluate
from attain.engine.reference_crediting import assign_credits

CAL = FiscalCalendar(1)
Q1 = CAL.period(PeriodKind.QUARTER, 2025, 1)


@st.composite
def split_orders(draw: st.DrawFn) -> tuple[OrderRow, list[CreditSplit]]:
    amount = draw(st.integers(min_value=-(10**9), max_value=10**11))
    people = draw(st.integers(min_value=1, max_value=6))
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=people - 1, max_size=people - 1)))
    bounds = [0, *cuts, 10_000]
    splits = [
        CreditSplit("o1", f"p{i}", Decimal(bounds[i + 1] - bounds[i]) / 10_000, CreditRole.DIRECT, i + 1)
        for i in range(people)
    ]
    return OrderRow("o1", date(2025, 2, 1), amount, "USD", owner="p0"), splits


@given(split_orders())
def test_splits_conserve_credit_to_the_cent(case: tuple[OrderRow, list[CreditSplit]]) -> None:
    order, splits = case
    plan = compile_text(PLAN_FLAT)
    inp = CalculationInput(CAL, {"flat": plan}, (), orders=(order,), splits=tuple(splits))
    credits = [c for c in assign_credits(inp) if c.role is CreditRole.DIRECT]
    assert sum(c.amount for c in credits) == order.amount
    assert all(abs(c.amount - Fraction(order.amount) * Fraction(c.share)) < 1 for c in credits)


PLAN_FLAT = """\
plan: flat
currency: USD
period: quarter
measures:
  bookings: {sum: amount}
components:
  - commission: core
    measure: bookings
    rate: 5%
"""


@st.composite
def tier_tables(draw: st.DrawFn) -> list[tuple[int | None, Decimal]]:
    count = draw(st.integers(min_value=1, max_value=5))
    uppers = sorted(set(draw(st.lists(st.integers(1, 2_000_000), min_size=count - 1, max_size=count - 1))))
    rates = draw(st.lists(st.integers(0, 2_000), min_size=len(uppers) + 1, max_size=len(uppers) + 1))
    return [(u, Decimal(r) / 10_000) for u, r in zip([*uppers, None], rates, strict=True)]


def marginal_plan(tiers: list[tuple[int | None, Decimal]]) -> str:
    bands = "".join(
        f"        - {{upto: {u}, rate: {r}}}\n" if u is not None else f"        - {{rate: {r}}}\n"
        for u, r in tiers
    )
    return PLAN_FLAT.replace("    rate: 5%\n", "    tiers:\n      method: marginal\n      bands:\n" + bands)


amounts = st.lists(st.integers(min_value=1, max_value=80_000_000), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(tier_tables(), amounts)
def test_marginal_commission_equals_the_sum_over_sliced_orders(
    tiers: list[tuple[int | None, Decimal]], order_amounts: list[int]
) -> None:
    plan = compile_text(marginal_plan(tiers))
    orders = tuple(
        OrderRow(f"o{i:02d}", date(2025, 1, 1) + timedelta(days=i), a, "USD", owner="ann")
        for i, a in enumerate(order_amounts)
    )
    inp = CalculationInput(
        CAL, {"flat": plan}, (PlanAssignmentRow("ann", "flat", 0, date(2025, 1, 1)),), orders
    )
    [result] = evaluate(inp, Q1)
    total = sum(order_amounts)
    closed_form = Fraction(0)
    lower = 0
    for upper, rate in tiers:
        top = total if upper is None else min(total, upper * 100)
        closed_form += Fraction(rate) * max(0, top - lower)
        lower = lower if upper is None else upper * 100
    lines = result.lines
    assert sum(Fraction(line.basis or 0) * Fraction(line.rate or 0) for line in lines) == closed_form
    for order in orders:
        assert sum(line.basis or 0 for line in lines if line.order_id == order.order_id) == order.amount
    assert all(
        line.amount
        == round_fraction(Fraction(line.basis or 0) * Fraction(line.rate or 0), RoundingMode.HALF_EVEN)
        for line in lines
    )


@given(st.integers(-(10**9), 10**9), st.integers(0, 400), st.integers(1, 365))
def test_a_prorated_clawback_plus_its_original_nets_to_the_prorated_amount(
    original: int, days: int, within: int
) -> None:
    net = original + clawback_amount(original, days, ClawbackRule(within, ClawbackMethod.PRORATED))
    expected = (
        original
        if days > within
        else round_fraction(Fraction(original * days, within), RoundingMode.HALF_EVEN)
    )
    assert net == expected


@given(st.integers(-(10**9), 10**9), st.integers(0, 400))
def test_a_full_clawback_within_the_window_nets_to_zero(original: int, days: int) -> None:
    net = original + clawback_amount(original, days, ClawbackRule(90, ClawbackMethod.FULL))
    assert net == (original if days > 90 else 0)


@settings(max_examples=30, deadline=None)
@given(tier_tables(), amounts, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_row_order(
    tiers: list[tuple[int | None, Decimal]], order_amounts: list[int], shuffler: random.Random
) -> None:
    plan = compile_text(marginal_plan(tiers))
    orders = [
        OrderRow(f"o{i:02d}", date(2025, 1, 1) + timedelta(days=i % 3), a, "USD", owner=("ann", "bob")[i % 2])
        for i, a in enumerate(order_amounts)
    ]
    people = [PlanAssignmentRow(p, "flat", 0, date(2025, 1, 1)) for p in ("ann", "bob")]
    inp = CalculationInput(CAL, {"flat": plan}, tuple(people), tuple(orders))
    shuffled_orders, shuffled_people = orders[:], people[:]
    shuffler.shuffle(shuffled_orders)
    shuffler.shuffle(shuffled_people)
    again = replace(inp, orders=tuple(shuffled_orders), assignments=tuple(shuffled_people))
    assert evaluate(inp, Q1) == evaluate(again, Q1)
