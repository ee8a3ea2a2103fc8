"""The open benchmark's incremental side: the closed quarter's corrections as an `OrderChange`, the close's
per-payee totals and sums kept beside the Parquet files, and the timing of `recalculate_totals` against the
full recalculation of the quarter.

The close keeps what a store would keep for each closed period: every payee's component totals, plan cap and
the sums they were settled from (`attain.engine.patching.PayeeTotals`), here pickled next to the facts. The
corrections are read from the two versions of the closed quarter's files by order id (the files are sorted by
it, so Parquet's row-group statistics skip most of them): what an import of changed orders hands over.
"""

from __future__ import annotations

import os
import pickle
import statistics
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

import open_workload as w
from attain.engine.incremental import OrderChange
from attain.engine.patching import PayeeTotals, payee_totals, plan_recalculation, recalculate_totals
from attain.engine.relational import FactTables, run_period
from attain.engine.relational.workspace import Workspace

INCREMENTAL_REPEATS = 5
FULL_REPEATS = 3
CLOSED = "closed_totals.pickle"


def files(folder: Path, name: str) -> tuple[Path, Path]:
    return folder / f"{name}_orders.parquet", folder / f"{name}_splits.parquet"


def save_closed(folder: Path, rows: list[PayeeTotals]) -> None:
    (folder / CLOSED).write_bytes(pickle.dumps(rows))


def load_closed(folder: Path) -> list[PayeeTotals]:
    rows: list[PayeeTotals] = pickle.loads((folder / CLOSED).read_bytes())
    return rows


def closed_sums(folder: Path, orders: int, payees: int, memory_limit: str) -> dict[str, Any]:
    """The close's totals and sums for a folder closed before they were kept (not timed)."""
    run = run_period(
        FactTables(w.inputs(orders, payees), *files(folder, "prior")), w.PRIOR, Workspace(memory_limit)
    )
    try:
        save_closed(folder, payee_totals(run))
    finally:
        run.close()
    return {"kept": True}


def change_of(folder: Path, orders: int) -> OrderChange:
    """The corrected orders of the closed quarter, as they were at its close and as they are now."""
    ids = [f"{w.PRIOR.key}-{i:010d}" for i in w.changed_positions(orders)]

    def picked(name: str) -> tuple[list[Any], list[Any]]:
        order_file, split_file = files(folder, name)
        return w.as_rows(
            pq.read_table(order_file, filters=[("order_id", "in", ids)]),
            pq.read_table(split_file, filters=[("order_id", "in", ids)]),
        )

    before, splits_before = picked("prior")
    after, splits_after = picked("prior_changed")
    return OrderChange(tuple(before), tuple(after), tuple(splits_before), tuple(splits_after))


def patched_prior(folder: Path, orders: int, payees: int, memory_limit: str) -> list[PayeeTotals]:
    """The closed quarter brought up to date from its close and the corrections (what the timed run does
    with `--prior patching`)."""
    change = change_of(folder, orders)
    previous = {w.PRIOR.key: load_closed(folder)}
    facts = FactTables(w.inputs(orders, payees), *files(folder, "prior_changed"))
    updated = recalculate_totals(previous, facts, change, [w.PRIOR], lambda: Workspace(memory_limit))
    return updated[w.PRIOR.key]


def incremental(folder: Path, orders: int, payees: int, memory_limit: str) -> dict[str, Any]:
    """The 100 corrected orders of the closed quarter: roll-up managers patched, reached sellers
    recalculated on their slice, against the full recalculation."""
    inp = w.inputs(orders, payees)
    change = change_of(folder, orders)

    def space() -> Workspace:
        return Workspace(memory_limit)

    def totals(facts: FactTables, period: Any) -> list[PayeeTotals]:
        run = run_period(facts, period, space())
        try:
            return payee_totals(run)
        finally:
            run.workspace.close()

    previous = {w.PRIOR.key: totals(FactTables(inp, *files(folder, "prior")), w.PRIOR)}
    changed_facts = FactTables(inp, *files(folder, "prior_changed"))
    plan = plan_recalculation(inp, change, [w.PRIOR])
    seconds, full_seconds, equal = [], [], True
    for _ in range(INCREMENTAL_REPEATS):
        started = time.perf_counter()
        updated = recalculate_totals(previous, changed_facts, change, [w.PRIOR], space)
        seconds.append(time.perf_counter() - started)
    for _ in range(FULL_REPEATS):
        started = time.perf_counter()
        full = totals(changed_facts, w.PRIOR)
        full_seconds.append(time.perf_counter() - started)
        equal = equal and updated[w.PRIOR.key] == full
    return {
        "changed": len(change.after),
        "people": len(plan.patched | plan.recalculated),
        "patched": len(plan.patched),
        "payees": len(full),
        "incremental_seconds": statistics.median(seconds),
        "incremental_range": [min(seconds), max(seconds)],
        "full_seconds": statistics.median(full_seconds),
        "equal": equal,
        "load": os.getloadavg()[0],
    }
