"""What-if: what one person earns in a period if one more order (an open opportunity) closes at an amount.

The person's facts are sliced once (every order that can credit them: owned, split, territory or rolled up
to them) and run once: the slice's per-credit lines stay in the workspace as the baseline. Each estimate
re-runs the fast engine on the slice plus the extra order and compares its lines with the baseline's row by
row in DuckDB, keyed as a statement names a line (payee, component, kind, order, credit, tier, and which
occurrence of that), so only the extra order's lines and the lines it changes become explained objects. A
slice of 12,000 orders thus costs one small run per estimate, not 12,000 explained lines twice over.

Orders are numbered in id order, so the extra order shifts the numbers of the orders after it by one; the
comparison maps them back to the baseline's numbers. Component-level lines (gates, caps, true-ups, bonuses)
are few and compared in Python, under the same keys.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from attain.domain.calendar import Period
from attain.domain.plans.model import CreditRole
from attain.engine.inputs import CreditSplit, OrderRow
from attain.engine.relational.crediting import credits_sql
from attain.engine.relational.engine import (
    LINE_COLUMNS,
    LINE_ORDER,
    Payee,
    PeriodRun,
    run_period,
)
from attain.engine.relational.facts import (
    ORDER_SCHEMA,
    FactTables,
    in_id_order,
    load,
    orders_table,
    splits_table,
)
from attain.engine.relational.workspace import Workspace
from attain.engine.results import EarningLine

# A line's identity across the two runs, as a statement keys it (payee, component, kind, order, credit, tier;
# a commission's tier 0 is no tier, as its explained line says), and n: which line of that identity it is,
# in the reference's line order. Identities are almost always unique, and a window numbering them costs as
# much as the rest of the comparison, so n is counted only when some identity repeats.
_TIER = "CASE WHEN kind = 0 THEN NULLIF(tier, 0) ELSE tier END"
_IDENTITY = f"payee, comp, kind, ono, role, level, seq, {_TIER}"
_COUNTED = f"ROW_NUMBER() OVER (PARTITION BY {_IDENTITY} ORDER BY day, tier, tie)"
_SAME = " AND ".join(
    f"a.{c} IS NOT DISTINCT FROM b.{c}"
    for c in ("payee", "comp", "kind", "ono", "role", "level", "seq", "tkey", "n")
)
_WIDTH = len(LINE_COLUMNS.split(","))
Rows = list[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class LineChange:
    """One explained line of an estimate: its plan, the line (as it is with the order booked, or as it was
    when the order removes it), and its amount without and with the order (minor units of the plan
    currency)."""

    plan_key: str
    line: EarningLine
    before: int
    after: int


@dataclass(frozen=True, slots=True)
class Estimate:
    """The person's total for the period without and with the extra order (minor units of the plan
    currency), the extra order's own lines, and every other line whose amount the order changes."""

    before: int
    after: int
    own: tuple[LineChange, ...]  # the extra order's lines, in statement order (before is 0)
    # Lines that change, appear or go: in statement order with the order booked, then those that go.
    changes: tuple[LineChange, ...] = ()

    @property
    def lines(self) -> tuple[EarningLine, ...]:
        return tuple(c.line for c in self.own)

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
        orders = in_id_order(orders)
        self.facts = FactTables(small, orders, splits)
        self._ids: list[str] = orders.column("order_id").to_pylist()  # by the baseline's order numbers
        self.workspace = Workspace(memory_limit="1GB", threads=1)  # small slices: threads only add overhead
        self._base = run_period(self.facts, self.period, self.workspace)
        target = self._base.target_pno()
        self.workspace.con.execute(
            f"CREATE OR REPLACE TEMP TABLE whatif_base AS SELECT {_numbered(_COUNTED)} FROM lines "
            f"WHERE pno = {target} AND NOT early"
        )
        self.before, _ = _total(self._base)

    def close(self) -> None:
        self.workspace.close()

    def has_order(self, order_id: str) -> bool:
        """Whether an order with this id is in the person's slice (an extra order needs an id of its own)."""
        at = bisect_left(self._ids, order_id)
        return at < len(self._ids) and self._ids[at] == order_id

    def estimate(self, order: OrderRow, splits: tuple[CreditSplit, ...] = ()) -> Estimate:
        """The person's total without and with `order` (and its splits) booked, the order's lines, and the
        other lines it changes."""
        base = self.facts.orders
        assert isinstance(base, pa.Table)
        # The order goes where its id sorts (after any order of the same id): orders [lo, hi) of the
        # baseline have its id, and the extra order is number hi; later ones move up by one.
        lo, hi = bisect_left(self._ids, order.order_id), bisect_right(self._ids, order.order_id)
        extra = orders_table([order]).cast(base.schema)
        orders = pa.concat_tables([base.slice(0, hi), extra, base.slice(hi)])
        more = self.facts.splits
        if splits:
            new = splits_table(list(splits))
            assert not isinstance(more, Path)
            # Appended, so the baseline's splits keep their positions (which its lines name).
            more = new if more is None else pa.concat_tables([more, new.cast(more.schema)])
        run = run_period(FactTables(self.facts.inputs, orders, more), self.period, self.workspace)
        own_rows = run.con.execute(
            f"SELECT {LINE_COLUMNS} FROM lines WHERE pno = {run.target_pno()} AND NOT early "
            f"AND ono BETWEEN {lo} AND {hi} ORDER BY payee, comp, {LINE_ORDER}"
        ).fetchall()
        after, repeats = _total(run, lo, hi)
        now, olds, was = self._compare(run, lo, hi, repeats)
        shares = run.shares([r[9] for r in (*own_rows, *now, *was)])
        own = run.explain(own_rows, [order.order_id] * len(own_rows), shares)
        changed: dict[tuple[int, int], list[LineChange]] = defaultdict(list)
        lines = run.explain(now, [self._ids[r[5]] for r in now], shares)
        for r, line, old in zip(now, lines, olds, strict=True):
            changed[(r[0], r[1])].append(LineChange(_plan(run, r[0]), line, old, line.amount))
        went: dict[tuple[int, int], list[LineChange]] = defaultdict(list)
        lines = self._base.explain(was, [self._ids[r[5]] for r in was], shares)
        for r, line in zip(was, lines, strict=True):
            went[(r[0], r[1])].append(LineChange(_plan(run, r[0]), line, line.amount, 0))
        return Estimate(
            self.before,
            after,
            tuple(
                LineChange(_plan(run, r[0]), line, 0, line.amount)
                for r, line in zip(own_rows, own, strict=True)
            ),
            tuple(self._changes(run, changed, went)),
        )

    def _compare(self, run: PeriodRun, lo: int, hi: int, repeats: bool) -> tuple[Rows, list[int], Rows]:
        """The per-credit lines (LINE_COLUMNS, order numbers the baseline's) whose amount differs from the
        baseline's line of the same identity, with the order booked: those present now with the amount
        they had (0 if none), in statement order; then those that go, in the baseline's statement order.
        Lines of the order's id are the order's own, left out on both sides."""
        rows = run.con.execute(
            f"WITH a AS (SELECT * REPLACE (ono - CASE WHEN ono > {hi} THEN 1 ELSE 0 END AS ono) FROM "
            f"(SELECT {_numbered(_COUNTED if repeats else '1')} FROM lines WHERE pno = {run.target_pno()} "
            f"AND NOT early AND ono NOT BETWEEN {lo} AND {hi})), "
            f"b AS (SELECT * FROM whatif_base WHERE ono < {lo} OR ono >= {hi}) "
            f"SELECT {_columns('a')}, {_columns('b')} FROM a FULL JOIN b ON {_SAME} "
            "WHERE COALESCE(a.amount, 0) <> COALESCE(b.amount, 0) "
            f"ORDER BY a.payee IS NULL, COALESCE(a.payee, b.payee), COALESCE(a.comp, b.comp), "
            f"{_order('a')}, {_order('b')}"
        ).fetchall()
        now = [r[:_WIDTH] for r in rows if r[0] is not None]
        olds = [r[_WIDTH + 3] or 0 for r in rows if r[0] is not None]
        return now, olds, [r[_WIDTH:] for r in rows if r[0] is None]

    def _changes(
        self,
        run: PeriodRun,
        changed: dict[tuple[int, int], list[LineChange]],
        went: dict[tuple[int, int], list[LineChange]],
    ) -> Iterator[LineChange]:
        """The per-credit lines that change or go (by payee and component id) with the component-level
        ones, in statement order: per payee and component, per-credit lines first, the plan cap last; the
        lines that change or appear, then those that go. The plan cap has the component id after the
        plan's last, which no per-credit line has."""
        gone: list[LineChange] = []
        for before, after in zip(self._base.payees, run.payees, strict=True):
            plan, number = after.terms.plan.key, after.terms.number
            first = run.runs[plan].first
            for i, (old, new) in enumerate(zip(_parts(before), _parts(after), strict=True)):
                yield from changed.get((number, first + i), ())
                for key, line in new.items():
                    was = old[key].amount if key in old else 0
                    if line.amount != was:
                        yield LineChange(plan, line, was, line.amount)
                gone.extend(went.get((number, first + i), ()))
                gone.extend(
                    LineChange(plan, line, line.amount, 0)
                    for key, line in old.items()
                    if key not in new and line.amount != 0
                )
        yield from gone


def _numbered(n: str) -> str:
    return f"{LINE_COLUMNS}, tie, {_TIER} AS tkey, {n} AS n"


def _columns(side: str) -> str:
    return ", ".join(f"{side}.{c.strip()}" for c in LINE_COLUMNS.split(","))


def _order(s: str) -> str:
    """LINE_ORDER on one side of the comparison."""
    return (
        f"{s}.day, {s}.ono, {s}.role, {s}.level, {s}.seq, CASE WHEN {s}.kind >= 2 THEN 1 ELSE 0 END, "
        f"{s}.tier, {s}.tie"
    )


def _plan(run: PeriodRun, payee: object) -> str:
    return run.payees[int(str(payee))].terms.plan.key


def _parts(p: Payee) -> list[dict[tuple[str, str, int], EarningLine]]:
    """A payee's component-level lines per component, then its plan cap, each by (component, kind, which
    line of the two it is), in statement order."""
    assert p.outcome is not None
    seen: Counter[tuple[str, str]] = Counter()
    out: list[dict[tuple[str, str, int], EarningLine]] = []
    cap = [] if p.outcome.plan_cap is None else [p.outcome.plan_cap]
    for lines in [*(part.lines for part in p.outcome.components), cap]:
        out.append({})
        for line in lines:
            seen[(line.component, line.kind)] += 1
            out[-1][(line.component, line.kind, seen[(line.component, line.kind)])] = line
    return out


def _total(run: PeriodRun, lo: int = -1, hi: int = -1) -> tuple[int, bool]:
    """What the run's payees earn in the period (the sum of every line its results would explain), and
    whether two lines of orders outside numbers [lo, hi] share an identity."""
    others = f"FILTER (ono NOT BETWEEN {lo} AND {hi})"
    [(total, repeats)] = run.con.execute(
        f"SELECT COALESCE(SUM(amount), 0), COUNT(*) {others} > COUNT(DISTINCT ({_IDENTITY})) {others} "
        f"FROM lines WHERE pno = {run.target_pno()} AND NOT early"
    ).fetchall()
    total = int(total)
    for p in run.payees:
        assert p.outcome is not None
        total += sum(line.amount for part in p.outcome.components for line in part.lines)
        total += 0 if p.outcome.plan_cap is None else p.outcome.plan_cap.amount
    return total, bool(repeats)
