"""The Spark connection's own behaviours: Parquet row numbers in file order across byte-range partitions,
tables computed once and kept (without their lineage) when the views they read are dropped or replaced,
freed on close, and local cores."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from attain.engine.spark.session import local_cores

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def test_parquet_rows_are_numbered_in_file_order_across_partitions(
    spark: SparkSession, tmp_path: Path
) -> None:
    from attain.engine.spark.connection import SparkConnection  # noqa: PLC0415

    rows = 20_000
    path = tmp_path / "orders.parquet"
    ids = [f"o{i:06d}" for i in range(rows)]
    # Many small row groups and small byte ranges: the file is read by several partitions.
    pq.write_table(pa.table({"order_id": ids, "amount": list(range(rows))}), path, row_group_size=1_000)
    con = SparkConnection(spark)
    previous = spark.conf.get("spark.sql.files.maxPartitionBytes") or "128MB"
    spark.conf.set("spark.sql.files.maxPartitionBytes", "16k")
    try:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW numbered AS SELECT *, file_row_number AS ono "
            f"FROM read_parquet('{path}', file_row_number = true)"
        )
        assert spark.table("numbered").rdd.getNumPartitions() > 1
        got = con.execute("SELECT ono, order_id, amount FROM numbered ORDER BY ono").fetchall()
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", previous)
        con.close()
    assert got == [(i, ids[i], i) for i in range(rows)]


def test_a_table_stays_computed_when_the_view_it_reads_is_dropped(spark: SparkSession) -> None:
    from attain.engine.spark.connection import SparkConnection  # noqa: PLC0415

    con = SparkConnection(spark)
    try:
        con.register("numbers", pa.table({"n": list(range(10))}))
        con.execute("CREATE OR REPLACE TEMP TABLE base AS SELECT n FROM numbers WHERE n >= 0")
        con.execute("CREATE OR REPLACE TEMP TABLE doubled AS SELECT n * 2 AS m FROM base")
        con.execute("DROP TABLE IF EXISTS base")
        assert not spark.catalog.tableExists("base")
        assert con.execute("SELECT SUM(m) FROM doubled").fetchone() == (90,)
        assert _computed(spark, "doubled")  # read from its own blocks, not through the dropped view
    finally:
        con.close()


def _computed(spark: SparkSession, view: str) -> bool:
    """Whether the view is a computed table: its plan is one leaf of kept rows, with no lineage."""
    plan = spark.table(view)._jdf.queryExecution().analyzed()
    while plan.nodeName() in ("SubqueryAlias", "View"):
        plan = plan.children().head()
    return bool(plan.nodeName() == "LogicalRDD")


def test_closing_frees_the_computed_tables(spark: SparkSession) -> None:
    from attain.engine.spark.connection import SparkConnection  # noqa: PLC0415

    kept = spark.sparkContext._jsc.sc().getPersistentRDDs()
    before = kept.size()
    con = SparkConnection(spark)
    con.register("numbers", pa.table({"n": list(range(10))}))
    con.execute("CREATE OR REPLACE TEMP TABLE evens AS SELECT n FROM numbers WHERE n % 2 = 0")
    con.execute("CREATE OR REPLACE TEMP TABLE lines (n BIGINT)")
    con.execute("INSERT INTO lines SELECT n FROM evens")
    assert spark.sparkContext._jsc.sc().getPersistentRDDs().size() == before + 2
    con.close()
    assert spark.sparkContext._jsc.sc().getPersistentRDDs().size() == before


def test_registering_a_table_again_keeps_the_tables_computed_from_the_old_one(spark: SparkSession) -> None:
    from attain.engine.spark.connection import SparkConnection  # noqa: PLC0415

    con = SparkConnection(spark)
    try:
        con.register("small", pa.table({"n": [1, 2, 3]}))
        con.execute("CREATE OR REPLACE TEMP TABLE summed AS SELECT SUM(n) AS total FROM small")
        con.register("small", pa.table({"n": [10]}))
        assert _computed(spark, "summed")
        assert con.execute("SELECT total FROM summed").fetchall() == [(6,)]
        assert con.execute("SELECT SUM(n) FROM small").fetchall() == [(10,)]
    finally:
        con.close()


@pytest.mark.parametrize(
    ("master", "cores"),
    [("local", 1), ("local[2]", 2), ("local[3, 2]", 3), ("spark://host:7077", None), ("yarn", None)],
)
def test_local_cores_come_from_the_master_url(master: str, cores: int | None) -> None:
    assert local_cores(master) == cores
