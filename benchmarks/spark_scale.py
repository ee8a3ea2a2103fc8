"""Open benchmark: a period run on the embedded engine (DuckDB) and on Spark, and incremental recalculation.

Data: the seeded generator of `engine_period_run.py` (orders and splits written to Parquet on disk; 10% split
deals 60/40, reps under managers under directors, marginal tiers on attainment with boundary splitting, caps
at 3x the target incentive, manager roll-up overrides). Each backend runs in a child process reading the
Parquet files; it prints seconds, peak memory (ru_maxrss), orders per second, the ratio to the hand-written
DuckDB baseline of the same calculation, and whether every payee's total equals the baseline's to the cent.
Incremental: 100 orders of the period get new amounts; the reached people are recalculated and compared
with a full recompute of the changed data.

    python benchmarks/spark_scale.py --orders 1000000 --backend duckdb --backend spark --incremental
    python benchmarks/spark_scale.py --orders 10000000 --backend duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from engine_period_run import PERIOD, generate, peak_mib, small_inputs

PAYEES = 1_000
CHANGED = 100


def _run(backend: str, facts: object) -> tuple[dict[str, int], int]:
    from attain.engine.relational import run_period  # noqa: PLC0415

    if backend == "spark":
        from attain.engine.spark import run_period_spark  # noqa: PLC0415

        run = run_period_spark(facts, PERIOD)  # type: ignore[arg-type]
    else:
        run = run_period(facts, PERIOD)  # type: ignore[arg-type]
    totals = {person: total for (person, _, _), total in run.totals().items()}
    lines = run.line_count()
    run.close()
    return totals, lines


def measure(folder: Path, orders: int, backend: str) -> dict[str, object]:
    from _engine_baseline import baseline_totals  # noqa: PLC0415
    from attain.engine.relational import FactTables  # noqa: PLC0415

    inp = small_inputs(orders, PAYEES)
    facts = FactTables(inp, folder / "orders.parquet", folder / "splits.parquet")
    if backend == "spark":
        from attain.engine.spark import spark_session  # noqa: PLC0415

        started = time.perf_counter()
        spark_session()
        start_seconds = time.perf_counter() - started
    else:
        start_seconds = 0.0
    started = time.perf_counter()
    totals, lines = _run(backend, facts)
    seconds = time.perf_counter() - started
    peak = peak_mib()
    started = time.perf_counter()
    expected, _ = baseline_totals(facts, inp, PERIOD)
    baseline_seconds = time.perf_counter() - started
    wrong = sum(1 for p in set(expected) | set(totals) if expected.get(p) != totals.get(p))
    return {
        "backend": backend,
        "orders": orders,
        "lines": lines,
        "seconds": seconds,
        "spark_start": start_seconds,
        "baseline_seconds": baseline_seconds,
        "peak_mib": peak,
        "wrong": wrong,
        "load": os.getloadavg()[0],
    }


def incremental(folder: Path, orders: int) -> dict[str, object]:
    """Change 100 orders' amounts; recalculate the reached people only, then compare with a full run."""
    from attain.engine.incremental import OrderChange, recalculate  # noqa: PLC0415
    from attain.engine.inputs import OrderRow  # noqa: PLC0415
    from attain.engine.relational import FactTables, run_period  # noqa: PLC0415

    inp = small_inputs(orders, PAYEES)
    table = pq.read_table(folder / "orders.parquet")
    step = max(orders // CHANGED, 1)
    picked = list(range(0, orders, step))[:CHANGED]
    rows = table.take(pa.array(picked)).to_pylist()
    amounts = table.column("amount").to_numpy().copy()
    for i in picked:
        amounts[i] = amounts[i] * 2 + 1
    changed = table.set_column(table.schema.get_field_index("amount"), "amount", pa.array(amounts))
    pq.write_table(changed, folder / "orders_changed.parquet")
    before = tuple(
        OrderRow(r["order_id"], r["booked_on"], r["amount"], r["currency"], owner=r["owner"]) for r in rows
    )
    after = tuple(
        OrderRow(o.order_id, o.booked_on, o.amount * 2 + 1, o.currency, owner=o.owner) for o in before
    )
    split_table = pq.read_table(folder / "splits.parquet")
    ids = pa.array([o.order_id for o in before])
    touched = split_table.filter(pc.is_in(split_table.column("order_id"), ids)).to_pylist()
    from attain.engine.inputs import CreditSplit  # noqa: PLC0415

    splits = tuple(CreditSplit(s["order_id"], s["person_id"], s["share"]) for s in touched)
    change = OrderChange(before, after, splits, splits)

    def full(facts: FactTables, period: object) -> list:  # type: ignore[type-arg]
        run = run_period(facts, period)  # type: ignore[arg-type]
        try:
            return run.results()
        finally:
            run.close()

    old = FactTables(inp, folder / "orders.parquet", folder / "splits.parquet")
    new = FactTables(inp, folder / "orders_changed.parquet", folder / "splits.parquet")
    previous = {PERIOD.key: full(old, PERIOD)}
    started = time.perf_counter()
    updated = recalculate(previous, new, change, [PERIOD], full)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    recomputed = full(new, PERIOD)
    full_seconds = time.perf_counter() - started
    return {
        "orders": orders,
        "changed": len(before),
        "incremental_seconds": seconds,
        "full_seconds": full_seconds,
        "equal": updated[PERIOD.key] == recomputed,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, action="append")
    parser.add_argument("--backend", action="append", choices=["duckdb", "spark"])
    parser.add_argument("--incremental", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("FOLDER", "ORDERS", "BACKEND"))
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if args.child:
        folder, orders, what = Path(args.child[0]), int(args.child[1]), args.child[2]
        result = incremental(folder, orders) if what == "incremental" else measure(folder, orders, what)
        print(json.dumps(result))
        return 0
    here = str(Path(__file__).resolve())
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, cores {os.cpu_count()}")
    print(
        "| backend | orders | lines | seconds | Spark start s | baseline s | ratio | peak MiB | orders/s | "
        "load avg | totals equal baseline |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for orders in args.orders or [1_000_000]:
        with tempfile.TemporaryDirectory(prefix="attain-scale-") as tmp:
            generate(orders, PAYEES, Path(tmp))
            for backend in args.backend or ["duckdb", "spark"]:
                out = (
                    subprocess.run(
                        [sys.executable, here, "--child", tmp, str(orders), backend],
                        check=True,
                        capture_output=True,
                        text=True,
                    )
                    .stdout.strip()
                    .splitlines()[-1]
                )
                r = json.loads(out)
                print(
                    f"| {backend} | {orders:,} | {r['lines']:,} | {r['seconds']:.1f} | "
                    f"{r['spark_start']:.1f} | "
                    f"{r['baseline_seconds']:.1f} | {r['seconds'] / r['baseline_seconds']:.2f} | "
                    f"{r['peak_mib']:,.0f} | {orders / r['seconds']:,.0f} | {r['load']:.1f} | "
                    f"{'yes' if r['wrong'] == 0 else 'NO: ' + str(r['wrong'])} |",
                    flush=True,
                )
            if args.incremental:
                out = (
                    subprocess.run(
                        [sys.executable, here, "--child", tmp, str(orders), "incremental"],
                        check=True,
                        capture_output=True,
                        text=True,
                    )
                    .stdout.strip()
                    .splitlines()[-1]
                )
                r = json.loads(out)
                print(
                    f"incremental: {r['changed']} orders changed in {orders:,}: "
                    f"{r['incremental_seconds']:.1f} s "
                    f"(full recompute {r['full_seconds']:.1f} s), equal to the full recompute: {r['equal']}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
