"""Rows of a fact table read and written in bulk for the direct load (attain.store.fact_direct).

New ids drawn from the table's sequence, rows written with `COPY` (SQLite: executemany), stored
rows read back by natural key for comparison, and rows handed back to a staging table. Table and
column names come from `attain.domain.facts`; values travel as data, never inside the SQL.
"""

# ruff: noqa: S608  (table and column names come from attain.domain.facts, never from input)

from __future__ import annotations

import io
from typing import Any, cast

import polars as pl
import psycopg
from sqlalchemy.orm import Session

from attain.domain.facts import FactEntity, FactField, FieldType
from attain.store.fact_keys import KeyLookup, target_of
from attain.store.fact_sql import q

ORIGINS = {"id": pl.Int64(), "_seq": pl.Int64(), "_source": pl.Utf8(), "_row": pl.Int64()}
STORED = "_stored_"  # prefix of the stored values beside a chunk's own
COMPARABLE = (
    FieldType.TEXT,
    FieldType.ENUM,
    FieldType.INT,
    FieldType.MONEY,
    FieldType.DECIMAL,
    FieldType.DATE,
    FieldType.REF,
)


def wire(f: FactField, dialect: str) -> pl.Expr:
    """The column as the driver expects it: SQLite stores dates and timestamps as SQLAlchemy's text."""
    col = pl.col(f.name)
    sqlite = dialect != "postgresql"
    if f.type is FieldType.DATE and sqlite:
        return col.dt.strftime("%Y-%m-%d")
    if f.type is FieldType.DATETIME:
        utc = col.dt.convert_time_zone("UTC")
        return utc.dt.strftime("%Y-%m-%d %H:%M:%S.%6f" if sqlite else "%Y-%m-%d %H:%M:%S.%6f+00")
    if f.type is FieldType.DECIMAL:
        return col.cast(pl.Utf8)
    if f.type is FieldType.BOOL and sqlite:
        return col.cast(pl.Int8)
    return col


def _raw(session: Session) -> psycopg.Connection[Any]:
    return cast("psycopg.Connection[Any]", session.connection().connection.dbapi_connection)


def _pg(session: Session) -> bool:
    return session.connection().dialect.name == "postgresql"


def copy_in(session: Session, table: str, frame: pl.DataFrame) -> None:
    """Append `frame` (columns named as `table`'s, values as the driver expects them) to `table`."""
    names = ", ".join(q(c) for c in frame.columns)
    conn = session.connection()
    if _pg(session):
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False)
        with (
            _raw(session).cursor() as cur,
            cur.copy(f"COPY {q(table)} ({names}) FROM STDIN (FORMAT csv)") as cp,
        ):
            cp.write(buffer.getbuffer())
        return
    marks = ", ".join("?" for _ in frame.columns)
    conn.exec_driver_sql(f"INSERT INTO {q(table)} ({names}) VALUES ({marks})", list(frame.iter_rows()))


def copy_out(session: Session, sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The result of `sql` (PostgreSQL) as a frame of `schema`, through `COPY ... TO STDOUT`."""
    buffer = io.BytesIO()
    with _raw(session).cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as cp:
        for block in cp:
            buffer.write(block)
    if buffer.tell() == 0:
        return pl.DataFrame(schema=schema)
    buffer.seek(0)
    return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=schema)


def reserve_ids(session: Session, table: str, n: int) -> pl.Series:
    """`n` consecutive new ids of `table`, which the caller holds locked: nothing else draws them."""
    sequence = f"pg_get_serial_sequence('{table}', 'id')"
    sql = f"SELECT setval({sequence}, nextval({sequence}) + {int(n)} - 1)"
    last = int(session.connection().exec_driver_sql(sql).scalar_one())
    return pl.int_range(last - n + 1, last + 1, dtype=pl.Int64, eager=True)


def draw_ids(session: Session, table: str, n: int) -> pl.Series:
    """`n` new ids of `table`, ascending (so that ids follow the file, as in the staged merge)."""
    conn = session.connection()
    if not _pg(session):
        # SQLite has one writer at a time; a concurrent one would fail on the primary key, never merge.
        start = int(conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {q(table)}").scalar_one()) + 1
        return pl.int_range(start, start + n, dtype=pl.Int64, eager=True)
    sequence = f"pg_get_serial_sequence('{table}', 'id')"
    ids = copy_out(
        session, f"SELECT nextval({sequence}) FROM generate_series(1, {int(n)})", {"id": pl.Int64()}
    )
    return ids.get_column("id").sort()


def stored_rows(
    session: Session, lookup: KeyLookup, fact: FactEntity, fields: tuple[FactField, ...], keys: pl.Series
) -> pl.DataFrame:
    """The stored rows of those `keys` that exist (PostgreSQL): `id` and `_stored_<column>` per field.

    Values come typed as the fields' frames type them (references as row ids), ready to compare.
    """
    schema: dict[str, pl.DataType] = {fact.key[0]: pl.Utf8(), "id": pl.Int64()}
    for f in fields:
        if f.name != fact.key[0]:
            schema[STORED + f.column] = _frame_type(f)
    columns = ", ".join(["t.id", *(f"t.{q(name[len(STORED) :])}" for name in list(schema)[2:])])
    lookup.fill(keys)
    sql = (
        f"SELECT t.{q(fact.key[0])}, {columns} FROM {q(lookup.temp)} AS k "
        f"JOIN {q(fact.table)} AS t ON t.{q(fact.key[0])} = k.key"
    )
    return copy_out(session, sql, schema)


def _frame_type(f: FactField) -> pl.DataType:
    if f.type in (FieldType.INT, FieldType.MONEY, FieldType.REF):
        return pl.Int64()
    if f.type is FieldType.DECIMAL:
        return pl.Decimal(38, 6)
    if f.type is FieldType.DATE:
        return pl.Date()
    return pl.Utf8()


def hand_back(
    session: Session, fact: FactEntity, fields: tuple[FactField, ...], stage: str, origins: pl.DataFrame
) -> str:
    """Copy the stored rows that `origins` lists (id, _seq, _source, _row) into the staging table
    `stage`, as the file gave them (references as natural keys); return the temporary table of ids."""
    conn = session.connection()
    temp = f"{stage}_back"
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {q(temp)} (id BIGINT, _seq BIGINT, _source TEXT, _row BIGINT)"
    )
    copy_in(session, temp, origins.select(list(ORIGINS)))
    if _pg(session):
        conn.exec_driver_sql(f"ANALYZE {q(temp)}")
    values, joins = [], []
    for f in fields:
        if f.type is not FieldType.REF:
            values.append(f"t.{q(f.column)}")
            continue
        target = target_of(f.ref or "")
        table = "periods" if target.name == "period" else target.table
        alias = f"r_{f.name}"
        joins.append(f"LEFT JOIN {q(table)} AS {alias} ON {alias}.id = t.{q(f.column)}")
        values.append(f"{alias}.{q(target.key[0])}")
    names = ", ".join(["_seq", "_source", "_row", *(q(f.name) for f in fields)])
    conn.exec_driver_sql(
        f"INSERT INTO {q(stage)} ({names}) SELECT d._seq, d._source, d._row, {', '.join(values)} "
        f"FROM {q(fact.table)} AS t JOIN {q(temp)} AS d ON d.id = t.id {' '.join(joins)}"
    )
    return temp


def delete_listed(session: Session, table: str, temp: str) -> None:
    """Delete the rows of `table` whose ids `temp` lists: rows this load created, which only rows of
    this same load refer to (entities referring to this one merge later), so they all go together.

    PostgreSQL's guard checks a DELETE as a whole; SQLite's checks row by row and would refuse the
    first row another one points at, so that table's own guards are set aside for the statement.
    """
    conn = session.connection()
    guards: list[tuple[str, str]] = []
    if not _pg(session):
        found = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'trigger' AND tbl_name = ? AND name LIKE 'guard%'",
            (table,),
        ).all()
        guards = [(str(name), str(sql)) for name, sql in found]
        for name, _sql in guards:
            conn.exec_driver_sql(f"DROP TRIGGER {q(name)}")
    conn.exec_driver_sql(f"DELETE FROM {q(table)} WHERE id IN (SELECT id FROM {q(temp)})")
    for _name, sql in guards:
        conn.exec_driver_sql(sql)
