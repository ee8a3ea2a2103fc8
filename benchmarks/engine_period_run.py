"""Benchmark: a full period run of the fast engine on generated data, against a hand-written DuckDB baseline.

1 M and 10 M orders, 1,000 and 10,000 payees, 10% split deals, two levels of manager roll-ups, marginal tiers
on attainment with boundary splitting and a cap at 3x the period's target incentive. Each size runs in a child
process that reads the seeded data from Parquet, runs the engine, then the baseline of the same calculation,
checks that every payee's total agrees to the cent, and reports seconds, peak memory (ru_maxrss), rows/s
and the ratio to the baseline. Also times the what-if estimate for one person. Not a test: prints a table.

    python benchmarks/engine_period_run.py     # 1M x 1,000, 1M x 10,000, 10M x 1,000, 10M x 10,000
    python benchmarks/engine_period_run.py --orders 1000000 --payees 1000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from attain.domain.calendar import FiscalCalendar, PeriodKind
from attain.engine.inputs import CalculationInput, ManagerLink, OrderRow, PlanAssignmentRow, QuotaRow
from attain.engine.plan_source import compile_text

SEED = 20251128
REPEATS = 3
CAL = FiscalCalendar(1)
PERIOD = CAL.period(PeriodKind.QUARTER, 2025, 1)
REP_TI = 10_000_000  # 100,000.00 a year
MANAGER_TI = 5_000_000

REP_PLAN = """\
plan: rep
currency: USD
period: quarter
measures:
  bookings:
    sum: amount
    quota: {metric: bookings}
components:
  - commission: core
    measure: bookings
    tiers:
      method: marginal
      on: attainment
      bands:
        - {upto: 100%, rate: 5%}
        - {upto: 150%, rate: 8%}
        - {rate: 12%}
    cap: {target_incentive: 3}
"""

MANAGER_PLAN = """\
plan: manager
currency: USD
period: quarter
crediting:
  roles: [rollup]
  rollup_levels: 2
measures:
  team_bookings: {sum: amount}
components:
  - commission: override
    measure: team_bookings
    rate_by:
      field: rollup_level
      rates: {"1": 1%, "2": 0.5%}
    cap: {target_incentive: 3}
"""


def org(payees: int) -> tuple[list[str], list[str], list[str]]:
    directors = max(payees // 100, 1)
    managers = max(payees // 10 - directors, 1)
    reps = payees - managers - directors
    return (
        [f"R{i:05d}" for i in range(reps)],
        [f"M{i:04d}" for i in range(managers)],
        [f"D{i:03d}" for i in range(directors)],
    )


def reps_of(payees: int) -> list[str]:
    return org(payees)[0]


def generate(orders: int, payees: int, folder: Path) -> None:
    """Seeded orders and splits as Parquet; the org and quotas are rebuilt from the same seed."""
    rng = np.random.default_rng(SEED)
    reps, _, _ = org(payees)
    days = rng.integers(0, PERIOD.days, orders)
    booked = np.datetime64(PERIOD.start.isoformat()) + days.astype("timedelta64[D]")
    amount = (np.exp(rng.normal(13.0, 1.0, orders)) // 1 + 10_000).astype(np.int64)  # cents, median ~4,400
    owner_index = rng.integers(0, len(reps), orders)
    rep_names = np.array(reps)
    ids = np.char.add("O", np.char.zfill(np.arange(orders).astype(str), 9))
    order_table = pa.table(
        {
            "order_id": pa.array(ids.tolist(), pa.string()),
            "booked_on": pa.array(booked.astype("datetime64[D]"), pa.date32()),
            "amount": pa.array(amount, pa.int64()),
            "currency": pa.array(np.full(orders, "USD").tolist(), pa.string()),
            "owner": pa.array(rep_names[owner_index].tolist(), pa.string()),
        }
    )
    split = np.flatnonzero(rng.random(orders) < 0.10)
    partner = (owner_index[split] + rng.integers(1, len(reps), len(split))) % len(reps)
    n = len(split)
    split_table = pa.table(
        {
            "order_id": pa.array(np.concatenate([ids[split], ids[split]]).tolist(), pa.string()),
            "person_id": pa.array(
                np.concatenate([rep_names[owner_index[split]], rep_names[partner]]).tolist(), pa.string()
            ),
            "share": pa.array([Decimal("0.6")] * n + [Decimal("0.4")] * n, pa.decimal128(18, 9)),
            "role": pa.array(["direct"] * (2 * n), pa.string()),
            "sequence": pa.array([1] * n + [2] * n, pa.int32()),
        }
    )
    pq.write_table(order_table, folder / "orders.parquet")
    pq.write_table(split_table, folder / "splits.parquet")


def small_inputs(orders: int, payees: int) -> CalculationInput:
    rng = np.random.default_rng(SEED + 1)
    reps, managers, directors = org(payees)
    links = [ManagerLink(r, managers[i % len(managers)], date(2020, 1, 1)) for i, r in enumerate(reps)]
    links += [ManagerLink(m, directors[i % len(directors)], date(2020, 1, 1)) for i, m in enumerate(managers)]
    # A quota near each rep's expected bookings (the mean order is e^13.5 cents, ~7,294.16), so
    # attainment spreads over 60-140% and orders really cross the 100% and 150% tier edges.
    expected = orders * 729_416 // len(reps)
    quotas = [
        QuotaRow(r, "bookings", PERIOD.key, Decimal(int(expected * f)) / 100)
        for r, f in zip(reps, rng.uniform(0.6, 1.4, len(reps)), strict=True)
    ]
    start = date(2025, 1, 1)
    assignments = [PlanAssignmentRow(r, "rep", REP_TI, start) for r in reps]
    assignments += [PlanAssignmentRow(m, "manager", MANAGER_TI, start) for m in [*managers, *directors]]
    plans = {"rep": compile_text(REP_PLAN), "manager": compile_text(MANAGER_PLAN)}
    return CalculationInput(CAL, plans, tuple(assignments), managers=tuple(links), quotas=tuple(quotas))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(folder: Path, orders: int, payees: int) -> dict[str, object]:
    """Runs in a child process: engine, then the baseline, then the what-if; returns the numbers."""
    from _engine_baseline import baseline_totals  # noqa: PLC0415
    from attain.engine.relational import FactTables, WhatIf, run_period  # noqa: PLC0415

    inp = small_inputs(orders, payees)
    # The large-data path: DuckDB reads the Parquet files itself, so no order becomes a Python object.
    facts = FactTables(inp, folder / "orders.parquet", folder / "splits.parquet")
    loaded = peak_mib()
    load_before = os.getloadavg()[0]
    engine_times, baseline_times, engine_cpu, baseline_cpu = [], [], [], []
    engine_peak = 0.0
    # Interleaved repeats, medians reported: other work on the machine shifts single runs a lot.
    for _ in range(REPEATS):
        started, cpu = time.perf_counter(), time.process_time()
        run = run_period(facts, PERIOD)
        totals = run.totals()
        lines = run.line_count()
        engine_times.append(time.perf_counter() - started)
        engine_cpu.append(time.process_time() - cpu)
        run.close()
        engine_peak = engine_peak or peak_mib()
        started, cpu = time.perf_counter(), time.process_time()
        expected, baseline_lines = baseline_totals(facts, inp, PERIOD)
        baseline_times.append(time.perf_counter() - started)
        baseline_cpu.append(time.process_time() - cpu)
    engine_seconds = sorted(engine_times)[len(engine_times) // 2]
    baseline_seconds = sorted(baseline_times)[len(baseline_times) // 2]
    got = {person: total for (person, _, _), total in totals.items()}
    wrong = [p for p in expected if expected[p] != got.get(p)] + [p for p in got if p not in expected]
    whatif = WhatIf(facts, PERIOD, reps_of(payees)[0])
    extra = OrderRow("WHATIF-1", date(2025, 3, 31), 5_000_000, "USD", owner=reps_of(payees)[0])
    times, cpu_times = [], []
    for _ in range(7):
        started, cpu = time.perf_counter(), time.process_time()
        whatif.estimate(extra)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu)
    return {
        "orders": orders,
        "payees": payees,
        "lines": lines,
        "baseline_lines": baseline_lines,
        "engine_seconds": engine_seconds,
        "baseline_seconds": baseline_seconds,
        "loaded_mib": loaded,
        "engine_peak_mib": engine_peak,
        "wrong_totals": len(wrong),
        "whatif_ms": sorted(times)[len(times) // 2] * 1000,
        "whatif_cpu_ms": sorted(cpu_times)[len(cpu_times) // 2] * 1000,
        "engine_cpu": sorted(engine_cpu)[len(engine_cpu) // 2],
        "baseline_cpu": sorted(baseline_cpu)[len(baseline_cpu) // 2],
        "total_cents": sum(got.values()),
        "load": max(load_before, os.getloadavg()[0]),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, action="append")
    parser.add_argument("--payees", type=int, action="append")
    parser.add_argument("--child", nargs=3, metavar=("FOLDER", "ORDERS", "PAYEES"))
    parser.add_argument("--generate", nargs=3, metavar=("FOLDER", "ORDERS", "PAYEES"))
    args = parser.parse_args()
    if args.generate:
        generate(int(args.generate[1]), int(args.generate[2]), Path(args.generate[0]))
        return 0
    if args.child:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        print(json.dumps(measure(Path(args.child[0]), int(args.child[1]), int(args.child[2]))))
        return 0
    sizes = [
        (o, p) for o in (args.orders or [1_000_000, 10_000_000]) for p in (args.payees or [1_000, 10_000])
    ]
    print(f"machine: {platform.machine()}, {platform.python_version()}, cores {len(os.sched_getaffinity(0))}")
    print(
        "| orders | payees | lines | engine s | baseline s | ratio | engine CPU s | baseline CPU s "
        "| CPU ratio | orders/s | peak MiB (data loaded) | what-if ms (CPU ms) | load avg | totals agree |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    failed = False
    for orders, payees in sizes:
        with tempfile.TemporaryDirectory(prefix="attain-bench-") as tmp:
            # Generated in a process of its own: a measuring child forked from a parent that had held the
            # data would inherit the parent's peak in ru_maxrss.
            subprocess.run(
                [sys.executable, __file__, "--generate", tmp, str(orders), str(payees)], check=True
            )
            out = subprocess.run(
                [sys.executable, __file__, "--child", tmp, str(orders), str(payees)],
                capture_output=True,
                text=True,
                check=False,
            )
        if out.returncode != 0:
            print(out.stderr[-3000:])
            return 1
        r = json.loads(out.stdout.strip().splitlines()[-1])
        agree = r["wrong_totals"] == 0 and r["lines"] == r["baseline_lines"]
        failed |= not agree
        print(
            f"| {orders:,} | {payees:,} | {r['lines']:,} | {r['engine_seconds']:.2f} | "
            f"{r['baseline_seconds']:.2f} | "
            f"{r['engine_seconds'] / r['baseline_seconds']:.2f} | {r['engine_cpu']:.2f} | "
            f"{r['baseline_cpu']:.2f} | {r['engine_cpu'] / r['baseline_cpu']:.2f} | "
            f"{orders / r['engine_seconds']:,.0f} | "
            f"{r['engine_peak_mib']:,.0f} ({r['loaded_mib']:,.0f}) | {r['whatif_ms']:.1f} "
            f"({r['whatif_cpu_ms']:.1f}) | "
            f"{r['load']:.1f} | "
            f"{'yes' if agree else 'NO (' + str(r['wrong_totals']) + ' payees)'} |",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
