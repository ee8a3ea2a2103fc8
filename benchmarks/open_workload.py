"""The open benchmark's workload (issue 8): a seeded company, its plans, and its orders written to Parquet.

Per size: `orders` orders in the current quarter (FY2025-Q4) and as many in the closed quarter three periods
back (FY2025-Q1), each with 10% split deals (60/40 between two reps); payees are reps under managers under
directors under vice presidents (90% / 8.4% / 1.2% / 0.4%). The rep plan pays marginal tiers on attainment
(orders crossing a boundary are split) with a cap that binds for the best reps, and a SPIFF of 2% on
Hardware orders booked in November; the manager plan pays a three-level roll-up override by level with a
cap. The prior-period change: `CHANGED` orders of the closed quarter get corrected amounts after it was
closed. Files are written in chunks of one million orders, so 100 M orders never sit in memory; chunk k of
a period is drawn from its own seed, so every size is reproducible.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from attain.domain.calendar import FiscalCalendar, PeriodKind
from attain.engine.inputs import (
    CalculationInput,
    CreditSplit,
    ManagerLink,
    OrderRow,
    PlanAssignmentRow,
    QuotaRow,
)
from attain.engine.plan_source import compile_text

SEED = 20251128
CHUNK = 1_000_000
CHANGED = 100
CAL = FiscalCalendar(1)
CURRENT = CAL.period(PeriodKind.QUARTER, 2025, 4)
PRIOR = CAL.period(PeriodKind.QUARTER, 2025, 1)  # closed, three periods before the current one
FAMILIES = ("Hardware", "Software", "Services")
FAMILY_SHARES = (0.3, 0.5, 0.2)
SPIFF_FIRST, SPIFF_LAST = date(2025, 11, 1), date(2025, 11, 30)
FILES = {"current": CURRENT, "prior": PRIOR, "prior_changed": PRIOR}

REP_PLAN = f"""\
plan: rep
currency: USD
period: quarter
measures:
  bookings:
    sum: amount
    quota: {{metric: bookings}}
components:
  - commission: core
    measure: bookings
    tiers:
      method: marginal
      on: attainment
      bands:
        - {{upto: 100%, rate: 5%}}
        - {{upto: 150%, rate: 8%}}
        - {{rate: 12%}}
    cap: {{target_incentive: 3}}
  - spiff: hardware_november
    from: {SPIFF_FIRST}
    to: {SPIFF_LAST}
    where: product_family == "Hardware"
    extra_rate: 2%
"""

MANAGER_PLAN = """\
plan: manager
currency: USD
period: quarter
crediting:
  roles: [rollup]
  rollup_levels: 3
measures:
  team_bookings: {sum: amount}
components:
  - commission: override
    measure: team_bookings
    rate_by:
      field: rollup_level
      rates: {"1": 1%, "2": 0.5%, "3": 0.25%}
    cap: {target_incentive: 3}
"""


def org(payees: int) -> tuple[list[str], list[str], list[str], list[str]]:
    """Reps, first-line managers, directors and vice presidents of a company of `payees` people."""
    vps = max(payees // 250, 1)
    directors = max(payees // 62 - vps, 1)
    managers = max(payees // 10 - directors - vps, 1)
    reps = payees - managers - directors - vps
    if reps < 2:
        raise ValueError(f"{payees} payees leave {reps} reps; the workload needs at least 2 (use 10 or more)")
    return (
        [f"R{i:06d}" for i in range(reps)],
        [f"M{i:05d}" for i in range(managers)],
        [f"D{i:04d}" for i in range(directors)],
        [f"V{i:03d}" for i in range(vps)],
    )


def inputs(orders: int, payees: int) -> CalculationInput:
    """Everything but the orders and splits: plans, assignments, the hierarchy, quotas for every quarter."""
    rng = np.random.default_rng(SEED + 1)
    reps, managers, directors, vps = org(payees)
    links = [ManagerLink(r, managers[i % len(managers)], date(2020, 1, 1)) for i, r in enumerate(reps)]
    links += [ManagerLink(m, directors[i % len(directors)], date(2020, 1, 1)) for i, m in enumerate(managers)]
    links += [ManagerLink(d, vps[i % len(vps)], date(2020, 1, 1)) for i, d in enumerate(directors)]
    # Cents per rep and quarter: bookings average about 7,300.00 an order, so attainment spreads from about
    # 80% to 190% and most reps cross a tier boundary within the quarter.
    expected = orders * 650_000 // len(reps)
    bookings = orders * 730_000 // len(reps)
    factors = rng.uniform(0.6, 1.4, len(reps))
    quotas = [
        QuotaRow(r, "bookings", q.key, Decimal(int(expected * f)) / 100)
        for q in CAL.periods(PeriodKind.QUARTER, 2025)
        for r, f in zip(reps, factors, strict=True)
    ]
    start = date(2025, 1, 1)

    def incentive(share: float) -> int:
        """A yearly target incentive whose quarterly cap (3x a quarter's) binds for the best of a level."""
        return max(int(bookings * share) // 400 * 400, 400)

    assignments = [PlanAssignmentRow(r, "rep", incentive(0.10), start) for r in reps]
    for level, share in ((managers, 0.13), (directors, 0.45), (vps, 0.7)):
        assignments += [PlanAssignmentRow(m, "manager", incentive(share), start) for m in level]
    plans = {"rep": compile_text(REP_PLAN), "manager": compile_text(MANAGER_PLAN)}
    return CalculationInput(CAL, plans, tuple(assignments), managers=tuple(links), quotas=tuple(quotas))


def changed_positions(orders: int) -> np.ndarray:
    """The positions (in the period's file) of the orders the prior-period change corrects."""
    step = max(orders // CHANGED, 1)
    return np.arange(0, orders, step)[:CHANGED]


def chunks(name: str, orders: int, payees: int) -> Iterator[tuple[pa.Table, pa.Table]]:
    """The orders and splits of file `name` (a FILES key), a million orders at a time, by order id."""
    period = FILES[name]
    reps = pa.array(org(payees)[0], pa.string())
    families = pa.array(FAMILIES, pa.string())
    usd = pa.array(["USD"], pa.string())
    changed = changed_positions(orders)
    prefix = f"{period.key}-"
    for k, first in enumerate(range(0, orders, CHUNK)):
        size = min(CHUNK, orders - first)
        rng = np.random.default_rng([SEED, period.start.month, k])
        days = rng.integers(0, period.days, size)
        amount = (np.exp(rng.normal(13.0, 1.0, size)) // 1 + 10_000).astype(np.int64)  # cents, median ~4,400
        owner = rng.integers(0, len(reps), size)
        family = rng.choice(len(FAMILIES), size, p=FAMILY_SHARES)
        split = np.flatnonzero(rng.random(size) < 0.10)
        partner = (owner[split] + rng.integers(1, len(reps), len(split))) % len(reps)
        if name == "prior_changed":
            here = changed[(changed >= first) & (changed < first + size)] - first
            amount[here] = amount[here] * 2 + 1
        numbers = pa.array(np.arange(first, first + size), pa.int64())
        ids = pc.binary_join_element_wise(prefix, pc.utf8_lpad(pc.cast(numbers, pa.string()), 10, "0"), "")
        booked = np.datetime64(period.start.isoformat()) + days.astype("timedelta64[D]")
        order_table = pa.table(
            {
                "order_id": ids,
                "booked_on": pa.array(booked.astype("datetime64[D]"), pa.date32()),
                "amount": pa.array(amount, pa.int64()),
                "currency": usd.take(pa.array(np.zeros(size, np.int32))),
                "owner": reps.take(pa.array(owner)),
                "product_family": families.take(pa.array(family)),
            }
        )
        n = len(split)
        split_ids = ids.take(pa.array(split))
        split_table = pa.table(
            {
                "order_id": pa.concat_arrays([split_ids, split_ids]),
                "person_id": pa.concat_arrays(
                    [reps.take(pa.array(owner[split])), reps.take(pa.array(partner))]
                ),
                "share": pa.array([Decimal("0.6")] * n + [Decimal("0.4")] * n, pa.decimal128(18, 9)),
                "role": pa.array(["direct"] * (2 * n), pa.string()),
                "sequence": pa.array([1] * n + [2] * n, pa.int32()),
            }
        )
        yield order_table, split_table


def write(folder: Path, orders: int, payees: int) -> None:
    """Every file of the workload: `<name>_orders.parquet` and `<name>_splits.parquet` per FILES key."""
    for name in FILES:
        order_writer: pq.ParquetWriter | None = None
        split_writer: pq.ParquetWriter | None = None
        for order_table, split_table in chunks(name, orders, payees):
            if order_writer is None or split_writer is None:
                order_writer = pq.ParquetWriter(folder / f"{name}_orders.parquet", order_table.schema)
                split_writer = pq.ParquetWriter(folder / f"{name}_splits.parquet", split_table.schema)
            order_writer.write_table(order_table)
            split_writer.write_table(split_table)
        assert order_writer is not None
        assert split_writer is not None
        order_writer.close()
        split_writer.close()


def as_rows(order_table: pa.Table, split_table: pa.Table) -> tuple[list[OrderRow], list[CreditSplit]]:
    """Tables of the workload's orders and splits as plain rows."""
    return (
        [
            OrderRow(
                o["order_id"],
                o["booked_on"],
                o["amount"],
                o["currency"],
                owner=o["owner"],
                product_family=o["product_family"],
            )
            for o in order_table.to_pylist()
        ],
        [
            CreditSplit(s["order_id"], s["person_id"], s["share"], sequence=s["sequence"])
            for s in split_table.to_pylist()
        ],
    )


def rows(name: str, orders: int, payees: int) -> tuple[tuple[OrderRow, ...], tuple[CreditSplit, ...]]:
    """File `name` as plain rows, for the reference evaluator at small sizes."""
    order_rows: list[OrderRow] = []
    split_rows: list[CreditSplit] = []
    for order_table, split_table in chunks(name, orders, payees):
        more_orders, more_splits = as_rows(order_table, split_table)
        order_rows += more_orders
        split_rows += more_splits
    return tuple(order_rows), tuple(split_rows)
