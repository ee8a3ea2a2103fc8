"""The Spark backend gives exactly the embedded engine's rows, to the cent: golden and generated cases."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, event, given, settings

from attain.domain.calendar import Period
from attain.domain.errors import AttainError
from attain.engine.fixtures import load_plans, load_yaml, read_scenario
from attain.engine.inputs import CalculationInput
from attain.engine.relational import evaluate_fast
from attain.engine.results import PayeeResult, plain
from tests.unit.engine.generated_plans import companies

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CASES = Path(__file__).resolve().parents[1] / "golden" / "cases"
FOLDERS = sorted(p for p in CASES.iterdir() if p.is_dir()) if CASES.is_dir() else []
# 200 generated companies by default (the acceptance bar); a quicker local loop can ask for fewer.
EXAMPLES = int(os.environ.get("ATTAIN_SPARK_EXAMPLES", "200"))


def on_spark(spark: SparkSession, inp: CalculationInput, period: Period) -> list[PayeeResult]:
    # Imported here: collecting this module must not need PySpark (the fixture skips without it).
    from attain.engine.relational.facts import FactTables  # noqa: PLC0415
    from attain.engine.spark import SparkWorkspace, run_period_spark  # noqa: PLC0415

    workspace = SparkWorkspace(spark)
    try:
        return run_period_spark(FactTables.from_input(inp), period, workspace).results()
    finally:
        workspace.close()


@pytest.mark.parametrize("case", FOLDERS, ids=[c.name for c in FOLDERS])
def test_golden_case_gives_the_embedded_engines_rows_on_spark(spark: SparkSession, case: Path) -> None:
    data = load_yaml((case / "inputs.yaml").read_text(encoding="utf-8"), str(case / "inputs.yaml"))
    plans = load_plans([case / p for p in data.pop("plans", [])])
    scenario = read_scenario(data, plans, str(case))
    for period in scenario.periods:
        expected = evaluate_fast(scenario.inputs, period)
        actual = on_spark(spark, scenario.inputs, period)
        assert actual == expected, f"{case.name} {period.key}"
        assert plain(actual) == plain(expected)


# A rate card by product family under four marginal bands: 50 rates, more than fit inline in the SQL, so
# the lines join the rates table. (A correlated lookup per use once broke Spark's planner on the UNION
# ALL of whole-bucket and sliced lines: "key not found: rate_id".)
RATE_CARD_PLAN = """
plan: card
currency: USD
period: quarter
measures:
  bookings: {sum: amount}
components:
  - commission: core
    measure: bookings
    rate_by: {field: product_family, rates: {Hardware: 2%, Software: 5%, Services: 3.5%}, default: 3%}
    tiers:
      method: marginal
      bands:
        - {upto: 100000, multiplier: 0.5}
        - {upto: 250000, multiplier: 1}
        - {upto: 400000, multiplier: 1.5, accelerator: true}
        - {multiplier: 2, accelerator: true}
"""
FAMILIES = ("Hardware", "Software", "Services", "Training")


def test_a_rate_card_under_marginal_bands_gives_the_embedded_engines_rows_on_spark(
    spark: SparkSession, tmp_path: Path
) -> None:
    (tmp_path / "plan.yaml").write_text(RATE_CARD_PLAN, encoding="utf-8")
    orders = [
        {
            "id": f"o{i}",
            "booked_on": f"2025-{1 + i % 3:02d}-{1 + i % 28:02d}",
            "amount": 7_000 + (i * 7_919) % 40_000,
            "owner": ("ann", "bob")[i % 2],
            "product_family": FAMILIES[i % 4],
        }
        for i in range(60)
    ]
    data = {
        "periods": ["FY2025-Q1"],
        "assignments": [
            {"person": p, "plan": "card", "target_incentive": 0, "from": "2025-01-01"} for p in ("ann", "bob")
        ],
        "orders": orders,
    }
    plans = load_plans([tmp_path / "plan.yaml"])
    scenario = read_scenario(data, plans, str(tmp_path))
    [period] = scenario.periods
    expected = evaluate_fast(scenario.inputs, period)
    assert {line.tier for r in expected for line in r.lines} >= {1, 2, 3, 4}
    assert on_spark(spark, scenario.inputs, period) == expected


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@pytest.mark.slow
@given(case=companies())
def test_generated_plans_give_the_embedded_engines_rows_on_spark(
    spark: SparkSession, case: tuple[CalculationInput, Period]
) -> None:
    inp, period = case
    try:
        expected = evaluate_fast(inp, period)
    except AttainError as exc:
        event(f"both fail: {type(exc).__name__}")
        with pytest.raises(type(exc)):
            on_spark(spark, inp, period)
        return
    actual = on_spark(spark, inp, period)
    assert actual == expected
    assert plain(actual) == plain(expected)


def test_a_sliced_run_from_parquet_gives_the_embedded_engines_rows_on_spark(
    spark: SparkSession, tmp_path: Path
) -> None:
    """An incremental slice (orders filtered while loading, id order checked among them) on both backends."""
    import dataclasses  # noqa: PLC0415
    from datetime import date  # noqa: PLC0415
    from decimal import Decimal  # noqa: PLC0415

    import pyarrow.parquet as pq  # noqa: PLC0415

    from attain.domain.calendar import PeriodKind  # noqa: PLC0415
    from attain.engine.incremental import slice_facts  # noqa: PLC0415
    from attain.engine.inputs import CreditSplit, OrderRow  # noqa: PLC0415
    from attain.engine.relational import run_period  # noqa: PLC0415
    from attain.engine.relational.facts import FactTables, orders_table, splits_table  # noqa: PLC0415
    from attain.engine.spark import SparkWorkspace, run_period_spark  # noqa: PLC0415
    from tests.unit.engine.test_incremental import REP, company  # noqa: PLC0415

    orders = (
        OrderRow("o1", date(2025, 5, 10), 100_000, "USD", owner="ann", product_family="HW"),
        OrderRow("o2", date(2025, 5, 11), 250_001, "USD", owner="ed"),
        OrderRow("o3", date(2025, 5, 12), 300_000, "USD", owner="tia", territory="west"),
        OrderRow("o4", date(2025, 6, 2), 70_000, "USD", owner="ed", territory="east"),
    )
    splits = (
        CreditSplit("o2", "ed", Decimal("0.6"), sequence=1),
        CreditSplit("o2", "ann", Decimal("0.4"), sequence=2),
    )
    pq.write_table(orders_table(orders), tmp_path / "orders.parquet")
    pq.write_table(splits_table(splits), tmp_path / "splits.parquet")
    inp = dataclasses.replace(company(REP), orders=(), splits=())
    facts = slice_facts(
        FactTables(inp, tmp_path / "orders.parquet", tmp_path / "splits.parquet"), frozenset({"ann", "mo"})
    )
    q2 = inp.calendar.periods(PeriodKind.QUARTER, 2025)[1]
    embedded = run_period(facts, q2)
    try:
        expected = embedded.results()
        assert embedded.line_count() > 0
    finally:
        embedded.close()
    assert {r.person_id for r in expected} == {"ann", "mo"}
    assert {line.order_id for r in expected for line in r.lines if line.order_id} == {"o1", "o2"}
    workspace = SparkWorkspace(spark)
    try:
        assert run_period_spark(facts, q2, workspace).results() == expected
    finally:
        workspace.close()
