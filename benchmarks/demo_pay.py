"""Benchmark: the incentive part of `attain demo` (plans, 12 quarterly runs and 11 closes) on SQLite and
PostgreSQL, with the time spent writing and reading run results and ledger entries.

Each backend runs in a child process: the demo company's facts are loaded first (not timed), then
`install_pay` is timed as a whole and around the store methods that write results (`add_payees`), post to
the ledger (`append`) and read results back (`payees`). Seconds are wall-clock; the machine's other load
shows in them, so compare numbers taken together.
Usage: python benchmarks/demo_pay.py [--backend sqlite|postgres ...] [--repeat N] [--src LABEL=DIR ...]
With --src, each child imports attain from DIR (e.g. `git archive` of two commits) and the repeats of the
variants are interleaved, so that the machine's changing load weighs on them alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from attain.demo.install import install_demo
from attain.demo.pay import install_pay
from attain.demo.spec import DemoSpec
from attain.store import pay_models as pm
from attain.store.ledger import SqlLedger
from attain.store.runs import SqlRuns
from attain.store.testing import PostgresSandbox, postgres_unavailable_reason
from attain.store.unit_of_work import open_store

POSTGRES_URL = os.environ.get("ATTAIN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
AS_OF = date(2025, 11, 15)
TIMED = ((SqlRuns, "add_payees"), (SqlLedger, "append"), (SqlRuns, "payees"))


def _timed(spent: dict[str, float], name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - started

    return wrapper


def _child(url: str) -> None:
    store = open_store(url)
    store.upgrade()
    spec = DemoSpec(as_of=AS_OF)
    install_demo(store, spec, actor="bench")
    spent: dict[str, float] = defaultdict(float)
    for owner, name in TIMED:
        setattr(owner, name, _timed(spent, name, getattr(owner, name)))
    started = time.perf_counter()
    install_pay(store, store, spec)
    spent["install_pay"] = time.perf_counter() - started
    with store.engine.connect() as conn:
        rows = {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (pm.RunPayee.__table__, pm.RunLine.__table__, pm.LedgerEntry.__table__)
        }
    store.dispose()
    print(json.dumps({"spent": spent, "rows": rows}))


def _run_child(url: str, src: str | None) -> dict[str, Any]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    out = subprocess.run(
        [sys.executable, __file__, "--child", url], check=True, capture_output=True, text=True, env=env
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _measure(backend: str, src: str | None) -> dict[str, Any] | str:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            return _run_child(f"sqlite:///{Path(folder) / 'demo.db'}", src)
    reason = postgres_unavailable_reason(POSTGRES_URL)
    if reason:
        return reason
    sandbox = PostgresSandbox.create(POSTGRES_URL, f"attain_bench_{uuid.uuid4().hex[:8]}")
    try:
        return _run_child(sandbox.url, src)
    finally:
        sandbox.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", nargs="*", default=["sqlite", "postgres"])
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant; the table shows medians")
    parser.add_argument("--src", action="append", default=[], help="LABEL=DIR: a variant's source folder")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    variants = [tuple(v.split("=", 1)) for v in args.src] or [("current", None)]
    print(
        "| variant | backend | runs | payee rows | lines | ledger entries | install_pay s | add_payees s "
        "| ledger append s | payees read s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for backend in args.backend:
        results: dict[str, list[dict[str, Any] | str]] = {label: [] for label, _ in variants}
        for _ in range(args.repeat):
            for label, src in variants:
                results[label].append(_measure(backend, src))
        for label, _ in variants:
            measured = [r for r in results[label] if isinstance(r, dict)]
            if not measured:
                print(f"| {label} | {backend} skipped: {results[label][0]} | | | | | | | | |")
                continue
            rows = measured[0]["rows"]

            def median(key: str, runs: list[dict[str, Any]] = measured) -> str:
                return f"{statistics.median(r['spent'].get(key, 0.0) for r in runs):.2f}"

            print(
                f"| {label} | {backend} | {len(measured)} | {rows['run_payees']:,} | {rows['run_lines']:,} "
                f"| {rows['ledger_entries']:,} | {median('install_pay')} | {median('add_payees')} "
                f"| {median('append')} | {median('payees')} |",
                flush=True,
            )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (this machine has {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
