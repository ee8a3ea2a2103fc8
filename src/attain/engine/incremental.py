"""Incremental recalculation: when a few orders change, recalculate only the people and periods they reach.

Reached people: everyone the changed orders credit (owner, split and overlay people, holders of the order's
territory) and every manager above them. Reached periods: from the earliest date of a changed order onwards,
up to the end of the fiscal year of its latest date (year-to-date true-ups and yearly caps reach no further).
The recalculation runs the engine on the reached people's assignments and only the orders that credit them
or anyone below them, then replaces their rows in the previous results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from attain.domain.calendar import Period
from attain.engine.inputs import CalculationInput, CreditSplit, OrderRow
from attain.engine.relational.facts import FactTables
from attain.engine.results import PayeeResult

Runner = Callable[[FactTables, Period], list[PayeeResult]]


@dataclass(frozen=True)
class OrderChange:
    """The changed orders as they were and as they are (an added order has no `before` row, a removed one
    no `after` row), with their splits before and after."""

    before: tuple[OrderRow, ...] = ()
    after: tuple[OrderRow, ...] = ()
    splits_before: tuple[CreditSplit, ...] = ()
    splits_after: tuple[CreditSplit, ...] = ()

    def dates(self) -> list[date]:
        return [
            d
            for o in (*self.before, *self.after)
            for d in (o.booked_on, o.invoiced_on, o.paid_on)
            if d is not None
        ]


@dataclass(frozen=True)
class Affected:
    people: frozenset[str]
    periods: tuple[Period, ...]


def _ancestors(inp: CalculationInput, people: set[str]) -> set[str]:
    up: dict[str, set[str]] = {}
    for link in inp.managers:
        up.setdefault(link.person_id, set()).add(link.manager_id)
    found, todo = set(people), list(people)
    while todo:
        for manager in up.get(todo.pop(), ()):
            if manager not in found:
                found.add(manager)
                todo.append(manager)
    return found


def _descendants(inp: CalculationInput, people: frozenset[str]) -> set[str]:
    down: dict[str, set[str]] = {}
    for link in inp.managers:
        down.setdefault(link.manager_id, set()).add(link.person_id)
    found, todo = set(people), list(people)
    while todo:
        for report in down.get(todo.pop(), ()):
            if report not in found:
                found.add(report)
                todo.append(report)
    return found


def affected(inp: CalculationInput, change: OrderChange, periods: Sequence[Period]) -> Affected:
    """The people and the periods (among `periods`) whose results the change can alter."""
    orders = (*change.before, *change.after)
    credited = {o.owner for o in orders if o.owner is not None}
    credited |= {s.person_id for s in (*change.splits_before, *change.splits_after)}
    territories = {o.territory for o in orders if o.territory is not None}
    credited |= {t.person_id for t in inp.territories if t.territory in territories}
    dates = change.dates()
    if not dates:
        return Affected(frozenset(), ())
    cal = inp.calendar
    first, last_year = min(dates), cal.fiscal_year_of(max(dates))
    reached = tuple(p for p in periods if p.end > first and cal.fiscal_year_of(p.start) <= last_year)
    return Affected(frozenset(_ancestors(inp, credited)), reached)


def slice_facts(facts: FactTables, people: frozenset[str]) -> FactTables:
    """`facts` for `people` only: their assignments, and the orders (with all their splits) that credit
    them or anyone below them, directly, by split or overlay, or through a territory they hold."""
    inp = facts.inputs
    below = _descendants(inp, people)
    held = sorted({t.territory for t in inp.territories if t.person_id in people})
    con = duckdb.connect()
    try:
        con.register("wanted_people", pa.table({"person_id": pa.array(sorted(below), pa.string())}))
        con.register("wanted_territories", pa.table({"territory": pa.array(held, pa.string())}))
        splits = _source(con, "splits_in", facts.splits)
        orders = _source(con, "orders_in", facts.orders)
        assert orders is not None
        names = set(con.sql("SELECT * FROM orders_in LIMIT 0").to_arrow_table().column_names)
        reach = ["owner IN (SELECT person_id FROM wanted_people)"] if "owner" in names else []
        if "territory" in names:
            reach.append("territory IN (SELECT territory FROM wanted_territories)")
        if splits is not None:
            reach.append(
                "order_id IN (SELECT order_id FROM splits_in "
                "WHERE person_id IN (SELECT person_id FROM wanted_people))"
            )
        where = " OR ".join(reach) or "FALSE"
        # Only fixed column and table names are written into the text; the people are a registered table.
        kept = con.sql(f"SELECT * FROM orders_in WHERE {where} ORDER BY order_id").to_arrow_table()  # noqa: S608
        kept_splits = None
        if splits is not None:
            con.register("kept_orders", kept.select(["order_id"]))
            kept_splits = con.sql(
                "SELECT * EXCLUDE (position) FROM (SELECT *, row_number() OVER () AS position "
                "FROM splits_in) WHERE order_id IN (SELECT order_id FROM kept_orders) ORDER BY position"
            ).to_arrow_table()
    finally:
        con.close()
    chosen = tuple(a for a in inp.assignments if a.person_id in people)
    # Split shares are looked up by position in the facts given: the inputs carry no order rows of their own.
    sliced = dataclasses.replace(inp, assignments=chosen, orders=(), splits=())
    return FactTables(sliced, kept, kept_splits)


def _source(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table | Path | None) -> str | None:
    if table is None:
        return None
    if isinstance(table, Path):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{table}')")  # noqa: S608
    else:
        con.register(name, table)
    return name


def merge(previous: list[PayeeResult], fresh: list[PayeeResult], people: frozenset[str]) -> list[PayeeResult]:
    """`previous` with the rows of `people` replaced by `fresh` ones, in the engines' order (by person)."""
    groups: dict[str, list[PayeeResult]] = {}
    for row in previous:
        if row.person_id not in people:
            groups.setdefault(row.person_id, []).append(row)
    for row in fresh:
        groups.setdefault(row.person_id, []).append(row)
    return [row for person in sorted(groups) for row in groups[person]]


def recalculate(
    previous: Mapping[str, list[PayeeResult]],
    facts: FactTables,
    change: OrderChange,
    periods: Sequence[Period],
    run: Runner,
) -> dict[str, list[PayeeResult]]:
    """The results of `periods` after `change`, from the `previous` ones (by period key) and the changed
    `facts`, recalculating only the reached people and periods with `run`."""
    reach = affected(facts.inputs, change, periods)
    out = {p.key: list(previous[p.key]) for p in periods}
    if not reach.people or not reach.periods:
        return out
    sliced = slice_facts(facts, reach.people)
    for period in reach.periods:
        out[period.key] = merge(previous[period.key], run(sliced, period), reach.people)
    return out
