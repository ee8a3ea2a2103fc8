"""Benchmark: generate the demo company at growing volumes, and load one through `install_demo`.

Each run happens in a child process of its own, which reports its peak resident memory (ru_maxrss),
its CPU seconds (user + system, all threads: steadier than wall time on a busy machine) and the rows
it produced; seconds are wall-clock time around the work inside the child.
Usage: python benchmarks/demo_generate.py [--orders N ...] [--load-orders N] [--backend sqlite|postgres ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from attain.demo.company import demo_batch
from attain.demo.install import install_demo
from attain.demo.spec import DemoSpec
from attain.store.testing import PostgresSandbox, postgres_unavailable_reason
from attain.store.unit_of_work import open_store

POSTGRES_URL = os.environ.get("ATTAIN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
AS_OF = "2026-11-28"


def _usage() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024}


def _generate_child(orders: int) -> None:
    started = time.perf_counter()
    batch = demo_batch(DemoSpec(as_of=date.fromisoformat(AS_OF), orders=orders or None))
    rows = {name: frame.height for name, frame in batch.frames}
    for stream in batch.streams:
        for chunk in stream:
            rows[chunk.entity] = rows.get(chunk.entity, 0) + chunk.frame.height
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, **_usage(), "rows": rows}))


def _load_child(url: str, orders: int) -> None:
    """The demo load path alone (init, generate, load_batch): no plan runs, no logins."""
    started = time.perf_counter()
    store = open_store(url)
    store.upgrade()
    result = install_demo(store, DemoSpec(as_of=date.fromisoformat(AS_OF), orders=orders), actor="bench")
    store.dispose()
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, **_usage(), "rows": result.created()}))


def _child(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--orders",
        type=int,
        nargs="*",
        default=[0, 100_000, 1_000_000],
        help="order-line targets to generate (0: the natural volume)",
    )
    parser.add_argument("--load-orders", type=int, default=100_000, help="order lines to load (0: skip)")
    parser.add_argument("--backend", nargs="*", default=["sqlite", "postgres"])
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "generate":
            _generate_child(int(args.child[1]))
        else:
            _load_child(args.child[1], int(args.child[2]))
        return

    print("| run | order lines | opportunities | stage rows | accounts | seconds | CPU s | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")

    def row(label: str, r: dict[str, object]) -> None:
        rows = r["rows"]
        assert isinstance(rows, dict)
        print(
            f"| {label} | {rows.get('order', 0):,} | {rows.get('opportunity', 0):,} | "
            f"{rows.get('opportunity_stage', 0):,} | {rows.get('account', 0):,} | "
            f"{r['seconds']:.1f} | {r['cpu']:.1f} | {r['peak_mib']:.0f} |",
            flush=True,
        )

    for orders in args.orders:
        row(
            f"generate ({'natural' if not orders else f'--orders {orders:,}'})",
            _child("generate", str(orders)),
        )
    if not args.load_orders:
        return
    for backend in args.backend:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{Path(folder) / 'demo.db'}"
                row(
                    f"install_demo --orders {args.load_orders:,} into SQLite",
                    _child("load", url, str(args.load_orders)),
                )
            continue
        reason = postgres_unavailable_reason(POSTGRES_URL)
        if reason:
            print(f"| PostgreSQL skipped: {reason} | | | | | | | |")
            continue
        sandbox = PostgresSandbox.create(POSTGRES_URL, f"attain_bench_{uuid.uuid4().hex[:8]}")
        try:
            row(
                f"install_demo --orders {args.load_orders:,} into PostgreSQL",
                _child("load", sandbox.url, str(args.load_orders)),
            )
        finally:
            sandbox.drop()


if __name__ == "__main__":
    main()
