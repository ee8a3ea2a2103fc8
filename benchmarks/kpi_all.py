"""Benchmark: every KPI for every rep, team and quarter of a generated company, and one rep's dashboard.

The company is the demo generator's (`attain demo`), scaled to about 1,000,000 opportunities, loaded
once per backend into a database kept between runs (--rebuild regenerates it). Each measurement runs
in a child process of its own, which reports wall-clock seconds and its peak resident memory
(ru_maxrss, which includes the Python interpreter and libraries, about 150 MiB).
Usage: python benchmarks/kpi_all.py [--opportunities N] [--backend sqlite postgres] [--repeat 3]
       [--dashboards 30] [--rebuild] [--write-results]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import create_engine, text

from attain.analytics.compute import TABLE_METRICS, fact_scope, measure_all
from attain.analytics.dashboard import rep_dashboard
from attain.analytics.facts import read_facts
from attain.analytics.org import Dimension, Org
from attain.analytics.queries import require_calendar
from attain.analytics.rowsets import Query
from attain.analytics.timeframe import TimeFrame
from attain.demo.install import install_demo
from attain.demo.spec import DemoSpec
from attain.domain.calendar import PeriodKind
from attain.store.database import database_url
from attain.store.unit_of_work import open_store

POSTGRES_ADMIN = os.environ.get("ATTAIN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SQLITE_PATH = Path(os.environ.get("ATTAIN_BENCH_DIR", "/tmp")) / "attain_kpi_bench.db"
PG_DATABASE = "attain_kpi_bench"
AS_OF = date(2026, 11, 28)
OPPORTUNITIES_PER_ORDER_LINE = 1.83  # what the demo generator produces, measured
RESULTS = Path(__file__).with_name("RESULTS.md")


def url_of(backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{SQLITE_PATH}"
    return database_url(POSTGRES_ADMIN).rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def opportunities_in(url: str) -> int:
    try:
        engine = create_engine(database_url(url))
        with engine.connect() as conn:
            count = int(conn.execute(text("SELECT count(*) FROM opportunities")).scalar_one())
        engine.dispose()
        return count
    except Exception:
        return 0


def fresh_database(backend: str) -> None:
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    admin = create_engine(database_url(POSTGRES_ADMIN), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()


def child_build(url: str, opportunities: int) -> dict[str, object]:
    store = open_store(url)
    store.upgrade()
    orders = round(opportunities / OPPORTUNITIES_PER_ORDER_LINE)
    started = time.perf_counter()
    install_demo(store, DemoSpec(as_of=AS_OF, reps=600, orders=orders), actor="benchmark")
    return {"seconds": time.perf_counter() - started}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_all(url: str) -> dict[str, object]:
    """Read every fact once, then compute every table metric by person, team and company, per quarter."""
    store = open_store(url)
    cpu = _cpu()
    started = time.perf_counter()
    with store.transaction() as tx:
        reader = tx.fact_reader
        info, calendar = require_calendar(reader)
        first = calendar.period(PeriodKind.YEAR, calendar.fiscal_year_of(AS_OF) - 2)
        last = calendar.period(PeriodKind.YEAR, calendar.fiscal_year_of(AS_OF))
        frame = TimeFrame(calendar, first.start, last.end, AS_OF, PeriodKind.QUARTER)
        org = Org.read(reader)
        scope, sources = fact_scope(Query(TABLE_METRICS, (Dimension.PERSON,), frame))
        facts = read_facts(reader, scope, sources, org, currency=info.currency)
        goals = tx.goals.find(metric="revenue")
    read = time.perf_counter() - started
    groupings = {"person": (Dimension.PERSON,), "team": (Dimension.TEAM,), "company": ()}
    queries = [Query(TABLE_METRICS, by, frame) for by in groupings.values()]
    tables = measure_all(facts, queries, goals, info.currency)
    rows = {name: table.height for name, table in zip(groupings, tables, strict=True)}
    total = time.perf_counter() - started
    return {
        "cpu": _cpu() - cpu,
        "load": os.getloadavg()[0],
        "read": read,
        "compute": total - read,
        "total": total,
        "rows": rows,
        "facts": {"opportunities": facts.opportunities.height, "orders": facts.orders.height},
        "metrics": len(TABLE_METRICS),
    }


def child_rep(url: str, calls: int) -> dict[str, object]:
    """Median time of one rep's dashboard (quarter KPIs and goal pace), after one warm-up call."""
    store = open_store(url)
    with store.engine.connect() as conn:
        # A typical rep: the median owner by number of opportunities.
        counts = conn.execute(
            text(
                "SELECT p.external_id, count(*) FROM opportunities o JOIN people p ON p.id = o.owner_id "
                "GROUP BY p.external_id ORDER BY 2, 1"
            )
        ).all()
    person, deals = counts[len(counts) // 2]
    rep_dashboard(store, person, today=AS_OF)
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        board = rep_dashboard(store, person, today=AS_OF)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "person": person,
        "deals": deals,
        "median_ms": statistics.median(times),
        "p90_ms": sorted(times)[int(0.9 * (len(times) - 1))],
        "goals": len(board["goals"]),
    }


def run_child(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--backend", nargs="*", default=["sqlite", "postgres"])
    parser.add_argument("--repeat", type=int, default=3, help="runs of the whole set (the median is shown)")
    parser.add_argument("--dashboards", type=int, default=30, help="dashboard calls per measurement")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the company even if present")
    parser.add_argument("--write-results", action="store_true", help="append a section to RESULTS.md")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, url, *rest = args.child
        if kind == "build":
            result = child_build(url, int(rest[0]))
        elif kind == "all":
            result = child_all(url)
        else:
            result = child_rep(url, int(rest[0]))
        result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    lines = []
    for backend in args.backend:
        url = url_of(backend)
        have = opportunities_in(url)
        if args.rebuild or have < args.opportunities * 0.95:
            fresh_database(backend)
            built = run_child("build", url, str(args.opportunities))
            print(f"{backend}: generated and loaded the company in {built['seconds']:.0f} s", file=sys.stderr)
            have = opportunities_in(url)
        runs = [run_child("all", url) for _ in range(args.repeat)]
        rep = run_child("rep", url, str(args.dashboards))
        pick = sorted(runs, key=lambda r: num(r["total"]))[len(runs) // 2]
        lines.append((backend, have, pick, max(num(r["peak_mib"]) for r in runs), rep))
    table = render(lines)
    print(table)
    if args.write_results:
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write(section(table))


def num(value: object) -> float:
    return float(str(value))


def render(lines: list[tuple[str, int, dict[str, object], float, dict[str, object]]]) -> str:
    out = [
        "| backend | opportunities | orders read | read s | compute s | total s | client CPU s | load avg | "
        "peak RSS MiB | rows (person / team / company) | one rep's dashboard, median ms (p90) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for backend, have, run, peak, rep in lines:
        rows, facts = run["rows"], run["facts"]
        assert isinstance(rows, dict)
        assert isinstance(facts, dict)
        name = "SQLite" if backend == "sqlite" else "PostgreSQL"
        timings = " | ".join(f"{num(run[k]):.2f}" for k in ("read", "compute", "total"))
        out.append(
            f"| {name} | {have:,} | {facts['orders']:,} | {timings} | {num(run['cpu']):.1f} | "
            f"{num(run['load']):.1f} | {peak:.0f} | "
            f"{rows['person']:,} / {rows['team']:,} / {rows['company']:,} | "
            f"{num(rep['median_ms']):.1f} ({num(rep['p90_ms']):.1f}) |"
        )
    return "\n".join(out)


def section(table: str) -> str:
    return (
        f"\n## All KPIs for all reps, teams and quarters (`benchmarks/kpi_all.py`)\n\n"
        f"Measured {date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, Polars {pl.__version__}.\n\n{table}\n"
    )


if __name__ == "__main__":
    main()
