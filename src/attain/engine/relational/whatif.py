"""What-if: what one person earns in a period if one more order (an open opportunity) closes at an amount.

The person's facts are sliced once (every order that can credit them: owned, split, territory or rolled up
to them); each estimate then re-runs the fast engine on that slice plus the extra order, so it costs
milliseconds however large the company's data is. An estimate carries the person's explained results with
the order booked, and the slice keeps them without it, so callers can say which lines the order changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from attain.domain.calendar import Period
from attain.domain.plans.model import CreditRole
from attain.engine.inputs import CreditSplit, OrderRow
from attain.engine.relational.crediting import credits_sql
from attain.engine.relational.engine import Workspace, run_period
from attain.engine.relational.facts import ORDER_SCHEMA, FactTables, load, orders_table, splits_table
from attain.engine.results import EarningLine, PayeeResult


@dataclass(frozen=True, slots=True)
class Estimate:
    """The person's total for the period without and with the extra order (minor units of the plan
    currency), and the extra order's own explained lines."""

    before: int
    after: int
    lines: tuple[EarningLine, ...]
    results: tuple[PayeeResult, ...] = ()  # the person's results with the order booked

    @property
    def delta(self) -> int:
        return self.after - self.before


class WhatIf:
    def __init__(self, facts: FactTables, period: Period, person_id: str) -> None:
        self.period, self.person_id = period, person_id
        inp = facts.inputs
        assignments = tuple(a for a in inp.assignments if a.person_id == person_id)
        plans = {a.plan_key: inp.plans[a.plan_key] for a in assignments if a.plan_key in inp.plans}
        levels = max((p.crediting.rollup_levels for p in plans.values()), default=0)
        con = duckdb.connect()
        try:
            load(con, facts, levels)
            roles = frozenset(CreditRole)
            person = credits_sql(roles, levels, (), facts.has_splits)
            mine = f"SELECT DISTINCT ono FROM ({person}) WHERE person_id = ?"
            orders = con.sql(
                f"SELECT {', '.join(ORDER_SCHEMA.names)} FROM orders_src WHERE ono IN ({mine}) ORDER BY ono",
                params=[person_id],
            ).to_arrow_table()
            splits = None
            if facts.has_splits:
                splits = con.sql(
                    "SELECT s.order_id, s.person_id, CAST(s.share AS DECIMAL(18, 9)) AS share, s.role, "
                    f"CAST(s.sequence AS INTEGER) AS sequence FROM splits_arrow s JOIN orders_src o "
                    f"ON s.order_id = o.order_id WHERE o.ono IN ({mine}) ORDER BY s.ord",
                    params=[person_id],
                ).to_arrow_table()
        finally:
            con.close()
        small = replace(inp, assignments=assignments, orders=(), splits=(), _people={})
        self.facts = FactTables(small, orders, splits)
        self.workspace = Workspace(memory_limit="1GB", threads=1)  # small slices: threads only add overhead
        run = run_period(self.facts, self.period, self.workspace)
        self.baseline = tuple(run.results())  # the person's results as they stand, every line explained
        self.before = sum(r.total for r in self.baseline)

    def close(self) -> None:
        self.workspace.close()

    def has_order(self, order_id: str) -> bool:
        """Whether an order with this id is in the person's slice (an extra order needs an id of its own)."""
        assert isinstance(self.facts.orders, pa.Table)
        return bool(pc.any(pc.equal(self.facts.orders.column("order_id"), order_id)).as_py())

    def estimate(self, order: OrderRow, splits: tuple[CreditSplit, ...] = ()) -> Estimate:
        """The person's results without and with `order` (and its splits) booked."""
        assert isinstance(self.facts.orders, pa.Table)
        orders = pa.concat_tables([self.facts.orders, orders_table([order]).cast(self.facts.orders.schema)])
        extra = self.facts.splits
        if splits:
            new = splits_table(list(splits))
            assert not isinstance(extra, Path)
            extra = new if extra is None else pa.concat_tables([extra, new.cast(extra.schema)])
        run = run_period(FactTables(self.facts.inputs, orders, extra), self.period, self.workspace)
        results = tuple(run.results())
        lines = tuple(line for r in results for line in r.lines if line.order_id == order.order_id)
        return Estimate(self.before, sum(r.total for r in results), lines, results)
