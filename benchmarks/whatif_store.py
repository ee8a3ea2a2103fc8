"""Benchmark: the what-if use case from the store on the demo company, against a run of the whole period.

The demo company (60 rep seats, seed 7, as of a fixed day) with the demo's plans assigned is generated into
a temporary SQLite file, or `--db URL` names one already generated (plans included). For a few reps with
open opportunities it times: the first estimate (reads the period's facts and slices the rep's orders),
then estimates from the cache (other deals and amounts of the same rep: what the rep page's forms ask),
wall and CPU milliseconds, medians. The baseline, measured in the same run, is what the what-if replaces:
reading the period's facts and evaluating the whole company with the fast engine, as a run with the deal
booked would. Not a test: prints a table.

    python benchmarks/whatif_store.py [--reps 60] [--db sqlite:///demo.db] [--people 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path

from attain.app.runs.calculate import calendar_and_periods
from attain.app.runs.inputs import calculation_input, read_facts, window_of
from attain.app.runs.ports import OpportunityRecord
from attain.app.runs.whatif import WhatIfResult, estimate_opportunity, open_opportunities
from attain.app.runs.whatif_cache import WhatIfCache
from attain.demo.install import install_demo
from attain.demo.pay import install_plans
from attain.demo.spec import DemoSpec
from attain.domain.errors import AttainError
from attain.engine.relational import evaluate_fast
from attain.store.unit_of_work import SqlStore, open_store

AS_OF = date(2026, 11, 28)
WARM = 7


def timed(work: object) -> tuple[float, float, object]:
    assert callable(work)
    wall, cpu = time.perf_counter(), time.process_time()
    out = work()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, out


def reps_with_deals(store: SqlStore, wanted: int) -> list[tuple[str, list[OpportunityRecord]]]:
    """Reps (external ids) on a plan who own open opportunities estimable today, with those deals."""
    with store.transaction() as tx:
        spans = tx.pay_inputs.role_spans(["rep"])
    found: list[tuple[str, list[OpportunityRecord]]] = []
    for person in sorted(
        {p for p, _, start, end in spans if start <= AS_OF and (end is None or end >= AS_OF)}
    ):
        deals = open_opportunities(store, person)
        if len(deals) < 2:
            continue
        try:
            estimate_opportunity(store, person, deals[0].external_id, today=AS_OF)
        except AttainError:
            continue  # e.g. the deal closes in a period without a quota: a run would fail the same way
        found.append((person, deals))
        if len(found) == wanted:
            break
    return found


def baseline(store: SqlStore, period_key: str) -> tuple[float, float]:
    """Read the period's facts and evaluate the whole company with the fast engine: a run without writing."""

    def work() -> int:
        with store.transaction() as tx:
            calendar, periods = calendar_and_periods(tx)
            period = next(p.period for p in periods if p.period.key == period_key)
            facts = read_facts(tx, calendar, *window_of(calendar, period))
        return len(evaluate_fast(calculation_input(facts, period, period.last_day), period))

    wall, cpu, _ = timed(work)
    return wall, cpu


def measure(store: SqlStore, people: int) -> None:
    reps = reps_with_deals(store, people)
    if not reps:
        raise SystemExit("no rep with open opportunities that can be estimated")
    with store.transaction() as tx:
        periods = {p.period.key: p.period for p in calendar_and_periods(tx)[1]}
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(
        "| rep | open deals | period | first estimate ms (CPU) | cached estimate ms (CPU), median of "
        f"{WARM} | whole-period run ms (CPU) | cached / run (CPU) |"
    )
    print("|---|---:|---|---:|---:|---:|---:|")
    for person, deals in reps:
        cache = WhatIfCache()
        try:
            ask = partial(estimate_opportunity, store, person, today=AS_OF, cache=cache)
            first_wall, first_cpu, result = timed(partial(ask, deals[0].external_id))
            assert isinstance(result, WhatIfResult)
            # The rep's other deals expected in the same period, and an amount slider moving.
            same = [
                o.external_id for o in deals if o.close_on and periods[result.period_key].contains(o.close_on)
            ]
            same = same or [deals[0].external_id]
            walls, cpus = [], []
            for i in range(WARM):
                wall, cpu, _ = timed(partial(ask, same[i % len(same)], amount=Decimal(10_000 + 2_500 * i)))
                walls.append(wall)
                cpus.append(cpu)
        finally:
            cache.clear()
        period = result.period_key
        base_wall, base_cpu = baseline(store, period)
        warm_wall, warm_cpu = statistics.median(walls), statistics.median(cpus)
        print(
            f"| {person} | {len(deals)} | {period} | {first_wall:,.0f} ({first_cpu:,.0f}) | "
            f"{warm_wall:,.1f} ({warm_cpu:,.1f}) | {base_wall:,.0f} ({base_cpu:,.0f}) | "
            f"{warm_wall / base_wall:.3f} ({warm_cpu / base_cpu:.3f}) |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--db", help="a database with the demo company already in it")
    parser.add_argument("--people", type=int, default=3)
    args = parser.parse_args()
    if args.db:
        store = open_store(args.db)
        measure(store, args.people)
        return
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'demo.db'}")
        store.upgrade()
        spec = DemoSpec(as_of=AS_OF, reps=args.reps)
        install_demo(store, spec)
        install_plans(store, store, spec)  # the demo's plans and assignments: a what-if needs a plan
        measure(store, args.people)
        store.dispose()


if __name__ == "__main__":
    main()
