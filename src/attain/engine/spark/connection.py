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
            self._name(empty, name)
            return SparkResult(None)
        if m := _TABLE_AS.match(sql):
            kind, name, select = m.groups()
            frame = self._parquet(m.group(3)) or self.spark.sql(spark_sql(select))
            if kind == "TABLE":
                frame = self._materialize(frame)
            self._parts.pop(name, None)
            self._name(frame, name)
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
            self._name(union, name)
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
        self._name(self.spark.createDataFrame(table), name)

    # -- Python conditions (the plan's conditions with a division) ------------------------------------

    def create_function(
        self, name: str, function: Callable[..., Any], *_types: object, **_options: object
    ) -> None:
        self.spark.udf.register(name, function, BooleanType())

    def remove_function(self, name: str) -> None:
        """Spark replaces a registered function of the same name; nothing to remove."""

    def close(self) -> None:
        for frame in self._held:
            self._release(frame)
        self._held.clear()

    # -- helpers --------------------------------------------------------------------------------------

    def _name(self, frame: DataFrame, name: str) -> None:
        """Register `frame` as the temporary view `name`, replacing any view of that name.

        Replacing a view in place (`createOrReplaceTempView`) drops from the cache every table whose plan
        reads the old view, cascading: registering the next plan's `payees_src` would throw away the
        previous plan's lines, computed again at the next read. Dropping the old view first only drops
        its own cached data (tables are computed by then, so their readers keep theirs)."""
        self.spark.catalog.dropTempView(name)
        frame.createOrReplaceTempView(name)

    def _materialize(self, frame: DataFrame) -> DataFrame:
        """A computed table: computed once now and kept as a plan of its own (later statements read it
        many times).

        A local checkpoint, not a cached frame: a cached frame keeps its whole lineage, so dropping a view
        it was built on (the program drops `v` and `direct_src` once their last reader is written) makes
        Spark re-plan it and compute it again from the files at its next read, and every read re-plans
        the lineage (on generated test plans, reading the lines took 20-40 s instead of under 1 s). The
        checkpoint's blocks live in the executors' memory, spilling to disk."""
        kept = frame.localCheckpoint(eager=True)
        self._held.append(kept)
        return kept

    @staticmethod
    def _release(frame: DataFrame) -> None:
        """Free a checkpointed table's blocks now rather than at the JVM's next garbage collection."""
        plan = frame._jdf.queryExecution().logical()
        if plan.nodeName() == "LogicalRDD":
            plan.rdd().unpersist(False)

    def _parquet(self, select: str) -> DataFrame | None:
        """DuckDB's `read_parquet(..., file_row_number = true)`: the file's rows numbered in file order.

        Spark's hidden `_metadata.row_index` is the row's position in its file, whichever byte range
        (partition) reads it, so numbering costs no Spark job and no join."""
        m = _PARQUET.match(select.strip())
        if m is None:
            return None
        cast, column, path = m.group(1) is not None, m.group(3), m.group(4)
        raw = self.spark.read.parquet(path)
        number = fn.col("_metadata.row_index")
        return raw.select("*", (number.cast("int") if cast else number).alias(column))
