"""The fast engine's inputs as tables: large facts (orders, splits) as Arrow, loaded into DuckDB.

`FactTables.from_input` turns plain rows into Arrow; callers with large data pass Arrow (or Polars via
`.to_arrow()`) read from Parquet or the store, so ten million orders never become Python objects.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from attain.domain.errors import InvalidInput
from attain.domain.money import minor_exponent
from attain.domain.plans.model import CreditRole
from attain.engine.inputs import CalculationInput, CreditSplit, ManagerLink, OrderRow
from attain.engine.relational.crediting import (
    LAST_DAY,
    ROLE_CODE,
    manager_chains,
    rate_intervals,
    share_number,
)

ORDER_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("booked_on", pa.date32()),
        ("amount", pa.int64()),
        ("currency", pa.string()),
        ("kind", pa.string()),
        ("owner", pa.string()),
        ("product", pa.string()),
        ("product_family", pa.string()),
        ("segment", pa.string()),
        ("account", pa.string()),
        ("territory", pa.string()),
        ("invoiced_on", pa.date32()),
        ("paid_on", pa.date32()),
    ]
)
SPLIT_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("person_id", pa.string()),
        ("share", pa.decimal128(18, 9)),
        ("role", pa.string()),
        ("sequence", pa.int32()),
    ]
)


@dataclass(frozen=True)
class Reach:
    """A filter on the orders a run loads: those crediting one of `people` (as owner or in a split of the
    order) or lying in one of `territories`."""

    people: frozenset[str]
    territories: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FactTables:
    """Orders and splits as Arrow tables or Parquet files (columns of ORDER_SCHEMA / SPLIT_SCHEMA; optional
    ones may be missing; a Parquet file of orders must be sorted by order id, which is checked); every other
    input (plans, assignments, people, hierarchy, quotas, rates) from `inputs`. With `only`, a run loads
    just the orders it reaches (and their splits), filtered as it reads them: no copy of the facts."""

    inputs: CalculationInput
    orders: pa.Table | Path
    splits: pa.Table | Path | None = None
    only: Reach | None = None

    @property
    def has_splits(self) -> bool:
        if isinstance(self.splits, Path):
            return bool(pq.ParquetFile(self.splits).metadata.num_rows > 0)
        return self.splits is not None and self.splits.num_rows > 0

    @classmethod
    def from_input(cls, inp: CalculationInput) -> FactTables:
        return cls(inp, orders_table(inp.orders), splits_table(inp.splits) if inp.splits else None)


def orders_table(rows: tuple[OrderRow, ...] | list[OrderRow]) -> pa.Table:
    columns = {name: [getattr(o, name) for o in rows] for name in ORDER_SCHEMA.names}
    return pa.table(columns, schema=ORDER_SCHEMA)


def splits_table(rows: tuple[CreditSplit, ...] | list[CreditSplit]) -> pa.Table:
    for i, s in enumerate(rows):
        share_number(s.share, f"split {i + 1} of order {s.order_id}")
    return pa.table(
        {
            "order_id": [s.order_id for s in rows],
            "person_id": [s.person_id for s in rows],
            "share": [s.share for s in rows],
            "role": [s.role.value for s in rows],
            "sequence": [s.sequence for s in rows],
        },
        schema=SPLIT_SCHEMA,
    )


def _column(names: list[str], name: str, sql_type: str, default: str = "NULL") -> str:
    if name in names:
        return f"COALESCE(CAST({name} AS {sql_type}), {default}) AS {name}"
    return f"CAST({default} AS {sql_type}) AS {name}"


def in_id_order(orders: pa.Table) -> pa.Table:
    """`orders` sorted by order id (a no-op when it already is), so a row's position orders it as "
    "its id does."""
    ids = orders.column("order_id")
    if len(ids) < 2 or pc.all(pc.less_equal(ids.slice(0, len(ids) - 1), ids.slice(1))).as_py():
        return orders
    return orders.take(pc.sort_indices(orders, [("order_id", "ascending")]))


class Loaded:
    """What `load` registered: order numbers to map back to ids, and split shares by input position."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def order_ids(self, numbers: list[int]) -> list[str]:
        if not numbers:
            return []
        found = dict(
            self.con.execute(
                "SELECT ono, order_id FROM orders_src WHERE ono IN (SELECT UNNEST(?))", [sorted(set(numbers))]
            ).fetchall()
        )
        return [found[n] for n in numbers]

    def shares(self, positions: list[int]) -> dict[int, Decimal]:
        """The shares of the splits at these input positions, as written (e.g. 0.6, not 0.600000000)."""
        if not positions:
            return {}
        rows = self.con.execute(
            "SELECT ord, share FROM splits_arrow WHERE ord IN (SELECT UNNEST(?))", [positions]
        ).fetchall()
        return {int(i): Decimal(str(share)).normalize() for i, share in rows}


def _not_sorted(path: Path) -> InvalidInput:
    return InvalidInput(
        f"{path}: orders are not sorted by order_id", hint="write the file ordered by order_id"
    )


def _sorted_parquet(path: Path) -> None:
    """Refuse a file of orders not sorted by order id. Row groups are checked on every core (Arrow decodes
    and compares without holding the GIL), then their edges in file order."""

    def group(i: int) -> tuple[str, str] | None:
        ids = pq.ParquetFile(path).read_row_group(i, columns=["order_id"]).column(0)
        if len(ids) == 0:
            return None
        if len(ids) > 1 and not pc.all(pc.less_equal(ids.slice(0, len(ids) - 1), ids.slice(1))).as_py():
            raise _not_sorted(path)
        return ids[0].as_py(), ids[len(ids) - 1].as_py()

    groups = pq.ParquetFile(path).metadata.num_row_groups
    with ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, max(groups, 1))) as pool:
        edges = [e for e in pool.map(group, range(groups)) if e is not None]
    if any(before[1] > after[0] for before, after in itertools.pairwise(edges)):
        raise _not_sorted(path)


def load(con: duckdb.DuckDBPyConnection, facts: FactTables, rollup_levels: int) -> Loaded:
    """Register the facts as the sources the program reads (orders_src, splits_src, territories_src, ...).

    Orders are numbered in id order (`ono`), so the program sorts and joins on integers.
    """
    if isinstance(facts.orders, Path):
        if facts.only is None:
            _sorted_parquet(facts.orders)
        names = pq.ParquetFile(facts.orders).schema_arrow.names
        con.execute(
            "CREATE OR REPLACE TEMP VIEW orders_arrow AS SELECT *, file_row_number AS ono "
            f"FROM read_parquet('{facts.orders}', file_row_number = true)"
        )
    else:
        orders = in_id_order(facts.orders)
        names = orders.column_names
        orders = orders.append_column("ono", pa.array(np.arange(orders.num_rows, dtype=np.int64)))
        con.register("orders_arrow", orders)
    splits = facts.splits
    if isinstance(splits, Path):
        con.execute(
            "CREATE OR REPLACE TEMP VIEW splits_arrow AS SELECT *, CAST(file_row_number AS INTEGER) AS ord "
            f"FROM read_parquet('{splits}', file_row_number = true)"
        )
    elif splits is not None and splits.num_rows:
        splits = splits.append_column("ord", pa.array(np.arange(splits.num_rows, dtype=np.int32)))
        con.register("splits_arrow", splits)
    with_splits = facts.has_splits  # reads a Parquet file's footer: once
    source = "orders_arrow"
    if facts.only is not None:
        source = _reached(con, facts.only, names, with_splits)
        if isinstance(facts.orders, Path):
            _sorted_reached(con, facts.orders)
    cols = [
        "ono",
        "order_id",
        "CAST(booked_on AS DATE) AS booked_on",
        "CAST(amount AS BIGINT) AS amount",
        "CAST(amount AS BIGINT) AS order_total",
        "currency",
        _column(names, "kind", "VARCHAR", "'new'"),
    ]
    for name in ("owner", "product", "product_family", "segment", "account", "territory"):
        cols.append(_column(names, name, "VARCHAR"))
    for name in ("invoiced_on", "paid_on"):
        cols.append(_column(names, name, "DATE"))
    con.execute(f"CREATE OR REPLACE TEMP VIEW orders_src AS SELECT {', '.join(cols)} FROM {source}")
    if with_splits:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE splits_src AS SELECT o.ono, s.person_id, "
            "CAST(CAST(s.share AS DECIMAL(38, 9)) * 1000000000 AS BIGINT) AS share_num, "
            f"CASE s.role WHEN 'direct' THEN {ROLE_CODE[CreditRole.DIRECT]} "
            f"WHEN 'overlay' THEN {ROLE_CODE[CreditRole.OVERLAY]} ELSE 9 END AS role, "
            "CAST(s.sequence AS INTEGER) AS sequence, s.ord "
            "FROM splits_arrow s JOIN orders_src o ON s.order_id = o.order_id"
        )
    inp = facts.inputs
    day = timedelta(days=1)
    territories = pa.table(
        {
            "person_id": [t.person_id for t in inp.territories],
            "territory": [t.territory for t in inp.territories],
            "valid_from": [t.valid_from for t in inp.territories],
            "valid_to": [LAST_DAY if t.valid_to is None else t.valid_to + day for t in inp.territories],
            "ord": list(range(len(inp.territories))),
        },
        schema=pa.schema(
            [
                ("person_id", pa.string()),
                ("territory", pa.string()),
                ("valid_from", pa.date32()),
                ("valid_to", pa.date32()),
                ("ord", pa.int32()),
            ]
        ),
    )
    con.register("territories_src", territories)
    chains = _chains(inp.managers, rollup_levels) if rollup_levels else []
    con.register(
        "chains_src",
        pa.table(
            {
                "person_id": [c[0] for c in chains],
                "level": [c[1] for c in chains],
                "manager_id": [c[2] for c in chains],
                "valid_from": [c[3] for c in chains],
                "valid_to": [c[4] for c in chains],
            },
            schema=pa.schema(
                [
                    ("person_id", pa.string()),
                    ("level", pa.int32()),
                    ("manager_id", pa.string()),
                    ("valid_from", pa.date32()),
                    ("valid_to", pa.date32()),
                ]
            ),
        ),
    )
    return Loaded(con)


def _reached(con: duckdb.DuckDBPyConnection, reach: Reach, names: list[str], with_splits: bool) -> str:
    """A table of the orders `reach` keeps (numbers and split positions as in the whole facts)."""
    people = pa.array(sorted(reach.people), pa.string())
    territories = pa.array(sorted(reach.territories), pa.string())
    con.register("reach_people", pa.table({"person_id": people}))
    con.register("reach_territories", pa.table({"territory": territories}))
    where = ["owner IN (SELECT person_id FROM reach_people)"] if "owner" in names else []
    if "territory" in names:
        where.append("territory IN (SELECT territory FROM reach_territories)")
    if with_splits:
        # The split orders first: probing every order id against them is the costly part of the filter.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE reach_split_orders AS SELECT DISTINCT order_id FROM splits_arrow "
            "WHERE person_id IN (SELECT person_id FROM reach_people)"
        )
        where.append("order_id IN (SELECT order_id FROM reach_split_orders)")
    # Only fixed names go into the text: the people and territories are registered tables.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE orders_reached AS SELECT * FROM orders_arrow "
        f"WHERE {' OR '.join(where) or 'FALSE'}"
    )
    return "orders_reached"


def _sorted_reached(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Order numbers follow order ids among the reached orders (all the program needs of a file's order)."""
    wrong = con.execute(
        "SELECT order_id FROM (SELECT order_id, LAG(order_id) OVER (ORDER BY ono) AS before "
        "FROM orders_reached) WHERE order_id < before LIMIT 1"
    ).fetchone()
    if wrong is not None:
        raise _not_sorted(path)


@lru_cache(maxsize=4)
def _chains(links: tuple[ManagerLink, ...], levels: int) -> list[tuple[str, int, str, date, date]]:
    return manager_chains(links, levels)


def fx_table(inp: CalculationInput, to_currency: str) -> tuple[pa.Table, int]:
    """Rates into `to_currency` as integer numerators over one power-of-ten denominator (returned)."""
    rows = [r for r in rate_intervals(inp.rates) if r[1] == to_currency]
    places = 0
    for src, _, _, _, rate in rows:
        exponent = rate.as_tuple().exponent
        assert isinstance(exponent, int)
        places = max(places, max(-exponent, 0) + max(minor_exponent(src) - minor_exponent(to_currency), 0))
    den = 10**places
    nums = []
    for src, _, _, _, rate in rows:
        shift = minor_exponent(to_currency) - minor_exponent(src)
        value = rate * Decimal(10) ** shift * den
        nums.append(int(value))
    table = pa.table(
        {
            "from_currency": [r[0] for r in rows],
            "valid_from": [r[2] for r in rows],
            "valid_to": [r[3] for r in rows],
            "num": nums,
        },
        schema=pa.schema(
            [
                ("from_currency", pa.string()),
                ("valid_from", pa.date32()),
                ("valid_to", pa.date32()),
                ("num", pa.decimal128(38, 0)),
            ]
        ),
    )
    return table, den
