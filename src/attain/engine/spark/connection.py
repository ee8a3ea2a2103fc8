"""A DuckDB-shaped connection over a SparkSession: the fast engine's generated program, run on Spark SQL.

Each statement is transpiled from DuckDB's dialect by sqlglot; the few DuckDB-only statements (temporary
tables, INSERT into the lines table, Parquet row numbers, Python conditions) get their Spark equivalents.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
import sqlglot
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as fn
from pyspark.sql.types import BooleanType, DecimalType
from sqlglot.errors import ErrorLevel

_TABLE_SCHEMA = re.compile(r"^\s*CREATE OR REPLACE TEMP TABLE (\w+) \((.*)\)\s*$", re.S)
_TABLE_AS = re.compile(r"^\s*CREATE OR REPLACE TEMP (TABLE|VIEW) (\w+) AS (.*)$", re.S)
_INSERT = re.compile(r"^\s*INSERT INTO (\w+) (.*)$", re.S)
_DROP = re.compile(r"^\s*DROP TABLE IF EXISTS (\w+)\s*$", re.S)
_PARQUET = re.compile(
    r"^SELECT \*, (CAST\()?file_row_number( AS INTEGER\))? AS (\w+) "
    r"FROM read_parquet\('([^']*)', file_row_number = true\)$",
    re.S,
)
_LIST_PARAM = "(SELECT UNNEST(?))"
_ROW_BITS = 33  # monotonically_increasing_id: partition index above bit 33, row within it below


def spark_sql(duckdb_sql: str) -> str:
    """One DuckDB statement of the generated program in Spark SQL (refusing what sqlglot cannot map)."""
    # DuckDB's 128-bit integer is Spark's widest exact integer type, DECIMAL(38, 0).
    duckdb_sql = duckdb_sql.replace("HUGEINT", "DECIMAL(38, 0)")
    [out] = sqlglot.transpile(duckdb_sql, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE)
    return out


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def bind(sql: str, params: Sequence[object]) -> str:
    """`sql` with its `?` parameters written as literals (a list parameter becomes a literal IN list)."""
    for value in params:
        if isinstance(value, list | tuple):
            items = ", ".join(_literal(v) for v in value) or "NULL"
            sql = sql.replace(_LIST_PARAM, f"({items})", 1)
        else:
            sql = sql.replace("?", _literal(value), 1)
    return sql


class SparkResult:
    """The rows of one statement, fetched once (integers where DuckDB gives integers)."""

    def __init__(self, frame: DataFrame | None) -> None:
        self._frame = frame
        self._rows: list[tuple[Any, ...]] | None = None

    def fetchall(self) -> list[tuple[Any, ...]]:
        if self._rows is None:
            self._rows = [] if self._frame is None else _plain_rows(self._frame)
        return self._rows

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    def to_arrow_table(self) -> pa.Table:
        assert self._frame is not None
        return self._frame.toArrow()


def _plain_rows(frame: DataFrame) -> list[tuple[Any, ...]]:
    # DECIMAL(38, 0) is Spark's HUGEINT: DuckDB returns those as Python ints, so do the same.
    whole = [isinstance(f.dataType, DecimalType) and f.dataType.scale == 0 for f in frame.schema.fields]
    rows = frame.collect()
    if not any(whole):
        return [tuple(r) for r in rows]
    return [tuple(int(v) if w and v is not None else v for v, w in zip(r, whole, strict=True)) for r in rows]


class SparkConnection:
    """The subset of `duckdb.DuckDBPyConnection` the fast engine uses, executed on a SparkSession."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self._parts: dict[str, list[DataFrame]] = {}  # tables written by INSERT: their materialized parts
        self._held: list[DataFrame] = []

    # -- statements ---------------------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[object] | None = None) -> SparkResult:
        if params:
            sql = bind(sql, params)
        if m := _TABLE_SCHEMA.match(sql):
            name, columns = m.group(1), m.group(2)
            empty = self.spark.createDataFrame([], schema=columns)
            self._parts[name] = [empty]
            empty.createOrReplaceTempView(name)
            return SparkResult(None)
        if m := _TABLE_AS.match(sql):
            kind, name, select = m.groups()
            frame = self._parquet(m.group(3)) or self.spark.sql(spark_sql(select))
            if kind == "TABLE":
                frame = self._materialize(frame)
            self._parts.pop(name, None)
            frame.createOrReplaceTempView(name)
            return SparkResult(None)
        if m := _INSERT.match(sql):
            name, select = m.groups()
            part = self._materialize(self.spark.sql(spark_sql(select)))
            parts = self._parts[name]
            part = part.toDF(*parts[0].columns)
            parts.append(part)
            union = parts[0]
            for p in parts[1:]:
                union = union.unionByName(p)
            union.createOrReplaceTempView(name)
            return SparkResult(None)
        if m := _DROP.match(sql):
            self._parts.pop(m.group(1), None)
            self.spark.catalog.dropTempView(m.group(1))
            return SparkResult(None)
        return SparkResult(self.spark.sql(spark_sql(sql)))

    def sql(self, sql: str) -> SparkResult:
        return SparkResult(self.spark.sql(spark_sql(sql)))

    def register(self, name: str, table: pa.Table) -> None:
        self._parts.pop(name, None)
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    # -- Python conditions (the plan's conditions with a division) ------------------------------------

    def create_function(
        self, name: str, function: Callable[..., Any], *_types: object, **_options: object
    ) -> None:
        self.spark.udf.register(name, function, BooleanType())

    def remove_function(self, name: str) -> None:
        """Spark replaces a registered function of the same name; nothing to remove."""

    def close(self) -> None:
        for frame in self._held:
            frame.unpersist()
        self._held.clear()

    # -- helpers --------------------------------------------------------------------------------------

    def _materialize(self, frame: DataFrame) -> DataFrame:
        """A computed table, kept once computed (later statements read it many times); computing it
        waits for its first reader, so a statement costs no Spark job of its own."""
        kept = frame.cache()
        self._held.append(kept)
        return kept

    def _parquet(self, select: str) -> DataFrame | None:
        """DuckDB's `read_parquet(..., file_row_number = true)`: the file's rows numbered in file order."""
        m = _PARQUET.match(select.strip())
        if m is None:
            return None
        cast, column, path = m.group(1) is not None, m.group(3), m.group(4)
        raw = self.spark.read.parquet(path).withColumn("_mid", fn.monotonically_increasing_id())
        raw = raw.localCheckpoint(eager=True)  # the ids must not change between the count and the numbering
        self._held.append(raw)
        pid = fn.shiftright("_mid", _ROW_BITS)
        counts = sorted(raw.groupBy(pid.alias("_pid")).count().collect())
        offsets, start = [], 0
        for part, count in counts:
            offsets.append((int(part), start))
            start += int(count)
        table = self.spark.createDataFrame(offsets or [(0, 0)], "_pid LONG, _start LONG")
        row = fn.col("_mid").bitwiseAND((1 << _ROW_BITS) - 1)
        numbered = (
            raw.join(fn.broadcast(table), pid == fn.col("_pid"))
            .withColumn(column, fn.col("_start") + row)
            .drop("_mid", "_pid", "_start")
        )
        if cast:
            numbered = numbered.withColumn(column, fn.col(column).cast("int"))
        return numbered
