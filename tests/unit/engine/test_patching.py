"""Patching the totals of people whose plans pay each credit alone gives the full recompute's totals."""

from __future__ import annotations

import dataclasses
import os
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from attain.domain.calendar import Period, PeriodKind
from attain.domain.errors import AttainError
from attain.domain.plans.model import Commission, CompiledPlan, Component
from attain.engine.incremental import OrderChange
from attain.engine.inputs import CalculationInput, OrderRow, QuotaRow
from attain.engine.patching import (
    PayeeTotals,
    payee_totals,
    pays_each_credit_alone,
    plan_recalculation,
    recalculate_totals,
)
from attain.engine.plan_source import compile_text
from attain.engine.relational import FactTables, run_period
from tests.unit.engine.generated_plans import FY
from tests.unit.engine.test_incremental import MANAGER, REP, changed, company

TIERED = """\
plan: rep
currency: USD
period: quarter
measures:
  bookings: {sum: amount, quota: {metric: bookings}}
components:
  - commission: core
    measure: bookings
    tiers:
      method: marginal
      on: attainment
      bands:
        - {upto: 100%, rate: 5%}
        - {rate: 9%}
"""
CAPPED_MANAGER = (
    MANAGER.replace("    rate: 1%\n", "    rate: 1%\n    cap: {amount: 25}\n").replace(
        "team: {sum: amount}", "team: {sum: amount, quota: {metric: team}}"
    )
    + "  - bonus: team\n    measure: team\n    steps: [{at: 100%, pay: 10}]\n"
)


def totals(inp: CalculationInput, period: Period) -> list[PayeeTotals]:
    run = run_period(FactTables.from_input(inp), period)
    try:
        return payee_totals(run)
    finally:
        run.close()


def flat(plan: CompiledPlan) -> CompiledPlan:
    """`plan` with every commission's tiers taken away (a flat 4% where it had no base rate of its own)."""
    parts: list[Component] = []
    for comp in plan.components:
        if isinstance(comp, Commission) and comp.table is not None:
            has_rate = comp.base_rate is not None or comp.lookup is not None
            rate = comp.base_rate if has_rate else Decimal("0.04")
            parts.append(dataclasses.replace(comp, table=None, accelerator_gate=None, base_rate=rate))
        else:
            parts.append(comp)
    return dataclasses.replace(plan, components=tuple(parts))


@st.composite
def flattened(draw: st.DrawFn) -> tuple[CalculationInput, CalculationInput, OrderChange, list[Period]]:
    """A changed company (see test_incremental) where some plans pay each credit alone."""
    old, new, change, periods = draw(changed())
    chosen = {key: draw(st.booleans()) for key in sorted(old.plans)}
    plans = {key: flat(plan) if chosen[key] else plan for key, plan in old.plans.items()}
    return (
        dataclasses.replace(old, plans=plans),
        dataclasses.replace(new, plans=plans),
        change,
        periods,
    )


@settings(
    max_examples=int(os.environ.get("ATTAIN_INCREMENTAL_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(flattened())
def test_patched_totals_equal_the_full_recompute(
    case: tuple[CalculationInput, CalculationInput, OrderChange, list[Period]],
) -> None:
    old, new, change, periods = case
    try:
        previous = {p.key: totals(old, p) for p in periods}
        expected = {p.key: totals(new, p) for p in periods}
    except AttainError:
        assume(False)
        return
    actual = recalculate_totals(previous, FactTables.from_input(new), change, periods)
    # Sums compare too: the patched sums are exactly what a full run aggregates.
    wrong = [
        (key, a, e) for key in expected for a, e in zip(actual[key], expected[key], strict=True) if a != e
    ]
    assert [len(v) for v in actual.values()] == [len(v) for v in expected.values()]
    assert not wrong, "\n".join(repr(x) for x in wrong[0])


def test_roll_up_managers_are_patched_and_tiered_sellers_recalculated() -> None:
    inp = company(REP)
    inp = dataclasses.replace(
        inp,
        plans={"rep": compile_text(TIERED), "manager": compile_text(CAPPED_MANAGER)},
        quotas=tuple(
            QuotaRow(p, metric, q.key, Decimal(50_000))
            for p, metric in (
                ("ann", "bookings"),
                ("tia", "bookings"),
                ("mo", "team"),
                ("dir", "team"),
                ("vp", "team"),
            )
            for q in inp.calendar.periods(PeriodKind.QUARTER, FY)
        ),
        orders=(
            OrderRow("o1", date(FY, 4, 3), 3_000_000, "USD", owner="ann"),
            OrderRow("o2", date(FY, 5, 10), 1_500_000, "USD", owner="ann"),
            OrderRow("o3", date(FY, 5, 20), 900_000, "USD", owner="tia"),
        ),
    )
    assert not pays_each_credit_alone(inp.plans["rep"])
    assert pays_each_credit_alone(inp.plans["manager"])
    was = inp.orders[1]
    now = dataclasses.replace(was, amount=4_000_000)
    change = OrderChange((was,), (now,))
    new = dataclasses.replace(inp, orders=(inp.orders[0], now, inp.orders[2]))
    quarters = inp.calendar.periods(PeriodKind.QUARTER, FY)
    plan = plan_recalculation(new, change, quarters)
    assert plan.patched == {"mo", "dir"}
    assert plan.recalculated == {"ann"}
    q2 = quarters[1]
    previous = {q2.key: totals(inp, q2)}
    expected = totals(new, q2)
    actual = recalculate_totals(previous, FactTables.from_input(new), change, [q2])[q2.key]
    assert actual == expected
    mo = next(t for t in actual if t.person_id == "mo")
    # ann's 70,000.00 (45,000.00 before): 1% is 700.00, capped at 25.00; 140% of the quota pays the bonus.
    assert dict(mo.components) == {"override": 2_500, "team": 1_000}
    was_mo = next(t for t in previous[q2.key] if t.person_id == "mo")
    assert dict(was_mo.components) == {"override": 2_500, "team": 0}


def test_a_patched_person_needs_previous_totals() -> None:
    inp = company(REP)
    order = OrderRow("o1", date(FY, 5, 10), 1_000, "USD", owner="ann")
    new = dataclasses.replace(inp, orders=(order,))
    q2 = inp.calendar.periods(PeriodKind.QUARTER, FY)[1]
    previous = {q2.key: [t for t in totals(inp, q2) if t.person_id != "mo"]}
    with pytest.raises(ValueError, match="mo \\(manager\\) has no previous totals"):
        recalculate_totals(previous, FactTables.from_input(new), OrderChange(after=(order,)), [q2])
