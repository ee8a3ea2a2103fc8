"""Natural keys to row ids, looked up in bulk for the direct load of new fact rows.

References are looked up once per distinct key and remembered for the transaction (a chunk of
orders names a few thousand accounts, the next chunk mostly the same ones). Large key sets travel
through a temporary table (PostgreSQL `COPY` both ways), small ones as one array parameter.
"""

# ruff: noqa: S608  (table and column names come from attain.domain.facts, never from input)

from __future__ import annotations

import io
import itertools
from typing import Any, cast

import polars as pl
import psycopg
from sqlalchemy.orm import Session

from attain.domain.facts import PERIOD, FactEntity, entity
from attain.store.fact_sql import q

KEYS = {"key": pl.Utf8(), "id": pl.Int64()}
ARRAY_KEYS = 5_000  # up to this many keys go as one array parameter; more go through a temporary table
SQLITE_VARIABLES = 500
_names = itertools.count(1)


def empty_keys() -> pl.DataFrame:
    return pl.DataFrame(schema=KEYS)


def target_of(name: str) -> FactEntity:
    return PERIOD if name == "period" else entity(name)


def _source(target: FactEntity) -> tuple[str, str, str]:
    """The table, its natural-key column and any extra condition (period keys: the default calendar)."""
    if target.name == "period":
        return "periods", "key", " AND calendar_id = (SELECT min(id) FROM calendars WHERE is_default = true)"
    return target.table, target.key[0], ""


class KeyLookup:
    """Finds the ids of rows by natural key, in the transaction's session."""

    def __init__(self, session: Session) -> None:
        self._s = session
        self._temp: str | None = None

    @property
    def _pg(self) -> bool:
        return self._s.connection().dialect.name == "postgresql"

    def ids(self, target: FactEntity, keys: pl.Series) -> pl.DataFrame:
        """(key, id) of the rows of `target` whose natural key is one of `keys` (nulls ignored)."""
        wanted = keys.drop_nulls().unique()
        if wanted.len() == 0:
            return empty_keys()
        table, column, extra = _source(target)
        if self._pg and wanted.len() <= ARRAY_KEYS:
            raw = self._raw()
            with raw.cursor() as cur:
                cur.execute(
                    f"SELECT {q(column)}, id FROM {q(table)} WHERE {q(column)} = ANY(%s){extra}",
                    (wanted.to_list(),),
                )
                return pl.DataFrame(cur.fetchall(), schema=KEYS, orient="row")
        self.fill(wanted)
        sql = (
            f"SELECT t.{q(column)}, t.id FROM {q(self.temp)} AS k "
            f"JOIN {q(table)} AS t ON t.{q(column)} = k.key{extra}"
        )
        return self._fetch(sql)

    def _raw(self) -> psycopg.Connection[Any]:
        return cast("psycopg.Connection[Any]", self._s.connection().connection.dbapi_connection)

    @property
    def temp(self) -> str:
        """The temporary key table (after `fill`)."""
        assert self._temp is not None, "fill() first"
        return self._temp

    def fill(self, keys: pl.Series) -> None:
        """Put `keys` (and nothing else) into this transaction's temporary key table."""
        conn = self._s.connection()
        if self._temp is None:
            self._temp = f"_attain_keys_{next(_names)}"
            ending = " ON COMMIT DROP" if self._pg else ""  # SQLite's go with the connection
            conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {q(self._temp)} (key TEXT){ending}")
        conn.exec_driver_sql(f"DELETE FROM {q(self._temp)}")
        if self._pg:
            buffer = io.BytesIO()
            keys.to_frame().write_csv(buffer, include_header=False)
            with (
                self._raw().cursor() as cur,
                cur.copy(f"COPY {q(self._temp)} (key) FROM STDIN (FORMAT csv)") as cp,
            ):
                cp.write(buffer.getbuffer())
            conn.exec_driver_sql(f"ANALYZE {q(self._temp)}")
        else:
            conn.exec_driver_sql(
                f"INSERT INTO {q(self._temp)} (key) VALUES (?)", [(k,) for k in keys.to_list()]
            )

    def _fetch(self, sql: str) -> pl.DataFrame:
        if not self._pg:
            rows = self._s.connection().exec_driver_sql(sql).all()
            return pl.DataFrame([tuple(r) for r in rows], schema=KEYS, orient="row")
        buffer = io.BytesIO()
        with self._raw().cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as cp:
            for block in cp:
                buffer.write(block)
        if buffer.tell() == 0:
            return empty_keys()
        buffer.seek(0)
        return pl.read_csv(buffer, has_header=False, new_columns=list(KEYS), schema=KEYS)


class ReferenceIds:
    """Ids of referenced rows by natural key, each key looked up once per transaction.

    Only valid while the referenced entity has nothing staged in the transaction: the direct load
    asks only then, and a key absent now stays absent until that entity is merged.
    """

    def __init__(self, lookup: KeyLookup) -> None:
        self._lookup = lookup
        self._found: dict[str, pl.DataFrame] = {}
        self._asked: dict[str, pl.DataFrame] = {}

    def ids(self, target: FactEntity, keys: pl.Series) -> pl.DataFrame:
        """(key, id) for those of `keys` that exist."""
        wanted = keys.drop_nulls().unique().to_frame("key")
        asked = self._asked.get(target.name)
        new = wanted if asked is None else wanted.join(asked, on="key", how="anti")
        if new.height:
            found = self._lookup.ids(target, new.get_column("key"))
            self._found[target.name] = pl.concat([self._found.get(target.name, empty_keys()), found])
            self._asked[target.name] = pl.concat([asked, new]) if asked is not None else new
        return self._found.get(target.name, empty_keys()).join(wanted, on="key", how="semi")
