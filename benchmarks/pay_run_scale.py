"""Benchmark: one period run through the application (`run_period`: store -> engine -> settlement -> results
stored) on generated companies of growing size, with the time split by stage.

For each size a child process generates the demo company (`install_demo` with `--reps N` and
`--orders-per-rep` order lines per rep) into a SQLite file and saves and assigns the demo plans (no runs);
that file is then copied for each variant, and a child per variant runs the current quarter once, timing
the stages by wrapping the functions `run_period` calls: reading facts, fingerprinting them, the engine,
prior-period deltas, settlement (history read and settle), hashing the results and storing them
(`add_payees`, `make_current`), in CPU seconds of the child (SQLite runs inside it). The results hash
shows that the variants give identical results. The total is also given in wall-clock seconds, which the
machine's other load inflates.
Usage: python benchmarks/pay_run_scale.py [--reps 200 1000 2000] [--src LABEL=DIR ...] [--timeout S]
       [--up-to LABEL=REPS ...]
With --src, each variant's child imports attain from DIR (e.g. `git archive` of another commit); a variant
that has not finished within --timeout seconds at some size is not run at larger sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

AS_OF = date(2026, 11, 15)
QUARTER = "FY2026-Q4"
STAGES = ("read facts", "fingerprint", "engine", "prior deltas", "settlement", "hash", "store results")


def _prepare(url: str, reps: int, orders: int) -> None:
    """The company, its plans and its plan assignments; nothing run."""
    from attain.app.runs.assignments import NewAssignment, assign_plan, save_plan  # noqa: PLC0415
    from attain.demo.install import install_demo  # noqa: PLC0415
    from attain.demo.pay import ROLE_PLAN, TARGET_INCENTIVE, plan_texts  # noqa: PLC0415
    from attain.demo.spec import DemoSpec  # noqa: PLC0415
    from attain.store.unit_of_work import open_store  # noqa: PLC0415

    started = time.perf_counter()
    store = open_store(url)
    store.upgrade()
    spec = DemoSpec(as_of=AS_OF, reps=reps, orders=orders)
    created = install_demo(store, spec, actor="bench").created()
    start = spec.calendar.year_start(spec.first_fy)
    with store.transaction() as tx:
        versions = [save_plan(tx, text, actor="bench") for text in plan_texts(spec)]
        spans = tx.pay_inputs.role_spans(sorted(ROLE_PLAN))
    for version in versions:
        role = next(r for r, key in ROLE_PLAN.items() if key == version.key)
        rows = [
            NewAssignment(person, TARGET_INCENTIVE[version.key], max(first, start), end)
            for person, r, first, end in spans
            if r == role and (end is None or end >= start)
        ]
        assign_plan(store, version.label, rows, actor="bench")
    store.dispose()
    orders = created.get("order", created.get("orders", 0))
    print(json.dumps({"seconds": time.perf_counter() - started, "orders": orders}))


def _timed(spent: dict[str, float], stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    # CPU seconds of this process (SQLite runs in it): steadier than wall time beside other work.
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[stage] += time.process_time() - started

    return wrapper


def _measure(url: str) -> None:
    from attain.app.runs import calculate  # noqa: PLC0415
    from attain.store.runs import SqlRuns  # noqa: PLC0415
    from attain.store.unit_of_work import open_store  # noqa: PLC0415

    spent: dict[str, float] = defaultdict(float)
    for name, stage in (
        ("read_facts", "read facts"),
        ("fingerprint", "fingerprint"),
        ("prior_deltas", "prior deltas"),
        ("read_history", "settlement"),
        ("settle_payees", "settlement"),
        ("results_hash", "hash"),
    ):
        setattr(calculate, name, _timed(spent, stage, getattr(calculate, name)))
    for name in ("add_payees", "make_current"):
        setattr(SqlRuns, name, _timed(spent, "store results", getattr(SqlRuns, name)))
    choose = calculate.evaluator

    def evaluator(kind: Any = None) -> Any:
        chosen, evaluate = choose(kind)
        return chosen, _timed(spent, "engine", evaluate)

    calculate.evaluator = evaluator
    store = open_store(url)
    started, cpu = time.perf_counter(), time.process_time()
    summary = calculate.run_period(store, QUARTER, as_of=AS_OF, actor="bench")
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    store.dispose()
    # The engine also runs inside prior deltas (closed periods recalculated): count it there once.
    print(
        json.dumps(
            {
                "total": total,
                "cpu": cpu,
                "spent": spent,
                "payees": summary.payees,
                "engine": summary.engine,
                "hash": summary.results_hash,
                "source": calculate.__file__,
            }
        )
    )


def _child(args: list[str], src: str | None, timeout: float | None) -> dict[str, Any] | None:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", *args],
            check=True,
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, nargs="*", default=[200, 1000, 2000])
    parser.add_argument("--orders-per-rep", type=int, default=273, help="order lines per rep (web_load: 273)")
    parser.add_argument("--src", action="append", default=[], help="LABEL=DIR: a variant's source folder")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a variant's run may take")
    parser.add_argument(
        "--up-to", action="append", default=[], help="LABEL=REPS: run that variant at sizes up to REPS only"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "prepare":
            _prepare(args.child[1], int(args.child[2]), int(args.child[3]))
        else:
            _measure(args.child[1])
        return
    variants = [tuple(v.split("=", 1)) for v in args.src] or [("current", None)]
    up_to = {label: int(reps) for label, reps in (v.split("=", 1) for v in args.up_to)}
    stopped: set[str] = set()
    previous: dict[str, float] = {}
    stages = " s | ".join(STAGES)
    print(
        f"| reps | orders | variant | payees | wall s | CPU s | CPU x per size step | {stages} CPU s "
        "| results hash |"
    )
    print(f"|---:|---:|---|---:|---:|---:|---:|{'---:|' * len(STAGES)}---|")
    with tempfile.TemporaryDirectory() as folder:
        for reps in args.reps:
            made = Path(folder) / f"company_{reps}.db"
            prepared = _child(
                ["prepare", f"sqlite:///{made}", str(reps), str(reps * args.orders_per_rep)], None, None
            )
            assert prepared is not None
            for label, src in variants:
                if label in stopped:
                    print(
                        f"| {reps:,} | {prepared['orders']:,} | {label} | not run: a smaller size timed out |"
                    )
                    continue
                if reps > up_to.get(label, reps):
                    print(f"| {reps:,} | {prepared['orders']:,} | {label} | not run (--up-to) |")
                    continue
                copy = Path(folder) / f"run_{label}.db"
                shutil.copyfile(made, copy)
                r = _child(["measure", f"sqlite:///{copy}"], src, args.timeout)
                copy.unlink()
                if r is None:
                    stopped.add(label)
                    late = f"did not finish in {args.timeout:.0f} s"
                    print(f"| {reps:,} | {prepared['orders']:,} | {label} | {late} |")
                    continue
                step = f"{r['cpu'] / previous[label]:.1f}" if label in previous else ""
                previous[label] = r["cpu"]
                stages = " | ".join(f"{r['spent'].get(s, 0.0):.1f}" for s in STAGES)
                print(
                    f"| {reps:,} | {prepared['orders']:,} | {label} | {r['payees']:,} | {r['total']:.1f} "
                    f"| {r['cpu']:.1f} | {step} | {stages} | {r['hash'][:12]} |",
                    flush=True,
                )
            made.unlink()
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (this machine has {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
