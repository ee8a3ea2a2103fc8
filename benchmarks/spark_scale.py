"""Open benchmark (issue 8): a period run on the embedded engine (DuckDB) and on Spark, against a hand-written
baseline, and incremental recalculation of a changed closed period.

Workload: `open_workload.py` (Parquet files on disk, written a million orders at a time): per size, N orders
in the current quarter and N in the closed quarter three periods back; 10% split deals, three roll-up
levels, marginal tiers with boundary splitting, caps, a SPIFF, and a correction of 100 orders of the closed
quarter after its close. The closed quarters in between are unchanged, so a run skips them (their facts'
fingerprints match) and they are not generated.

The timed run is what `attain run` does for the current period: calculate it, recalculate the changed
closed quarter in full (as `app/runs/prior.py` does) and take the per-component deltas against what its close
posted (the close is computed before timing). The baseline (`_open_baseline.py`) computes the same in
hand-written DuckDB SQL in the same child process, and every delta and total must agree to the cent before
a row is printed. Peak memory: the largest resident set of the child and its processes (the Spark JVM),
sampled from /proc. Incremental: the same 100 corrected orders recalculated with
`attain.engine.patching.recalculate_totals` (roll-up managers patched, reached sellers recalculated on
their slice) against the full recalculation. With `--prior patching`, the timed run brings the closed quarter
up to date that way instead of recalculating it: from the totals and sums its close kept and the corrections
(`_open_incremental.py`); the baseline still recalculates it in full, and the deltas must agree.

    python benchmarks/spark_scale.py --sizes 100k --backends duckdb,spark --incremental
    python benchmarks/spark_scale.py --sizes 1M,10M --backends duckdb,spark --incremental
    python benchmarks/spark_scale.py --sizes 100M --backends duckdb --data-dir /var/tmp/attain-100m
    python benchmarks/spark_scale.py --sizes 100M --backends duckdb --prior patching --data-dir ...
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))

import open_workload as w  # noqa: E402
from _open_incremental import (  # noqa: E402
    CLOSED,
    FULL_REPEATS,
    INCREMENTAL_REPEATS,
    closed_sums,
    files,
    incremental,
    patched_prior,
    save_closed,
)
from attain.engine.patching import payee_totals  # noqa: E402

Totals = dict[tuple[str, str], int]
LABELS = {"patching": "prior patched", "disk": "lines on disk"}


def parse_size(text: str) -> int:
    """`100k`, `1M`, `10M`, `100M` or a plain number of orders."""
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1].lower(), 1)
    digits = text[:-1] if scale > 1 else text
    try:
        return int(float(digits) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size '{text}' is not a number of orders (e.g. 100k, 1M)") from None


class TreePeak:
    """The peak resident set of this process and all its descendants, sampled from /proc every 100 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, tree_rss(os.getpid()))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self.peak, tree_rss(os.getpid())) / 2**20


def tree_rss(root: int) -> int:
    """Bytes resident in `root` and its descendants now."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            pages = int((entry / "statm").read_text().split()[1])
        except OSError:
            continue  # the process ended while being read
        pid = int(entry.name)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[pid] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    children: dict[int, list[int]] = defaultdict(list)
    for pid, parent in parents.items():
        children[parent].append(pid)
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def flat(rows: list[Any]) -> Totals:
    """Per (person, component) totals, the plan cap as component "plan", as a close posts them."""
    out: Totals = defaultdict(int)
    for r in rows:
        for key, total in (*r.components, ("plan", r.plan_cap)):
            out[(r.person_id, key)] += total
    return {k: v for k, v in out.items() if v}


def deltas(now: Totals, posted: Totals) -> Totals:
    return {
        k: now.get(k, 0) - posted.get(k, 0)
        for k in set(now) | set(posted)
        if now.get(k, 0) != posted.get(k, 0)
    }


def close_prior(folder: Path, orders: int, payees: int, memory_limit: str) -> dict[str, Any]:
    """The close of the quarter three periods back, before its correction: what the ledger holds."""
    from _open_baseline import baseline_components  # noqa: PLC0415
    from attain.engine.relational import FactTables, run_period  # noqa: PLC0415
    from attain.engine.relational.workspace import Workspace  # noqa: PLC0415

    inp = w.inputs(orders, payees)
    run = run_period(FactTables(inp, *files(folder, "prior")), w.PRIOR, Workspace(memory_limit))
    closed = payee_totals(run)
    posted = flat(closed)
    run.workspace.close()  # passed in, so the run leaves it open: its memory must not stay with the baseline
    save_closed(folder, closed)  # what a store keeps of a closed period, for `--prior patching`
    expected, _ = baseline_components(*files(folder, "prior"), inp, w.PRIOR, memory_limit)
    assert posted == expected, "the engine and the baseline disagree on the closed quarter"
    rows = [[p, c, v] for (p, c), v in sorted(posted.items())]
    (folder / "posted.json").write_text(json.dumps(rows))
    return {"posted": len(rows)}


def measure(
    folder: Path,
    orders: int,
    payees: int,
    backend: str,
    memory_limit: str,
    patching: bool = False,
    lines_on_disk: bool = False,
) -> dict[str, Any]:
    """The current period's run with the prior-period deltas on `backend`, then the baseline's; with
    `patching`, the closed quarter is brought up to date from its close and the corrections; with
    `lines_on_disk`, DuckDB keeps the lines as Parquet files (`Workspace(lines_on_disk=True)`)."""
    from _open_baseline import baseline_components  # noqa: PLC0415
    from attain.engine.relational import FactTables, run_period  # noqa: PLC0415
    from attain.engine.relational.workspace import Workspace  # noqa: PLC0415

    inp = w.inputs(orders, payees)
    posted = {(p, c): v for p, c, v in json.loads((folder / "posted.json").read_text())}
    peak = TreePeak()
    start_seconds = 0.0
    if backend == "spark":
        from attain.engine.spark import SparkSettings, SparkWorkspace, run_period_spark  # noqa: PLC0415
        from attain.engine.spark import spark_session as session  # noqa: PLC0415

        started = time.perf_counter()
        spark = session(SparkSettings(config={"spark.driver.memory": os.environ.get("SPARK_MEMORY", "8g")}))
        start_seconds = time.perf_counter() - started

        def calculate(facts: FactTables, period: Any) -> Any:
            return run_period_spark(facts, period, SparkWorkspace(spark))
    else:

        def calculate(facts: FactTables, period: Any) -> Any:
            return run_period(facts, period, Workspace(memory_limit, lines_on_disk=lines_on_disk))

    def finish(run: Any) -> None:
        run.close()
        # A workspace passed in stays open: its cached tables and lines go with it, before the next run.
        run.workspace.close()

    started = time.perf_counter()
    run = calculate(FactTables(inp, *files(folder, "current")), w.CURRENT)
    current, lines = flat(payee_totals(run)), run.line_count()
    finish(run)
    if patching:
        prior = deltas(flat(patched_prior(folder, orders, payees, memory_limit)), posted)
    else:
        run = calculate(FactTables(inp, *files(folder, "prior_changed")), w.PRIOR)
        prior = deltas(flat(payee_totals(run)), posted)
        finish(run)
    seconds = time.perf_counter() - started
    peak_mib = peak.stop()
    started = time.perf_counter()
    base_current, base_lines = baseline_components(*files(folder, "current"), inp, w.CURRENT, memory_limit)
    changed = baseline_components(*files(folder, "prior_changed"), inp, w.PRIOR, memory_limit)
    base_prior = deltas(changed[0], posted)
    baseline_seconds = time.perf_counter() - started
    if current != base_current or prior != base_prior or lines != base_lines:
        wrong = sum(1 for k in set(current) | set(base_current) if current.get(k) != base_current.get(k))
        wrong += sum(1 for k in set(prior) | set(base_prior) if prior.get(k) != base_prior.get(k))
        raise SystemExit(
            f"{backend}: {wrong} totals differ from the baseline ({lines} vs {base_lines} lines)"
        )
    return {
        "lines": lines,
        "deltas": len(prior),
        "seconds": seconds,
        "spark_start": start_seconds,
        "baseline_seconds": baseline_seconds,
        "peak_mib": peak_mib,
        "load": os.getloadavg()[0],
    }


def child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(HERE), "--child", *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        print(out.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"the {args[0]} step failed (exit {out.returncode})")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run_child(what: str, folder: Path, orders: int, payees: int, memory_limit: str) -> dict[str, Any]:
    if what == "generate":
        w.write(folder, orders, payees)
        return {"generated": orders}
    if what == "close":
        return close_prior(folder, orders, payees, memory_limit)
    if what == "incremental":
        return incremental(folder, orders, payees, memory_limit)
    if what == "closed-sums":
        return closed_sums(folder, orders, payees, memory_limit)
    backend, *options = what.split(":")
    return measure(
        folder,
        orders,
        payees,
        backend,
        memory_limit,
        patching="patching" in options,
        lines_on_disk="disk" in options,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1M", help="orders per quarter, comma-separated: 100k,1M,10M,100M")
    parser.add_argument("--backends", default="duckdb,spark", help="comma-separated: duckdb, spark")
    parser.add_argument("--payees", type=int, default=1_000)
    parser.add_argument("--incremental", action="store_true", help="also time the incremental recalculation")
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB's memory limit; it spills beyond it")
    parser.add_argument("--data-dir", type=Path, help="keep (and reuse) the generated Parquet files here")
    parser.add_argument(
        "--lines",
        choices=["memory", "disk"],
        default="memory",
        help="where the embedded engine keeps a run's lines: a DuckDB table, or Parquet files on disk",
    )
    parser.add_argument(
        "--prior",
        choices=["recalculation", "patching"],
        default="recalculation",
        help="how the timed run brings the corrected closed quarter up to date (DuckDB only for patching)",
    )
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, folder, orders, payees, limit = args.child
        print(json.dumps(run_child(what, Path(folder), int(orders), int(payees), limit)))
        return 0
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    backends = [b for b in args.backends.split(",") if b]  # empty: only --incremental
    if unknown := set(backends) - {"duckdb", "spark"}:
        parser.error(f"unknown backend(s) {', '.join(sorted(unknown))}: use duckdb, spark")
    if args.lines == "disk" and "spark" in backends:
        parser.error("--lines disk is the embedded engine's: use --backends duckdb")
    if args.prior == "patching" and "spark" in backends:
        parser.error("--prior patching runs on the embedded engine only: use --backends duckdb")
    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}, cores {os.cpu_count()}, "
        f"payees {args.payees:,}, DuckDB memory limit {args.memory_limit}"
    )
    print(
        "| backend | orders (current + prior) | lines | seconds | Spark start s | peak MiB | orders/s | "
        "baseline s | ratio | prior deltas | load avg | equals baseline |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    failed = False
    for orders in sizes:
        with tempfile.TemporaryDirectory(prefix="attain-scale-") as tmp:
            folder = args.data_dir / str(orders) if args.data_dir else Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            common = [str(folder), str(orders), str(args.payees), args.memory_limit]
            if not (folder / "posted.json").exists():
                child(["generate", *common])  # in its own process: the measuring ones start small
                child(["close", *common])
            if args.prior == "patching" and not (folder / CLOSED).exists():
                child(["closed-sums", *common])  # a folder closed before the close kept its sums
            for backend in backends:
                patched = args.prior == "patching"
                options = ["patching"] * patched + ["disk"] * (args.lines == "disk")
                r = child([":".join([backend, *options]), *common])
                read = 2 * orders
                label = backend + "".join(f" ({LABELS[o]})" for o in options)
                print(
                    f"| {label} | {orders:,} + {orders:,} | {r['lines']:,} | {r['seconds']:.1f} | "
                    f"{r['spark_start']:.1f} | {r['peak_mib']:,.0f} | {read / r['seconds']:,.0f} | "
                    f"{r['baseline_seconds']:.1f} | {r['seconds'] / r['baseline_seconds']:.2f} | "
                    f"{r['deltas']:,} | {r['load']:.1f} | yes |",
                    flush=True,
                )
            if args.incremental:
                r = child(["incremental", *common])
                failed |= not r["equal"]
                print(
                    f"incremental: {r['changed']} orders changed in a {orders:,}-order quarter reach "
                    f"{r['people']} of {r['payees']:,} payees ({r['patched']} patched, the others "
                    f"recalculated): {r['incremental_seconds']:.2f} s (median of {INCREMENTAL_REPEATS}, "
                    f"{r['incremental_range'][0]:.2f}-{r['incremental_range'][1]:.2f}) against "
                    f"{r['full_seconds']:.2f} s for the full recalculation (median of {FULL_REPEATS}) "
                    f"({r['full_seconds'] / r['incremental_seconds']:.1f}x); equal to it: {r['equal']}; "
                    f"load {r['load']:.1f}",
                    flush=True,
                )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
