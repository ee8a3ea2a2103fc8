"""The open benchmark's workload at a tiny size: the reference evaluator, the fast engine and the benchmark's
hand-written baseline agree to the cent, and the workload has what issue 8 asks for."""

from __future__ import annotations

import dataclasses
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from attain.domain.plans.model import CreditRole
from attain.engine.reference import evaluate
from attain.engine.relational import FactTables, evaluate_fast, run_period
from attain.engine.results import PayeeResult

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))

import open_workload as w
from _open_baseline import baseline_components

ORDERS, PAYEES = 400, 40


def component_totals(results: list[PayeeResult]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = defaultdict(int)
    for r in results:
        for line in r.lines:
            out[(r.person_id, line.component)] += line.amount
    return {k: v for k, v in out.items() if v}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("open-workload")
    w.write(folder, ORDERS, PAYEES)
    return folder


@pytest.mark.parametrize("name", ["current", "prior_changed"])
def test_the_workload_evaluates_identically_on_the_reference_and_the_fast_engine(name: str) -> None:
    orders, splits = w.rows(name, ORDERS, PAYEES)
    inp = dataclasses.replace(w.inputs(ORDERS, PAYEES), orders=orders, splits=splits)
    period = w.FILES[name]
    expected = evaluate(inp, period)
    assert evaluate_fast(inp, period) == expected
    kinds = {line.kind for r in expected for line in r.lines}
    assert {"commission", "cap"} <= kinds
    if name == "current":
        assert "spiff" in kinds


@pytest.mark.parametrize("name", ["current", "prior", "prior_changed"])
def test_the_baseline_computes_what_the_engine_does(files: Path, name: str) -> None:
    inp = w.inputs(ORDERS, PAYEES)
    period = w.FILES[name]
    orders, splits = files / f"{name}_orders.parquet", files / f"{name}_splits.parquet"
    run = run_period(FactTables(inp, orders, splits), period)
    try:
        engine, lines = component_totals(run.results()), run.line_count()
    finally:
        run.close()
    assert baseline_components(orders, splits, inp, period) == (engine, lines)


def test_the_workload_has_splits_three_roll_up_levels_tier_crossings_and_a_prior_change() -> None:
    orders, splits = w.rows("current", ORDERS, PAYEES)
    split_orders = {s.order_id for s in splits}
    assert 0.05 < len(split_orders) / len(orders) < 0.15
    inp = dataclasses.replace(w.inputs(ORDERS, PAYEES), orders=orders, splits=splits)
    manager = inp.plans["manager"]
    assert manager.crediting.rollup_levels == 3
    assert CreditRole.ROLLUP in manager.crediting.roles
    results = evaluate(inp, w.CURRENT)
    levels = {line.rollup_level for r in results for line in r.lines if line.credit_role == "rollup"}
    assert levels == {1, 2, 3}
    assert any(line.tier == 2 for r in results for line in r.lines)  # boundary crossings happen
    before, _ = w.rows("prior", ORDERS, PAYEES)
    after, _ = w.rows("prior_changed", ORDERS, PAYEES)
    changed = [a for b, a in zip(before, after, strict=True) if a != b]
    assert len(changed) == w.CHANGED
    assert all(a.booked_on < w.CURRENT.start for a in changed)
