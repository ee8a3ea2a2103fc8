"""The fast engine's own behaviours: Arrow inputs, exact sums past 2^53, errors, Spark SQL, what-if."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute
import pyarrow.parquet as pq
import pytest
import sqlglot
from sqlglot.errors import ErrorLevel

from attain.domain.calendar import FiscalCalendar, PeriodKind
from attain.domain.errors import InvalidInput
from attain.domain.plans.model import CreditRole
from attain.engine.inputs import CalculationInput, CreditSplit, ManagerLink, OrderRow, PlanAssignmentRow
from attain.engine.plan_source import compile_text
from attain.engine.reference import evaluate
from attain.engine.relational import FactTables, WhatIf, evaluate_fast, run_period
from attain.engine.relational.program import PlanProgram

CAL = FiscalCalendar(1)
Q1 = CAL.period(PeriodKind.QUARTER, 2025, 1)

MARGINAL = """\
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
        - {upto: 500000, rate: 5%}
        - {rate: 7%}
"""

OVERRIDE = """\
plan: manager
currency: USD
period: quarter
crediting: {roles: [rollup], rollup_levels: 2}
measures:
  team: {sum: amount}
components:
  - commission: override
    measure: team
    rate_by: {field: rollup_level, rates: {"1": 1%, "2": 0.5%}}
"""


def company(orders: tuple[OrderRow, ...], splits: tuple[CreditSplit, ...] = ()) -> CalculationInput:
    plans = {"rep": compile_text(MARGINAL), "manager": compile_text(OVERRIDE)}
    start = date(2025, 1, 1)
    return CalculationInput(
        CAL,
        plans,
        (
            PlanAssignmentRow("ann", "rep", 0, start),
            PlanAssignmentRow("bob", "rep", 0, start),
            PlanAssignmentRow("mia", "manager", 0, start),
            PlanAssignmentRow("vp", "manager", 0, start),
        ),
        orders=orders,
        splits=splits,
        managers=(
            ManagerLink("ann", "mia", date(2024, 1, 1)),
            ManagerLink("bob", "mia", date(2024, 1, 1), date(2025, 2, 14)),
            ManagerLink("bob", "vp", date(2025, 2, 15)),
            ManagerLink("mia", "vp", date(2024, 1, 1)),
        ),
    )


ORDERS = (
    OrderRow("o1", date(2025, 1, 10), 25_000_000, "USD", owner="ann"),
    OrderRow("o2", date(2025, 2, 10), 35_000_000, "USD", owner="ann"),
    OrderRow("o3", date(2025, 2, 20), 10_000_001, "USD", owner="bob"),
    OrderRow("o4", date(2025, 3, 1), 7_000_000, "USD", owner="ann"),
)


def test_marginal_tiers_split_an_order_across_two_boundaries_exactly() -> None:
    results = {r.person_id: r for r in evaluate_fast(company(ORDERS[:2]), Q1)}
    lines = [(line.order_id, line.tier, line.basis, line.amount) for line in results["ann"].lines]
    assert lines == [
        ("o1", 1, 25_000_000, 750_000),
        ("o2", 1, 5_000_000, 150_000),
        ("o2", 2, 20_000_000, 1_000_000),
        ("o2", 3, 10_000_000, 700_000),
    ]
    assert results["ann"].total == 2_600_000


def test_roll_ups_follow_the_hierarchy_in_force_on_each_booking_date() -> None:
    results = {r.person_id: r for r in evaluate_fast(company(ORDERS), Q1)}
    mia = [(line.order_id, line.rollup_level, line.amount) for line in results["mia"].lines]
    vp = [(line.order_id, line.rollup_level, line.amount) for line in results["vp"].lines]
    assert mia == [("o1", 1, 250_000), ("o2", 1, 350_000), ("o4", 1, 70_000)]
    assert vp == [("o1", 2, 125_000), ("o2", 2, 175_000), ("o3", 1, 100_000), ("o4", 2, 35_000)]
    assert evaluate_fast(company(ORDERS), Q1) == evaluate(company(ORDERS), Q1)


def test_arrow_orders_without_optional_columns_give_the_rows_of_plain_orders() -> None:
    orders = pa.table(
        {
            "order_id": [o.order_id for o in reversed(ORDERS)],  # not in id order: the engine sorts
            "booked_on": [o.booked_on for o in reversed(ORDERS)],
            "amount": [o.amount for o in reversed(ORDERS)],
            "currency": ["USD"] * len(ORDERS),
            "owner": [o.owner for o in reversed(ORDERS)],
        }
    )
    run = run_period(FactTables(company(()), orders), Q1)
    try:
        assert run.results() == evaluate(company(ORDERS), Q1)
        lines = run.lines_arrow()
        assert lines.num_rows == 13
        assert sorted(set(lines.column("order_id").to_pylist())) == ["o1", "o2", "o3", "o4"]
        first = lines.filter(pa.compute.equal(lines.column("person_id"), "ann")).sort_by("credit_date")
        assert first.slice(0, 1).to_pylist()[0] | {"credit_date": None} == {
            "person_id": "ann",
            "plan": "rep",
            "component": "core",
            "kind": "commission",
            "amount": 750_000,
            "credit_date": None,
            "order_id": "o1",
            "credit_role": "direct",
            "rollup_level": 0,
            "split_sequence": 1,
            "share": Decimal("1.000000000"),
            "basis": 25_000_000,
            "tier": 1,
            "rate": "0.03",
        }
    finally:
        run.close()


def test_running_totals_stay_exact_past_two_to_the_53() -> None:
    huge = (
        OrderRow("h1", date(2025, 1, 5), 6_000_000_000_000_001, "USD", owner="ann"),
        OrderRow("h2", date(2025, 1, 6), 5_000_000_000_000_003, "USD", owner="ann"),
        OrderRow("h3", date(2025, 1, 7), 7, "USD", owner="ann"),
    )
    assert sum(o.amount for o in huge) > 2**53
    assert evaluate_fast(company(huge), Q1) == evaluate(company(huge), Q1)


def test_split_shares_are_allocated_by_largest_remainder_like_the_reference() -> None:
    splits = (
        CreditSplit("o3", "ann", Decimal("0.333333333"), CreditRole.DIRECT, 1),
        CreditSplit("o3", "bob", Decimal("0.333333333"), CreditRole.DIRECT, 2),
        CreditSplit("o3", "mia", Decimal("0.333333334"), CreditRole.DIRECT, 3),
    )
    inp = company(ORDERS, splits)
    assert evaluate_fast(inp, Q1) == evaluate(inp, Q1)


def test_a_lookup_without_a_rate_or_default_names_the_order() -> None:
    plan = compile_text(OVERRIDE.replace('rates: {"1": 1%, "2": 0.5%}', 'rates: {"1": 1%}'))
    inp = company(ORDERS)
    inp = CalculationInput(
        CAL, {**inp.plans, "manager": plan}, inp.assignments, ORDERS, managers=inp.managers
    )
    with pytest.raises(InvalidInput, match="order o1: no rollup_level rate in 'override'"):
        evaluate_fast(inp, Q1)
    with pytest.raises(InvalidInput):
        evaluate(inp, Q1)


def test_the_generated_program_transpiles_to_spark_sql() -> None:
    program = PlanProgram(compile_text(MARGINAL), date(2025, 1, 1), with_splits=True, fx_den=None)
    for sql in (program.views_sql(), program.measures_sql()):
        [spark] = sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE)
        assert "SUM(" in spark.upper()


def test_what_if_adds_what_the_extra_order_earns_and_nothing_else() -> None:
    inp = company(ORDERS)
    whatif = WhatIf(FactTables.from_input(inp), Q1, "ann")
    try:
        extra = OrderRow("opp-1", date(2025, 3, 30), 10_000_000, "USD", owner="ann")
        estimate = whatif.estimate(extra)
    finally:
        whatif.close()
    with_order = company((*ORDERS, extra))
    [after] = [r for r in evaluate(with_order, Q1) if r.person_id == "ann"]
    [before] = [r for r in evaluate(inp, Q1) if r.person_id == "ann"]
    assert (estimate.before, estimate.after) == (before.total, after.total)
    assert estimate.lines == tuple(line for line in after.lines if line.order_id == "opp-1")
    assert estimate.delta == 700_000  # all 100,000 above 500,000 at 7%


def test_orders_read_from_a_parquet_file_give_the_rows_of_plain_orders(tmp_path: Path) -> None:
    inp = company(ORDERS)
    path = tmp_path / "orders.parquet"
    pq.write_table(FactTables.from_input(inp).orders, path)
    run = run_period(FactTables(inp, path), Q1)
    try:
        assert run.results() == evaluate(inp, Q1)
    finally:
        run.close()


def test_a_parquet_file_of_orders_out_of_id_order_is_refused(tmp_path: Path) -> None:
    inp = company(tuple(reversed(ORDERS)))
    path = tmp_path / "orders.parquet"
    pq.write_table(FactTables.from_input(inp).orders, path)
    with pytest.raises(InvalidInput, match="not sorted by order_id"):
        run_period(FactTables(inp, path), Q1)


def test_row_groups_each_sorted_but_out_of_order_are_refused(tmp_path: Path) -> None:
    table = FactTables.from_input(company(ORDERS)).orders
    assert isinstance(table, pa.Table)
    assert table.num_rows >= 2
    half = table.num_rows // 2
    path = tmp_path / "orders.parquet"
    # Two row groups, each in id order, the later ids first.
    pq.write_table(pa.concat_tables([table.slice(half), table.slice(0, half)]), path, row_group_size=half)
    assert pq.ParquetFile(path).metadata.num_row_groups >= 2
    with pytest.raises(InvalidInput, match="not sorted by order_id"):
        run_period(FactTables(company(ORDERS), path), Q1)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("half_even", [50, -50, 52]),
        ("half_up", [51, -51, 52]),
        ("down", [50, -50, 51]),
        ("up", [51, -51, 52]),
    ],
)
def test_each_rounding_mode_rounds_half_cent_ties_like_the_reference(mode: str, expected: list[int]) -> None:
    plan = compile_text(
        f"{MARGINAL.split('components:', maxsplit=1)[0]}rounding: {mode}\ncomponents:\n"
        "  - commission: core\n    measure: bookings\n    rate: 0.5%\n"
    )
    orders = (
        OrderRow("t1", date(2025, 1, 5), 10_100, "USD", owner="ann"),  # 50.5 cents
        OrderRow("t2", date(2025, 1, 6), -10_100, "USD", owner="ann"),  # -50.5 cents
        OrderRow("t3", date(2025, 1, 7), 10_300, "USD", owner="ann"),  # 51.5 cents
    )
    inp = CalculationInput(
        CAL, {"rep": plan}, (PlanAssignmentRow("ann", "rep", 0, date(2025, 1, 1)),), orders
    )
    [result] = evaluate_fast(inp, Q1)
    assert [line.amount for line in result.lines] == expected
    assert [result] == evaluate(inp, Q1)
